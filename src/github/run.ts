/** Wires the review pipeline to GitHub for one event: the only place the pieces meet. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'probot';
import type { PathMatcher } from '../config/excludes.js';
import { recordRun } from '../metrics.js';
import type { Analyzer, RunReport } from '../review/ports.js';
import { runReview } from '../review/run-review.js';
import { LocalSerializer, type RunSerializer } from '../review/serialize.js';
import { completeAbandonedCheckRun, createCheckSink, type CheckRunTracker, type CheckSinkOptions } from './check-reporter.js';
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
  /** The webhook delivery's id (`X-GitHub-Delivery`), when the run comes from one. */
  readonly id?: string;
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
  /** How the runs of one pull request take turns (default: in this process, {@link LocalSerializer}). */
  readonly serializer?: RunSerializer;
  /**
   * The id of the run of a delivery's pull request and commit, and whether an earlier attempt of
   * the same run may have started it (a queued job retried after its worker died): its check run
   * and review are then looked for and adopted. Default: a new id, nothing to adopt.
   */
  readonly runIdentity?: (
    context: EventContext,
    pullNumber: number,
    headSha: string,
  ) => { readonly runId: string; readonly resume: boolean };
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

/** The serializer of runs that were given none: this process's. */
const localRuns = new LocalSerializer();

/**
 * reviewPullRequest runs one review of a pull request's commit. Runs for the same pull request take
 * turns (see {@link RunSerializer}), so a second run sees the first one's threads; a request absorbed
 * by another request of the same pull request resolves with undefined.
 */
export function reviewPullRequest(context: EventContext, request: ReviewRequest, deps: RunDeps): Promise<RunReport | undefined> {
  const { repo, pullNumber } = request;
  const log = context.log.child({ pr: `${repo.owner}/${repo.repo}#${pullNumber}`, sha: request.headSha, trigger: request.trigger });
  const key = `${repo.owner}/${repo.repo}#${pullNumber}`.toLowerCase();
  const octokit = hardenClient(context.octokit, deps.requestTimeoutMs);
  const retry = deps.retry ? { retry: deps.retry } : {};
  // Marks this run's check run and review, to find them when GitHub's answer to a write is lost.
  const { runId, resume } = deps.runIdentity?.(context, pullNumber, request.headSha) ?? { runId: randomUUID(), resume: false };
  const checkOptions: CheckSinkOptions = { octokit, repo, pullNumber, runId, resume, ...retry, ...tracking(context, repo, deps) };
  const run = async (): Promise<RunReport> => {
    // The review state rides along with the package files (one GraphQL request instead of two).
    let prefetched: PullRequestStateData | undefined;
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const done = await runReview(
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
          checks: createCheckSink(checkOptions),
          reviews: createReviewSink({ octokit, repo, pullNumber, runId, resume, prefetched: () => prefetched, ...retry }),
          log,
        },
      );
      recordRun(
        done.conclusion,
        seconds(),
        done.findingsInDiff.map((f) => f.rule),
      );
      const ms = Math.round(seconds() * 1000);
      const fields = {
        conclusion: done.conclusion,
        comments: done.commentsPosted,
        listed: done.listedInBody,
        resolved: done.threadsResolved,
        ms,
      };
      log.info(fields, 'run finished');
      return done;
    } catch (error) {
      recordRun('error', seconds());
      throw error;
    }
  };
  const turn = (deps.serializer ?? localRuns).run(key, request.headSha, run, log);
  if (!resume) return turn;
  // A retried run that a newer request absorbed: its dead predecessor's check run must not stay open.
  return turn.then(async (report) => {
    const summary = 'A newer push or request for this pull request was analysed instead of this one.';
    if (report === undefined && (await completeAbandonedCheckRun(checkOptions, request.headSha, summary))) {
      log.info('completed the check run of an abandoned attempt');
    }
    return report;
  });
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
export async function reviewCommit(context: EventContext, request: CommitRequest, deps: RunDeps): Promise<Array<RunReport | undefined>> {
  const { repo, headSha } = request;
  const octokit = hardenClient(context.octokit, deps.requestTimeoutMs);
  const numbers = request.listed.length > 0 ? request.listed : await findPullRequestsForSha(octokit, repo, headSha, deps.retry);
  if (numbers.length === 0) context.log.info({ sha: headSha }, 'skipped: no open pull request has this head commit');
  const reports: Array<RunReport | undefined> = [];
  for (const pullNumber of numbers) {
    reports.push(await reviewPullRequest(context, { repo, pullNumber, headSha, htmlUrl: request.htmlUrl, trigger: request.trigger }, deps));
  }
  return reports;
}
