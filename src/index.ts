/**
 * The Probot app: wires webhook events to handlers and does nothing else. `npm start` serves it
 * (src/bin/server.ts); without APP_ID and PRIVATE_KEY, Probot serves its setup flow (app.yml) instead.
 */
import type { Context, Probot } from 'probot';
import { AnalysisPool, type PoolOptions } from './analysis/pool.js';
import type { GitHubClient, RetryOptions } from './github/client.js';
import type { RunDeps } from './github/run.js';
import { CHECK_RUN_EVENTS, onCheckRun, onCheckSuiteRerequested } from './handlers/check-rerun.js';
import { OpenCheckRuns } from './github/open-check-runs.js';
import { startStaleCheckSweeper, sweepStaleCheckRuns } from './github/stale-check-runs.js';
import { startCatchUp } from './github/catch-up.js';
import { DeliveryLog, handleOnce, type DeliveryWork } from './handlers/deliveries.js';
import { messageOf, StageError } from './review/stage.js';
import { onPullRequest, PULL_REQUEST_EVENTS } from './handlers/pull-request.js';
import { onIssueComment } from './handlers/recheck-command.js';
import type { PathMatcher } from './config/excludes.js';
import type { Analyzer } from './review/ports.js';
import { measureQueueDepth } from './metrics.js';
import type { RunSerializer } from './review/serialize.js';
import type { EventQueue } from './fleet/event-queue.js';
import { DEGRADED_WITHOUT_REDIS, viaQueue } from './fleet/receiver.js';
import { lifecycle } from './server/lifecycle.js';
import { envNumber } from './server/dotenv.js';
import { join } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';

/** Options of {@link createLeakhound}; the defaults are the server's. */
export interface LeakhoundOptions {
  /** The analysis; default: one {@link AnalysisPool} (a worker process) shared by every run. */
  readonly analyze?: Analyzer;
  /** Matches exclude globs; default: the same pool (without `analyze`: in process). */
  readonly matchPaths?: PathMatcher;
  /** How rate-limited requests are retried. */
  readonly retry?: RetryOptions;
  /** The time limit of one attempt of a GitHub request; default LEAKHOUND_REQUEST_TIMEOUT_MS or 30 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Where open check runs are recorded, to complete them after a crash; default
   * LEAKHOUND_STATE_DIR/open-check-runs.json (LEAKHOUND_STATE_DIR defaults to <tmp>/leakhound-<APP_ID>);
   * `null` keeps the record in memory only.
   */
  readonly openRunsFile?: string | null;
  /**
   * Answer each webhook as soon as it is accepted and run the review after the answer (default
   * true). In-process tests turn it off to await a delivery's whole handling.
   */
  readonly answerAtOnce?: boolean;
  /**
   * How often to look for webhook deliveries that never arrived and ask GitHub to redeliver them
   * (src/github/catch-up.ts), also once at start; 0 or absent: never.
   */
  readonly catchUpEveryMs?: number;
  /** How the runs of one pull request take turns (default: in this process; `leakhound worker` passes the fleet's). */
  readonly serializer?: RunSerializer;
  /** Run ids that survive a retry of the same delivery (`leakhound worker`; see {@link RunDeps.runIdentity}). */
  readonly runIdentity?: RunDeps['runIdentity'];
  /**
   * The fleet mode's receiver (REDIS_URL): deliveries are queued for `leakhound worker` processes
   * instead of handled here, except while the queue is unreachable.
   */
  readonly queue?: EventQueue;
}

/** The file of open check runs the server keeps unless told otherwise. */
function defaultOpenRunsFile(): string {
  const dir = process.env.LEAKHOUND_STATE_DIR || join(tmpdir(), `leakhound-${process.env.APP_ID ?? 'app'}`);
  return join(dir, 'open-check-runs.json');
}

/** Per-run analysis bounds of the server (see docs/github-app.md, "Limits"). */
export const SERVER_RUN_BUDGET_MS = 120_000;
export const SERVER_RUN_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The server's analysis pool options: two worker processes (one on a one-core machine), each run
 * bounded in time and bytes, from the LEAKHOUND_* variables when set.
 */
export function serverPoolOptions(): PoolOptions {
  const budget = envNumber('LEAKHOUND_FILE_BUDGET_MS');
  return {
    size: envNumber('LEAKHOUND_WORKERS') ?? Math.min(2, availableParallelism()),
    ...(budget ? { fileBudgetMs: budget } : {}),
    runBudgetMs: envNumber('LEAKHOUND_RUN_BUDGET_MS') ?? SERVER_RUN_BUDGET_MS,
    runMaxBytes: envNumber('LEAKHOUND_RUN_MAX_BYTES') ?? SERVER_RUN_MAX_BYTES,
  };
}

/**
 * defaultPool starts the server's analysis pool. Its workers start on first use, are unreferenced
 * while idle (they never keep a process alive), and are stopped when the server exits (Probot
 * offers no shutdown hook; a worker also exits by itself when its parent's channel closes).
 */
function defaultPool(): AnalysisPool {
  const pool = new AnalysisPool(serverPoolOptions());
  process.once('exit', () => void pool.close());
  return pool;
}

/**
 * perInstallation gives a handler the installation's client from `app.auth(id)` instead of the
 * event's client. Why: Probot builds `context.octokit` through octokit-auth-probot's "event-octokit"
 * path, which leaves the throttling id at "no-id", so @octokit/plugin-throttling paced the writes of
 * EVERY installation in one queue (one write a second, one review per three seconds for the whole
 * server: ~20 runs a minute at most). `app.auth(id)` sets the id to the installation
 * (probot/lib/octokit/get-authenticated-octokit.js), so each installation is paced on its own, as
 * the plugin intends. The token cache is the App's, shared by both paths.
 */
function perInstallation<C extends Context>(app: Probot, handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    const id = (context.payload as { installation?: { id?: number } }).installation?.id;
    if (id !== undefined) context.octokit = (await app.auth(id)) as C['octokit'];
    await handler(context);
  };
}

/** createLeakhound returns the app with its dependencies: tests pass an in-process analysis and fast retries. */
export function createLeakhound(options: LeakhoundOptions = {}): (app: Probot) => void {
  return (app) => {
    const timeout = options.requestTimeoutMs ?? envNumber('LEAKHOUND_REQUEST_TIMEOUT_MS');
    const file = options.openRunsFile === undefined ? defaultOpenRunsFile() : options.openRunsFile;
    const openRuns = new OpenCheckRuns(file ?? undefined);
    if (openRuns.problem) app.log.warn(openRuns.problem);
    let analyze = options.analyze;
    let matchPaths = options.matchPaths;
    if (!analyze) {
      const pool = defaultPool();
      analyze = (files, analyzeOptions, schedule) => pool.analyze(files, analyzeOptions, schedule);
      matchPaths ??= (patterns, paths) => pool.match(patterns, paths);
      lifecycle.addReadinessCheck('analysis worker', async () => {
        await pool.analyze([{ path: 'ready/ready.go', content: 'package ready\n' }], {}, { tenant: '(readiness)' });
      });
      lifecycle.onShutdown(() => pool.close());
      measureQueueDepth(() => pool.queued());
    }
    const deps: RunDeps = {
      analyze,
      ...(matchPaths ? { matchPaths } : {}),
      openRuns,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(timeout ? { requestTimeoutMs: timeout } : {}),
      ...(options.serializer ? { serializer: options.serializer } : {}),
      ...(options.runIdentity ? { runIdentity: options.runIdentity } : {}),
    };
    const staleAfterMs = envNumber('LEAKHOUND_STALE_CHECK_MS');
    const everyMs = envNumber('LEAKHOUND_SWEEP_EVERY_MS');
    const clientFor = async (id: number): Promise<GitHubClient> => (await app.auth(id)) as unknown as GitHubClient;
    startStaleCheckSweeper({
      openRuns,
      clientFor,
      log: app.log,
      ...(staleAfterMs ? { staleAfterMs } : {}),
      ...(everyMs ? { everyMs } : {}),
    });
    // Stopping: whatever this process still holds is completed (neutral, with Re-run) before it exits.
    lifecycle.onShutdown(async () => {
      await sweepStaleCheckRuns({
        openRuns,
        clientFor,
        log: app.log,
        stopping: 'the leakhound server was stopped while this run was in progress',
      });
    });
    // GitHub redelivers with the same X-GitHub-Delivery id: handle each delivery once.
    const deliveries = new DeliveryLog();
    const queue = options.queue;
    if (queue) {
      lifecycle.addReadinessCheck('redis', () => queue.ping(), { degradedMeans: DEGRADED_WITHOUT_REDIS });
      lifecycle.onShutdown(() => queue.close());
    }
    if (options.catchUpEveryMs) {
      const acted = new Set<string>([...PULL_REQUEST_EVENTS, 'issue_comment.created', ...CHECK_RUN_EVENTS, 'check_suite.rerequested']);
      const stop = startCatchUp({
        everyMs: options.catchUpEveryMs,
        appClient: async () => (await app.auth()) as unknown as GitHubClient,
        handled: async (guid) => deliveries.has(guid) || ((await queue?.seen(guid).catch(() => false)) ?? false),
        acts: (event) => acted.has(event),
        log: app.log,
      });
      lifecycle.onShutdown(() => Promise.resolve(stop()));
    }
    const work: DeliveryWork<Context> =
      options.answerAtOnce === false
        ? {}
        : {
            background: {
              track: (run) => lifecycle.track(run),
              failed: (context, error) => {
                // A failed step was logged by the run itself; anything else is said here, once.
                if (error instanceof StageError) return;
                context.log.error({ event: { id: context.id, name: context.name } }, `webhook handler failed: ${messageOf(error)}`);
              },
            },
          };
    /** A delivery's handling: queued for the fleet's workers in receiver mode, else here, once, in the background. */
    const handle = <C extends Context>(handler: (context: C) => Promise<void>): ((context: C) => Promise<void>) => {
      const local = handleOnce(deliveries, perInstallation(app, handler), work);
      return queue ? viaQueue(queue, local) : local;
    };
    app.on(
      [...PULL_REQUEST_EVENTS],
      handle((context) => onPullRequest(context, deps)),
    );
    app.on(
      'issue_comment.created',
      handle((context) => onIssueComment(context, deps)),
    );
    app.on(
      [...CHECK_RUN_EVENTS],
      handle((context) => onCheckRun(context, deps)),
    );
    app.on(
      'check_suite.rerequested',
      handle((context) => onCheckSuiteRerequested(context, deps)),
    );
  };
}

/** leakhound: reviews every pull request that touches Go code. */
export default function leakhound(app: Probot): void {
  createLeakhound(serverOptions())(app);
}

/** The server's options from the environment (LEAKHOUND_CATCH_UP_EVERY_MS). */
export function serverOptions(): LeakhoundOptions {
  const every = process.env.LEAKHOUND_CATCH_UP_EVERY_MS;
  return { catchUpEveryMs: every === '0' ? 0 : (envNumber('LEAKHOUND_CATCH_UP_EVERY_MS') ?? DEFAULT_CATCH_UP_EVERY_MS) };
}

/** How often the server looks for lost webhook deliveries by default: every 10 minutes. */
export const DEFAULT_CATCH_UP_EVERY_MS = 10 * 60 * 1000;
