/**
 * The check as a commit status, for tokens that may not create check runs (a personal access token,
 * or a workflow whose `permissions:` leave out `checks: write`). A status has no annotations and a
 * 140-character description; the annotations are reported by the caller (as workflow commands).
 */
import type { CheckResult, CheckSink } from '../review/ports.js';
import { withRetryAfter, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';
import { CHECK_NAME } from './check-reporter.js';

/** GitHub's limit on a status description. */
export const STATUS_DESCRIPTION_LIMIT = 140;

/** Options of {@link createStatusSink}. */
export interface StatusSinkOptions {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  /** Where the status links to (the CI run's page), when known. */
  readonly targetUrl?: string;
  readonly retry?: RetryOptions;
}

/** A check run's conclusion as a commit status state: a neutral run does not block, so it is a success. */
function stateOf(conclusion: CheckResult['conclusion']): 'success' | 'failure' {
  return conclusion === 'failure' ? 'failure' : 'success';
}

/** createStatusSink implements the pipeline's {@link CheckSink} with commit statuses (context `leakhound`). */
export function createStatusSink(options: StatusSinkOptions): CheckSink {
  const { octokit, repo } = options;
  const post = (sha: string, state: 'pending' | 'success' | 'failure', description: string): Promise<unknown> =>
    withRetryAfter(
      () =>
        octokit.rest.repos.createCommitStatus({
          ...repo,
          sha,
          state,
          context: CHECK_NAME,
          description: shorten(description),
          ...(options.targetUrl ? { target_url: options.targetUrl } : {}),
        }),
      options.retry,
    );
  return {
    async start(headSha) {
      await post(headSha, 'pending', 'Looking for pointer leaks in the Go packages this pull request touches');
      return { complete: async (result) => void (await post(headSha, stateOf(result.conclusion), result.title)) };
    },
  };
}

function shorten(text: string): string {
  return text.length <= STATUS_DESCRIPTION_LIMIT ? text : `${text.slice(0, STATUS_DESCRIPTION_LIMIT - 1)}…`;
}
