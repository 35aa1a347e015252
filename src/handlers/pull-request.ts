import type { Context } from 'probot';
import { reviewPullRequest, type RunDeps } from '../github/run.js';

/** The pull_request actions that start a review of the head commit. */
export const PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.reopened',
  'pull_request.synchronize',
  'pull_request.ready_for_review',
] as const;

/**
 * onPullRequest reviews the head commit of an opened, reopened, pushed-to or ready pull request.
 * Drafts wait until they are marked ready (`/recheck` still works on them).
 */
export async function onPullRequest(context: Context<(typeof PULL_REQUEST_EVENTS)[number]>, deps: RunDeps): Promise<void> {
  const { action, pull_request: pr, repository } = context.payload;
  if (pr.state !== 'open') return context.log.info({ pr: pr.number }, 'skipped: the pull request is closed');
  if (pr.draft && action !== 'ready_for_review') return context.log.info({ pr: pr.number }, 'skipped: draft pull request');
  await reviewPullRequest(
    context,
    {
      repo: context.repo(),
      pullNumber: pr.number,
      headSha: pr.head.sha,
      htmlUrl: repository.html_url,
      trigger: `pull_request.${action}`,
    },
    deps,
  );
}
