import type { Context } from 'probot';
import { CHECK_NAME, RERUN_ACTION } from '../github/check-reporter.js';
import { reviewCommit, type RunDeps } from '../github/run.js';

/** The check_run actions that ask for a new run. */
export const CHECK_RUN_EVENTS = ['check_run.rerequested', 'check_run.requested_action'] as const;

/**
 * onCheckRun re-runs our check: "Re-run" in the checks UI (rerequested) or our own "Re-run" button
 * (requested_action). The commit is the check run's; the pull request comes from the payload, or,
 * for a fork (where `pull_requests` is empty), from the head commit.
 */
export async function onCheckRun(context: Context<(typeof CHECK_RUN_EVENTS)[number]>, deps: RunDeps): Promise<void> {
  const { check_run: run, repository } = context.payload;
  if (run.name !== CHECK_NAME) return context.log.info({ name: run.name }, 'ignored: not our check run');
  if (context.payload.action === 'requested_action' && context.payload.requested_action?.identifier !== RERUN_ACTION) {
    return context.log.info({ action: context.payload.requested_action?.identifier }, 'ignored: unknown check run action');
  }
  const listed = run.pull_requests.filter((p) => p.base.repo.id === repository.id).map((p) => p.number);
  await reviewCommit(
    context,
    {
      repo: context.repo(),
      headSha: run.head_sha,
      listed,
      htmlUrl: repository.html_url,
      trigger: `check_run.${context.payload.action}`,
    },
    deps,
  );
}

/** onCheckSuiteRerequested re-runs our check for the suite's head commit ("Re-run all checks"). */
export async function onCheckSuiteRerequested(context: Context<'check_suite.rerequested'>, deps: RunDeps): Promise<void> {
  const { check_suite: suite, repository } = context.payload;
  const listed = suite.pull_requests.filter((p) => p.base.repo.id === repository.id).map((p) => p.number);
  await reviewCommit(
    context,
    {
      repo: context.repo(),
      headSha: suite.head_sha,
      listed,
      htmlUrl: repository.html_url,
      trigger: 'check_suite.rerequested',
    },
    deps,
  );
}
