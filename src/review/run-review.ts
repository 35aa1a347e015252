/**
 * The pipeline of one run: source → analyze → filter → report. It talks to GitHub only through the
 * ports of ./ports.ts, so it can be tested with plain objects.
 */
import type { SourceFile } from '../model.js';
import type { Config } from '../config/schema.js';
import { atLeastAsSure, failsAt, markFindings, type MarkedFinding } from './filter.js';
import {
  bySeverity,
  checkSummary,
  checkText,
  checkTitle,
  hasGaps,
  reviewBody,
  type CheckGaps,
  type ListedFinding,
} from '../format/markdown.js';
import { planReview, type PlanInput, type ReviewPlan } from './plan.js';
import type {
  Analyzer,
  CheckResult,
  CheckRunHandle,
  CheckSink,
  PullRequestSource,
  ReviewSink,
  ReviewDraft,
  ReviewState,
  RunLog,
  RunReport,
  RunTarget,
} from './ports.js';
import { annotationOf } from '../format/annotation.js';
import { selectGoFiles, type SkippedFile } from './select.js';
import { matchInProcess, type PathMatcher } from '../config/excludes.js';
import { messageOf, stage, StageError, statusOf } from './stage.js';

/** What {@link runReview} works with. */
export interface RunPorts {
  readonly source: PullRequestSource;
  /** Runs the analysis (off the event loop in the server). */
  readonly analyze: Analyzer;
  /** Matches paths against the configuration's exclude globs (in the server: in the analysis worker, under a time limit). */
  readonly matchPaths?: PathMatcher;
  readonly checks: CheckSink;
  /** Posts the review; absent when the front end may not write one (then `noReviewReason` says why). */
  readonly reviews?: ReviewSink;
  /** Why there is no review sink, for the check run's summary. */
  readonly noReviewReason?: string;
  /** How to run again after a failed run, for the summary (default: the check run's Re-run button or `/recheck`). */
  readonly retryAdvice?: string;
  readonly log: RunLog;
}

/**
 * runReview reviews one commit of a pull request: it creates the check run `in_progress`, reads the
 * configuration and the changed files, fetches every Go file of the touched packages, analyses
 * them, posts one review with the new findings on changed lines, resolves the threads of fixed
 * findings, and completes the check run. When a step fails the check run is still completed (as
 * `neutral`, naming the step) and the error is rethrown for the caller to log.
 */
export async function runReview(target: RunTarget, ports: RunPorts): Promise<RunReport> {
  const check = await stage('create the check run', () => ports.checks.start(target.headSha));
  try {
    return await analyseAndReport(target, ports, check);
  } catch (error) {
    // A failed step is an operational event, said in one line; anything else is a bug, with its stack.
    if (error instanceof StageError)
      ports.log.error({ stage: error.stage, status: error.status }, `leakhound run failed: ${error.message}`);
    else ports.log.error({ err: error }, 'leakhound run failed');
    await check
      .complete({
        conclusion: 'neutral',
        title: 'leakhound could not analyse this commit',
        summary: `The run stopped: ${messageOf(error)}.\n\n${ports.retryAdvice ?? 'Use **Re-run** (or comment `/recheck` on the pull request) to try again.'}`,
        annotations: [],
      })
      .catch((completeError: unknown) => ports.log.error({ err: completeError }, 'could not complete the check run either'));
    throw error;
  }
}

async function analyseAndReport(target: RunTarget, ports: RunPorts, check: CheckRunHandle): Promise<RunReport> {
  const { source, log } = ports;
  const loaded = await stage('read .github/leakhound.yml', () => source.loadConfig());
  const config = loaded.config;
  const prFiles = await stage('list the pull request files', () => source.listFiles());
  const goPaths = prFiles.filter((f) => f.filename.endsWith('.go') && f.status !== 'removed').map((f) => f.filename);
  const matched = await stage('match the exclude patterns of .github/leakhound.yml', () =>
    (ports.matchPaths ?? matchInProcess)(config.exclude, goPaths),
  );
  const selection = selectGoFiles(prFiles, new Set(goPaths.filter((_, i) => matched[i])));
  const fetched =
    selection.dirs.length > 0
      ? await stage('fetch the Go files', () => source.fetchFiles(target.headSha, selection.dirs, selection.goModCandidates))
      : { files: [], goMods: [], problems: [] };

  const analysable = new Set(selection.analysable);
  const result = await stage('analyse the Go files', () =>
    ports.analyze(fetched.files, { config, goMods: fetched.goMods }, { tenant: target.owner.toLowerCase() }),
  );
  const marked = markFindings(result.findings, selection.changed);
  // Fingerprints of every finding, however sure: a thread stays open while its finding exists at all.
  const current = new Set(marked.map((f) => f.fingerprint));
  const reported = atLeastAsSure(marked, config.min_confidence).shown;
  const inDiff = bySeverity(reported.filter((f) => f.inDiff));
  // Only what the evidence settles is posted inline; the rest is listed in the check run.
  const inline = inDiff.filter((f) => f.confidence === 'high');
  const listed: ListedFinding[] = inDiff.map((finding) => ({ finding, fingerprint: finding.fingerprint }));

  const fetchedPaths = new Set(fetched.files.map((f) => f.path));
  const skippedPaths = new Set(result.problems.filter((p) => p.kind === 'skipped').map((p) => p.path));
  const skipped: SkippedFile[] = [
    ...selection.skipped,
    ...fetched.problems.filter((p) => analysable.has(p.path)),
    ...result.problems
      .filter((p) => analysable.has(p.path))
      .map((p) => ({ path: p.path, reason: p.reason, ...(p.deliberate ? {} : { unchecked: true }) })),
    ...selection.analysable
      .filter((p) => !fetchedPaths.has(p) && !fetched.problems.some((q) => q.path === p))
      .map((path) => ({ path, reason: 'not found at the head commit', unchecked: true })),
  ];
  // What the check could not look at: it must not be green then, whatever was found elsewhere.
  const gaps: CheckGaps = {
    uncheckedFiles: new Set(skipped.filter((s) => s.unchecked).map((s) => s.path)).size,
    // GitHub lists at most 3,000 files of a pull request (pulls.listFiles docs).
    capped: prFiles.length >= 3000,
  };
  const analysedPaths = new Set(selection.analysable.filter((p) => fetchedPaths.has(p) && !skippedPaths.has(p)));
  log.info(
    {
      goFiles: selection.analysable.length,
      packages: selection.dirs.length,
      analysed: result.filesAnalysed,
      findings: marked.length,
      inDiff: inDiff.length,
    },
    'analysed',
  );

  const notes: string[] = [];
  if (gaps.capped) notes.push('GitHub lists only the first 3,000 files of a pull request; files beyond them were not analysed.');
  const reviews = ports.reviews;
  const prepared: PreparedReview = !reviews
    ? { planned: { ...NO_REVIEW, notes: [ports.noReviewReason ?? 'No review was posted; the findings are in this check run only.'] } }
    : config.review_comments
      ? await prepareReview(target, reviews, log, config, {
          inDiff: inline,
          current,
          changed: selection.changed,
          contents: new Map(fetched.files.map((f): [string, SourceFile] => [f.path, f])),
          analysedPaths,
          maxComments: config.max_comments,
        })
      : {
          planned: {
            ...NO_REVIEW,
            notes: ['Review comments are off (`review_comments: false`); the findings are in this check run only.'],
          },
        };
  const { supersededBy } = prepared.planned;
  const summaryWith = (reviewNotes: readonly string[]): string =>
    checkSummary({
      gaps,
      sha: target.headSha,
      config,
      configErrors: loaded.errors,
      findings: reported,
      confidence: {
        listedOnly: inDiff.length - inline.length,
        hidden: marked.filter((f) => f.inDiff).length - inDiff.length,
        minConfidence: config.min_confidence,
      },
      skipped,
      filesAnalysed: result.filesAnalysed,
      goFilesChanged: selection.analysable.length,
      ...(supersededBy ? { supersededBy } : {}),
      reviewNotes: [...notes, ...reviewNotes],
    });
  // The check run is completed as soon as the findings are known, saying what the review will hold;
  // the review follows (GitHub paces it), and the summary is amended only when it went otherwise.
  const checkResult: CheckResult = {
    conclusion: conclusionOf(inDiff, config, gaps),
    title: checkTitle(inDiff, gaps),
    summary: summaryWith(prepared.planned.notes),
    ...optionalText(checkText(listed)),
    annotations: inDiff.map(annotationOf),
  };
  await stage('complete the check run', () => check.complete(checkResult));
  const review = prepared.post ? await prepared.post() : prepared.planned;
  if (review.notes.join('\n') !== prepared.planned.notes.join('\n') && check.amend) {
    const amended = { ...checkResult, summary: summaryWith(review.notes) };
    await check.amend(amended).catch((error: unknown) => log.warn({ err: error }, 'could not amend the check run summary'));
  }
  const { commentsPosted, listedInBody, threadsResolved, reviewError } = review;
  return {
    conclusion: checkResult.conclusion,
    findingsInDiff: inDiff,
    commentsPosted,
    listedInBody,
    threadsResolved,
    superseded: supersededBy !== undefined,
    ...(reviewError ? { reviewError } : {}),
  };
}

/** What the review step did. */
interface ReviewOutcome {
  readonly supersededBy?: string;
  readonly commentsPosted: number;
  readonly listedInBody: number;
  readonly threadsResolved: number;
  readonly reviewError?: string;
  readonly notes: string[];
}

const NO_REVIEW: ReviewOutcome = { commentsPosted: 0, listedInBody: 0, threadsResolved: 0, notes: [] };

/** A review planned from the pull request's state, and how to post it. */
interface PreparedReview {
  /** What the review will hold when posting goes as planned (or why there is none). */
  readonly planned: ReviewOutcome;
  /** Posts the review and resolves the threads of fixed findings; what happened. */
  readonly post?: () => Promise<ReviewOutcome>;
}

/**
 * prepareReview re-reads the head and our threads and plans the review (reads only); unless the
 * head moved, the plan comes with the step that posts it. A refused review or resolution is
 * reported, not thrown.
 */
async function prepareReview(
  target: RunTarget,
  reviews: ReviewSink,
  log: RunLog,
  config: Config,
  input: Omit<PlanInput, 'state'>,
): Promise<PreparedReview> {
  let state: ReviewState;
  try {
    state = await stage('read the review threads', () => reviews.readState());
  } catch (error) {
    // Degrade rather than fail: the findings still reach the check run (a 403 here means the
    // installation cannot read pull requests; anything else survived the client's retries).
    log.warn({ err: error, status: statusOf(error) }, 'could not read the review threads; no review');
    const note =
      forbidden(error) ??
      `Could not read the review threads (${messageOf(error)}), so no review was posted; the findings are in this check run only.`;
    return { planned: { ...NO_REVIEW, reviewError: messageOf(error), notes: [note] } };
  }
  if (state.headSha !== target.headSha) {
    log.info({ analysed: target.headSha, head: state.headSha }, 'superseded: no review for this commit');
    return { planned: { ...NO_REVIEW, supersededBy: state.headSha } };
  }
  const plan = planReview({ ...input, state });
  const draft = draftReview(target, plan, config);
  const toResolve = plan.threadsToResolve.length;
  const planned: ReviewOutcome = {
    ...draft.expected,
    threadsResolved: toResolve,
    notes: reviewNotes(plan, draft.expected, toResolve),
  };
  const post = async (): Promise<ReviewOutcome> => {
    const notes: string[] = [];
    const posted = await postReview(target, plan, draft, reviews, config, log);
    let threadsResolved = 0;
    if (toResolve > 0) {
      try {
        threadsResolved = (await reviews.resolveThreads(plan.threadsToResolve)).length;
      } catch (error) {
        log.warn({ err: error }, 'could not resolve the threads of fixed findings');
        notes.push(`Could not resolve the threads of fixed findings: ${messageOf(error)}.`);
      }
    }
    notes.push(...reviewNotes(plan, posted, threadsResolved));
    return { ...posted, threadsResolved, notes };
  };
  return { planned, post };
}

/** What posting the review changes on the pull request, as planned. */
interface PostedReview {
  readonly commentsPosted: number;
  readonly listedInBody: number;
  readonly notListed?: number;
  readonly reviewError?: string;
  readonly refusal?: string;
}

/** The review to post for a plan (none when it holds nothing), and what it will hold. */
function draftReview(target: RunTarget, plan: ReviewPlan, config: Config): { review?: ReviewDraft; expected: PostedReview } {
  if (plan.comments.length + plan.overflow.length + plan.unplaced.length === 0) return { expected: { commentsPosted: 0, listedInBody: 0 } };
  const comments = plan.comments.map(({ listed: _listed, ...draft }) => draft);
  const { body, listed } = reviewBody({
    htmlUrl: target.htmlUrl,
    sha: target.headSha,
    maxComments: config.max_comments,
    posted: plan.comments.map((c) => c.listed),
    overflow: plan.overflow,
    unplaced: plan.unplaced,
  });
  return {
    review: { commitId: target.headSha, body, comments },
    expected: {
      commentsPosted: comments.length,
      listedInBody: listed.length,
      notListed: plan.overflow.length + plan.unplaced.length - listed.length,
    },
  };
}

async function postReview(
  target: RunTarget,
  plan: ReviewPlan,
  draft: { readonly review?: ReviewDraft; readonly expected: PostedReview },
  reviews: ReviewSink,
  config: Config,
  log: RunLog,
): Promise<PostedReview> {
  const { review } = draft;
  if (!review) return draft.expected;
  const comments = review.comments;
  try {
    await reviews.postReview(review);
    return draft.expected;
  } catch (error) {
    log.warn({ err: error, status: statusOf(error) }, 'the review was refused');
    if (statusOf(error) !== 422 || comments.length === 0) {
      return { commentsPosted: 0, listedInBody: 0, reviewError: messageOf(error), ...refusal(error) };
    }
  }
  // GitHub refused a comment despite the checks (a 422 names no comment): list everything in the body instead.
  const all = [...plan.comments.map((c) => c.listed), ...plan.unplaced];
  try {
    const bodyInput = { htmlUrl: target.htmlUrl, sha: target.headSha, maxComments: config.max_comments };
    const { body, listed } = reviewBody({ ...bodyInput, posted: [], overflow: plan.overflow, unplaced: all });
    await reviews.postReview({ commitId: target.headSha, body, comments: [] });
    return { commentsPosted: 0, listedInBody: listed.length, notListed: all.length + plan.overflow.length - listed.length };
  } catch (error) {
    log.warn({ err: error }, 'the body-only review was refused too');
    return { commentsPosted: 0, listedInBody: 0, reviewError: messageOf(error), ...refusal(error) };
  }
}

function reviewNotes(
  plan: ReviewPlan,
  outcome: { readonly commentsPosted: number; readonly listedInBody: number; readonly notListed?: number; readonly refusal?: string },
  resolved: number,
): string[] {
  const notes: string[] = [];
  const { commentsPosted: posted, listedInBody, notListed = 0 } = outcome;
  if (outcome.refusal) notes.push(outcome.refusal);
  if (posted > 0) notes.push(`Posted ${posted} review comment${posted === 1 ? '' : 's'}.`);
  if (listedInBody > 0) notes.push(`Listed ${listedInBody} finding${listedInBody === 1 ? '' : 's'} in the review body.`);
  if (notListed > 0)
    notes.push(
      `${notListed} more finding${notListed === 1 ? '' : 's'} did not fit in the review (GitHub's 65,535-character limit): ` +
        `${notListed === 1 ? 'it is' : 'they are'} listed here, as annotations of this check run.`,
    );
  if (plan.alreadyReported > 0)
    notes.push(`${plan.alreadyReported} finding${plan.alreadyReported === 1 ? ' was' : 's were'} already reported.`);
  if (resolved > 0) notes.push(`Resolved ${resolved} thread${resolved === 1 ? '' : 's'} of fixed findings.`);
  return notes;
}

/**
 * conclusionOf: `failure` when a high-confidence finding in the change is at or above `fail_on`,
 * `neutral` when there are other findings, `success` when there are none. Medium and low findings
 * are advice: they never fail a pull request.
 */
export function conclusionOf(inDiff: readonly MarkedFinding[], config: Config, gaps?: CheckGaps): CheckResult['conclusion'] {
  if (inDiff.length === 0) return gaps && hasGaps(gaps) ? 'neutral' : 'success';
  return failsAt(inDiff, config.fail_on) ? 'failure' : 'neutral';
}

/**
 * forbidden words a 403 "Resource not accessible by integration" for the summary: GitHub answers it
 * when the installation lacks a permission (an App installed before a permission was added, or an
 * organisation that declined it). Nothing is wrong with the pull request, so say which permission.
 */
export function forbidden(error: unknown): string | undefined {
  const message = messageOf(error);
  if (statusOf(error) !== 403 || !/not accessible by integration/i.test(message)) return undefined;
  return `The App may not review pull requests in this repository (HTTP 403: ${message}; the installation needs the *Pull requests: write* permission), so the findings are in this check run only.`;
}

function refusal(error: unknown): { refusal: string } {
  return {
    refusal: forbidden(error) ?? `The review could not be posted (${messageOf(error)}); the findings are listed here instead.`,
  };
}

function optionalText(text: string | undefined): { text?: string } {
  return text === undefined ? {} : { text };
}
