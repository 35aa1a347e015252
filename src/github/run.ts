/** Wires the review pipeline to GitHub for one event: the only place the pieces meet. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'probot';
import type { PathMatcher } from '../config/excludes.js';
import { recordRun } from '../metrics.js';
import { KeyedQueue } from '../review/lock.js';
import type { Analyzer, RunReport } from '../review/ports.js';
import { runReview } from '../review/run-review.js';
import { createCheckSink, type CheckRunTracker } from './check-reporter.js';
import { hardenClient, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';
import { loadRepoConfig, type ConfigReader } from './config.js';
import { findPullRequestsForSha } from './pull-requests.js';
import type { OpenCheckRuns } from './open-check-runs.js';
import { createPullRequestSource } from './pr-source.js';
import type { RefusalBudget } from './refusal-budget.js';
import { createReviewSink, type PullRequestStateData } from './review-reporter.js';

/** The parts of a Probot context a run uses. */
export interface EventContext extends ConfigReader {
  readonly octokit: GitHubClient;
  readonly log: Logger;
  /** The webhook's payload: its installation is where an open check run is completed from later. */
  readonly payload?: { readonly installation?: { readonly id: number } | undefined };
}

/** What every run of the server shares: set once in src/index.ts. */
export interface RunDeps {
  /** The analysis (the server's one AnalysisPool; tests may pass the in-process `analyze`). */
  readonly analyze: Analyzer;
  /** Matches exclude globs (the server's AnalysisPool, under a time limit; default in process). */
  readonly matchPaths?: PathMatcher;
  /** How rate-limited requests are retried (tests replace the sleep). */
  readonly retry?: RetryOptions;
  /** The time limit of one attempt of a GitHub request (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** How refused `/recheck` comments are answered (default: one budget per process). */
  readonly refusals?: RefusalBudget;
  /** The record of check runs created and not completed yet (see src/github/stale-check-runs.ts). */
  readonly openRuns?: OpenCheckRuns;
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
/** Per pull request, the run waiting in the queue (not started yet), by commit. */
const waiting = new Map<string, { readonly headSha: string; readonly report: Promise<RunReport> }>();

/**
 * reviewPullRequest runs one review of a pull request's commit. Runs for the same pull request are
 * queued one after the other (in this process), so a second run sees the first one's threads. A
 * request for a commit that already has a run waiting in the queue joins that run instead of
 * queueing another (`/recheck` spam, a redelivered push): one check run, one answer.
 */
export function reviewPullRequest(context: EventContext, request: ReviewRequest, deps: RunDeps): Promise<RunReport> {
  const { repo, pullNumber } = request;
  const log = context.log.child({ pr: `${repo.owner}/${repo.repo}#${pullNumber}`, sha: request.headSha, trigger: request.trigger });
  const key = `${repo.owner}/${repo.repo}#${pullNumber}`.toLowerCase();
  const queued = waiting.get(key);
  if (queued && queued.headSha === request.headSha) {
    log.info('joined the queued run of the same commit');
    return queued.report;
  }
  const octokit = hardenClient(context.octokit, deps.requestTimeoutMs);
  const retry = deps.retry ? { retry: deps.retry } : {};
  const report: Promise<RunReport> = queue.run(key, () => {
    if (waiting.get(key)?.report === report) waiting.delete(key);
    // The review state rides along with the package files (one GraphQL request instead of two).
    let prefetched: PullRequestStateData | undefined;
    // Marks this run's check run and review, to find them when GitHub's answer to a write is lost.
    const runId = randomUUID();
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    return runReview(
      { owner: repo.owner, repo: repo.repo, pullNumber, headSha: request.headSha, htmlUrl: request.htmlUrl, trigger: request.trigger },
      {
        source: createPullRequestSource({
          octokit,
          repo,
          pullNumber,
          loadConfig: () => loadRepoConfig(context, octokit, repo),
          onReviewState: (state) => (prefetched = state),
          ...retry,
        }),
        analyze: deps.analyze,
        ...(deps.matchPaths ? { matchPaths: deps.matchPaths } : {}),
        checks: createCheckSink({ octokit, repo, pullNumber, runId, ...retry, ...tracking(context, repo, deps) }),
        reviews: createReviewSink({ octokit, repo, pullNumber, runId, prefetched: () => prefetched, ...retry }),
        log,
      },
    ).then(
      (done) => {
        recordRun(
          done.conclusion,
          seconds(),
          done.findingsInDiff.map((f) => f.rule),
        );
        log.info(
          {
            conclusion: done.conclusion,
            comments: done.commentsPosted,
            listed: done.listedInBody,
            resolved: done.threadsResolved,
            ms: Math.round(seconds() * 1000),
          },
          'run finished',
        );
        return done;
      },
      (error: unknown) => {
        recordRun('error', seconds());
        throw error;
      },
    );
  });
  waiting.set(key, { headSha: request.headSha, report });
  return report;
}

/** The check-run tracker of a run: records open check runs with the installation that can complete them. */
function tracking(context: EventContext, repo: RepoRef, deps: RunDeps): { tracker?: CheckRunTracker } {
  const installationId = context.payload?.installation?.id;
  const openRuns = deps.openRuns;
  if (!openRuns || installationId === undefined) return {};
  return {
    tracker: {
      opened: (checkRunId) => openRuns.opened({ installationId, owner: repo.owner, repo: repo.repo, checkRunId }),
      closed: (checkRunId) => openRuns.closed(checkRunId),
    },
  };
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
export async function reviewCommit(context: EventContext, request: CommitRequest, deps: RunDeps): Promise<RunReport[]> {
  const { repo, headSha } = request;
  const octokit = hardenClient(context.octokit, deps.requestTimeoutMs);
  const numbers = request.listed.length > 0 ? request.listed : await findPullRequestsForSha(octokit, repo, headSha, deps.retry);
  if (numbers.length === 0) context.log.info({ sha: headSha }, 'skipped: no open pull request has this head commit');
  const reports: RunReport[] = [];
  for (const pullNumber of numbers) {
    reports.push(await reviewPullRequest(context, { repo, pullNumber, headSha, htmlUrl: request.htmlUrl, trigger: request.trigger }, deps));
  }
  return reports;
}
