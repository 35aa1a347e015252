/**
 * Completes the check runs a run left `in_progress`: its server died mid-run, or GitHub kept
 * refusing the final update. Runs on start and periodically (src/index.ts), from the record in
 * {@link OpenCheckRuns}.
 */
import { messageOf, statusOf } from '../review/stage.js';
import { RERUN_BUTTON } from './check-reporter.js';
import type { GitHubClient } from './client.js';
import { processAlive, THIS_PROCESS, type OpenCheckRun, type OpenCheckRuns } from './open-check-runs.js';

/** How long a check run may stay in progress before it is completed as `neutral` (default 30 min). */
export const DEFAULT_STALE_AFTER_MS = 30 * 60_000;
/** How often open check runs are looked at (default every 5 min). */
export const DEFAULT_SWEEP_EVERY_MS = 5 * 60_000;

/** The log a sweep writes to. */
export interface SweepLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Options of {@link sweepStaleCheckRuns}. */
export interface SweepOptions {
  readonly openRuns: OpenCheckRuns;
  /** An installation's client (the App's `app.auth(id)`). */
  readonly clientFor: (installationId: number) => Promise<GitHubClient>;
  readonly staleAfterMs?: number;
  readonly now?: () => number;
  readonly log: SweepLog;
  /** The server is stopping, for this reason: every check run this process holds is stale now. */
  readonly stopping?: string;
}

/** Why an open check run is stale now, or undefined while its run may still finish it. */
export function whyStale(run: OpenCheckRun, now: number, staleAfterMs: number): string | undefined {
  if (!processAlive(run.createdBy)) return 'the leakhound server stopped while this run was in progress';
  if (now - run.startedAt > staleAfterMs) return `this run did not finish within ${duration(staleAfterMs)}`;
  return undefined;
}

/** "30 minutes", "1 minute", "2 seconds". */
function duration(ms: number): string {
  const [amount, unit] = ms >= 60_000 ? [Math.round(ms / 60_000), 'minute'] : [Math.max(1, Math.round(ms / 1000)), 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * sweepStaleCheckRuns completes every stale open check run as `neutral`, naming the reason and
 * offering Re-run, unless GitHub shows it completed already. A run that cannot be reached (the
 * repository or installation is gone: 403, 404) is forgotten; any other failure leaves it for the
 * next sweep. Returns how many were completed.
 */
export async function sweepStaleCheckRuns(options: SweepOptions): Promise<number> {
  const { openRuns, log } = options;
  const now = (options.now ?? Date.now)();
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  let completed = 0;
  for (const run of openRuns.list()) {
    const reason = options.stopping && run.createdBy === THIS_PROCESS ? options.stopping : whyStale(run, now, staleAfterMs);
    if (reason === undefined) continue;
    const where = { repo: `${run.owner}/${run.repo}`, checkRunId: run.checkRunId };
    try {
      const octokit = await options.clientFor(run.installationId);
      const target = { owner: run.owner, repo: run.repo, check_run_id: run.checkRunId };
      const { data } = await octokit.rest.checks.get(target);
      if (data.status !== 'completed') {
        await octokit.rest.checks.update({
          ...target,
          status: 'completed',
          conclusion: 'neutral',
          completed_at: new Date(now).toISOString(),
          output: {
            title: 'leakhound did not finish this run',
            summary: `Nothing was reported for this commit: ${reason}.\n\nUse **Re-run** (or comment \`/recheck\` on the pull request) to analyse it again.`,
          },
          actions: [RERUN_BUTTON],
        });
        completed++;
        log.info({ ...where, reason }, 'completed a stale check run');
      }
      openRuns.closed(run.checkRunId);
    } catch (error) {
      const status = statusOf(error);
      if (status === 403 || status === 404) {
        openRuns.closed(run.checkRunId);
        log.info({ ...where, status }, 'forgot a stale check run GitHub no longer lets us reach');
      } else {
        log.warn({ ...where, error: messageOf(error) }, 'could not complete a stale check run; trying again later');
      }
    }
  }
  return completed;
}

/**
 * startStaleCheckSweeper sweeps now and then every `everyMs`, one sweep at a time, on a timer that
 * never keeps the process alive. Returns a function that stops it.
 */
export function startStaleCheckSweeper(options: SweepOptions & { readonly everyMs?: number }): () => void {
  let running = false;
  const sweep = (): void => {
    if (running) return;
    running = true;
    sweepStaleCheckRuns(options)
      .catch((error: unknown) => options.log.warn({ error: messageOf(error) }, 'stale check run sweep failed'))
      .finally(() => (running = false));
  };
  const first = setTimeout(sweep, 0);
  const timer = setInterval(sweep, options.everyMs ?? DEFAULT_SWEEP_EVERY_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
