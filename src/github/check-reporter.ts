/** Writes the "leakhound" check run: created in progress, completed with annotations 50 at a time. */
import type { Annotation, CheckResult, CheckRunHandle, CheckSink } from '../review/ports.js';
import { withRetryAfter, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';
import { NO_AUTOMATIC_RETRY, writeOnce } from './write-once.js';

/** The check run's name; also how re-run events are recognised as ours. */
export const CHECK_NAME = 'leakhound';
/** The identifier of the "Re-run" button on a completed check run. */
export const RERUN_ACTION = 'rerun';
/** The "Re-run" button a completed check run offers (its clicks come back as `check_run.requested_action`). */
export const RERUN_BUTTON = { label: 'Re-run', description: 'Analyse this commit again', identifier: RERUN_ACTION } as const;
/** GitHub accepts at most 50 annotations per request; further ones are appended by updates. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Options of {@link createCheckSink}. */
export interface CheckSinkOptions {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  /** The pull request; with the run's id, the check run's external_id (`2/<run id>`). */
  readonly pullNumber: number;
  /** This run's id: finds the check run again when GitHub's answer to its creation was lost. */
  readonly runId: string;
  /** An earlier attempt of this run may have created its check run: look for it (by external id) before creating one. */
  readonly resume?: boolean;
  readonly retry?: RetryOptions;
  readonly now?: () => Date;
  /** Told when the check run is created and when it is completed: a run left open is completed later by the sweeper. */
  readonly tracker?: CheckRunTracker;
  /** Offer a Re-run button on the completed run (default true); GitHub sends its clicks to the App, so token mode has none. */
  readonly rerunButton?: boolean;
}

/** What {@link createCheckSink} reports about the check runs it opens and completes. */
export interface CheckRunTracker {
  opened(checkRunId: number): void;
  closed(checkRunId: number): void;
}

/** createCheckSink implements the pipeline's {@link CheckSink} with `checks.create` and `checks.update`. */
export function createCheckSink(options: CheckSinkOptions): CheckSink {
  const { octokit, repo } = options;
  const now = options.now ?? (() => new Date());
  return {
    async start(headSha) {
      const externalId = `${options.pullNumber}/${options.runId}`;
      const create = async (): Promise<number> => {
        const { data } = await withRetryAfter(
          () =>
            octokit.rest.checks.create({
              ...repo,
              name: CHECK_NAME,
              head_sha: headSha,
              status: 'in_progress',
              started_at: now().toISOString(),
              external_id: externalId,
              output: { title: 'Analysing', summary: `Looking for pointer leaks in the Go packages this pull request touches.` },
              ...NO_AUTOMATIC_RETRY,
            }),
          options.retry,
        );
        return data.id;
      };
      const find = async (): Promise<number | undefined> => {
        const { data } = await octokit.rest.checks.listForRef({
          ...repo,
          ref: headSha,
          check_name: CHECK_NAME,
          filter: 'all',
          per_page: 100,
        });
        return data.check_runs.find((run) => run.external_id === externalId)?.id;
      };
      const checkRunId = (options.resume ? await find() : undefined) ?? (await writeOnce(create, find, options.retry));
      options.tracker?.opened(checkRunId);
      return checkRunHandle(options, checkRunId, now);
    },
  };
}

/**
 * Completes, as `neutral`, the check run an earlier attempt of this run created (its worker died
 * mid-run) when the run will not happen after all: a newer request for the pull request took its
 * place. Does nothing when there is none, or it is completed. Returns whether it completed one.
 */
export async function completeAbandonedCheckRun(options: CheckSinkOptions, headSha: string, summary: string): Promise<boolean> {
  const { octokit, repo } = options;
  const externalId = `${options.pullNumber}/${options.runId}`;
  const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: CHECK_NAME, filter: 'all', per_page: 100 });
  const run = data.check_runs.find((r) => r.external_id === externalId);
  if (!run || run.status === 'completed') return false;
  await withRetryAfter(
    () =>
      octokit.rest.checks.update({
        ...repo,
        check_run_id: run.id,
        status: 'completed',
        conclusion: 'neutral',
        completed_at: (options.now ?? (() => new Date()))().toISOString(),
        output: { title: 'Superseded', summary },
        ...(options.rerunButton === false ? {} : { actions: [RERUN_BUTTON] }),
      }),
    options.retry,
  );
  options.tracker?.closed(run.id);
  return true;
}

function checkRunHandle(options: CheckSinkOptions, checkRunId: number, now: () => Date): CheckRunHandle {
  const { octokit, repo } = options;
  return {
    async complete(result: CheckResult) {
      const batches: Annotation[][] = [];
      for (let i = 0; i < result.annotations.length; i += ANNOTATIONS_PER_REQUEST) {
        batches.push(result.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
      }
      const last = batches.pop() ?? [];
      // Earlier batches go first while the run is still in progress, so "completed" means complete.
      for (const batch of batches) {
        await withRetryAfter(
          () =>
            octokit.rest.checks.update({
              ...repo,
              check_run_id: checkRunId,
              output: { title: result.title, summary: result.summary, annotations: batch.map(toApiAnnotation) },
            }),
          options.retry,
        );
      }
      await withRetryAfter(
        () =>
          octokit.rest.checks.update({
            ...repo,
            check_run_id: checkRunId,
            status: 'completed',
            conclusion: result.conclusion,
            completed_at: now().toISOString(),
            output: {
              title: result.title,
              summary: result.summary,
              ...(result.text !== undefined ? { text: result.text } : {}),
              ...(last.length > 0 ? { annotations: last.map(toApiAnnotation) } : {}),
            },
            ...(options.rerunButton === false ? {} : { actions: [RERUN_BUTTON] }),
          }),
        options.retry,
      );
      options.tracker?.closed(checkRunId);
    },
    async amend(result: CheckResult) {
      await withRetryAfter(
        () =>
          octokit.rest.checks.update({
            ...repo,
            check_run_id: checkRunId,
            output: { title: result.title, summary: result.summary, ...(result.text !== undefined ? { text: result.text } : {}) },
          }),
        options.retry,
      );
    },
  };
}

/** toApiAnnotation converts an annotation to the REST shape; columns only on single-line ones, as the API requires. */
export function toApiAnnotation(a: Annotation): {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
  raw_details?: string;
} {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    ...(a.startLine === a.endLine && a.startColumn !== undefined ? { start_column: a.startColumn } : {}),
    ...(a.startLine === a.endLine && a.endColumn !== undefined ? { end_column: a.endColumn } : {}),
    annotation_level: a.level,
    title: a.title,
    message: a.message,
    ...(a.rawDetails !== undefined ? { raw_details: a.rawDetails } : {}),
  };
}
