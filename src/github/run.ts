/** Wires the review pipeline to GitHub for one event: the only place the pieces meet. */
import type { Logger } from 'probot';
import { KeyedQueue } from '../review/lock.js';
import type { RunReport } from '../review/ports.js';
import { runReview } from '../review/run-review.js';
import { createCheckSink } from './check-reporter.js';
import type { GitHubClient, RepoRef, RetryOptions } from './client.js';
import { loadRepoConfig, type ConfigReader } from './config.js';
import { findPullRequestsForSha } from './pull-requests.js';
import { createPullRequestSource } from './pr-source.js';
import { createReviewSink, type PullRequestStateData } from './review-reporter.js';

/** The parts of a Probot context a run uses. */
export interface EventContext extends ConfigReader {
  readonly octokit: GitHubClient;
  readonly log: Logger;
}

/** Which pull request and commit to review, and why. */
export interface ReviewRequest {
  readonly repo: RepoRef;
  readonly pullNumber: number;
  readonly headSha: string;
  /** https://github.com/owner/repo (from the payload's repository.html_url). */
  readonly htmlUrl: string;
  readonly trigger: string;
}

const queue = new KeyedQueue();

/**
 * reviewPullRequest runs one review of a pull request's commit. Runs for the same pull request are
 * queued one after the other (in this process), so a second run sees the first one's threads.
 */
export function reviewPullRequest(context: EventContext, request: ReviewRequest, retry?: RetryOptions): Promise<RunReport> {
  const { repo, pullNumber } = request;
  const log = context.log.child({ pr: `${repo.owner}/${repo.repo}#${pullNumber}`, sha: request.headSha, trigger: request.trigger });
  const key = `${repo.owner}/${repo.repo}#${pullNumber}`.toLowerCase();
  return queue.run(key, () => {
    // The review state rides along with the package files (one GraphQL request instead of two).
    let prefetched: PullRequestStateData | undefined;
    return runReview(
      { owner: repo.owner, repo: repo.repo, pullNumber, headSha: request.headSha, htmlUrl: request.htmlUrl, trigger: request.trigger },
      {
        source: createPullRequestSource({
          octokit: context.octokit,
          repo,
          pullNumber,
          loadConfig: () => loadRepoConfig(context),
          onReviewState: (state) => (prefetched = state),
        }),
        checks: createCheckSink({ octokit: context.octokit, repo, pullNumber, ...(retry ? { retry } : {}) }),
        reviews: createReviewSink({
          octokit: context.octokit,
          repo,
          pullNumber,
          prefetched: () => prefetched,
          ...(retry ? { retry } : {}),
        }),
        log,
      },
    );
  });
}

/** A commit to review again, with the pull requests the event listed (empty for a fork). */
export interface CommitRequest {
  readonly repo: RepoRef;
  readonly headSha: string;
  readonly listed: readonly number[];
  readonly htmlUrl: string;
  readonly trigger: string;
}

/**
 * reviewCommit reviews a commit in every open pull request it heads: those the event listed, or,
 * when it listed none (a fork), those found by head commit.
 */
export async function reviewCommit(context: EventContext, request: CommitRequest): Promise<RunReport[]> {
  const { repo, headSha } = request;
  const numbers = request.listed.length > 0 ? request.listed : await findPullRequestsForSha(context.octokit, repo, headSha);
  if (numbers.length === 0) context.log.info({ sha: headSha }, 'skipped: no open pull request has this head commit');
  const reports: RunReport[] = [];
  for (const pullNumber of numbers) {
    reports.push(await reviewPullRequest(context, { repo, pullNumber, headSha, htmlUrl: request.htmlUrl, trigger: request.trigger }));
  }
  return reports;
}
