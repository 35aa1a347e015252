/** Looks pull requests up: by number (for `/recheck`) and by head commit (for fork check runs). */
import { withRetryAfter, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';

/** What the handlers need to know about a pull request. */
export interface PullRequestInfo {
  readonly number: number;
  readonly headSha: string;
  readonly state: string;
  readonly draft: boolean;
  readonly author: string;
}

/** getPullRequest reads one pull request. */
export async function getPullRequest(
  octokit: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
  retry?: RetryOptions,
): Promise<PullRequestInfo> {
  const { data } = await withRetryAfter(() => octokit.rest.pulls.get({ ...repo, pull_number: pullNumber }), retry);
  return { number: data.number, headSha: data.head.sha, state: data.state, draft: data.draft ?? false, author: data.user.login };
}

/** Open pull requests scanned at most when the commit endpoint knows nothing (3 pages of 100). */
const MAX_OPEN_PAGES = 3;

/**
 * findPullRequestsForSha finds the open pull requests whose head is `sha`.
 *
 * Why: for a pull request from a fork, `check_run.pull_requests` and `check_suite.pull_requests`
 * are empty (GitHub lists only pull requests whose head branch is in the same repository; see the
 * check_run webhook docs). The commit's pull requests endpoint is asked first; when it knows none,
 * the most recently updated open pull requests are scanned for that head commit.
 */
export async function findPullRequestsForSha(octokit: GitHubClient, repo: RepoRef, sha: string, retry?: RetryOptions): Promise<number[]> {
  const { data } = await withRetryAfter(
    () => octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha, per_page: 100 }),
    retry,
  );
  const direct = data.filter((pr) => pr.state === 'open' && pr.head.sha === sha).map((pr) => pr.number);
  if (direct.length > 0) return direct;
  const found: number[] = [];
  let page = 0;
  for await (const response of octokit.paginate.iterator(octokit.rest.pulls.list, {
    ...repo,
    state: 'open',
    sort: 'updated',
    direction: 'desc',
    per_page: 100,
  })) {
    found.push(...response.data.filter((pr) => pr.head.sha === sha).map((pr) => pr.number));
    if (found.length > 0 || ++page >= MAX_OPEN_PAGES) break;
  }
  return found;
}
