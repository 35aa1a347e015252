/** Posts the review, reads our existing threads, and resolves the threads of fixed findings. */
import { markersIn } from '../review/fingerprint.js';
import type { OurThread, ReviewSink, ReviewState } from '../review/ports.js';
import { withRetryAfter, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';
import { RECENT_REVIEWS_QUERY, REVIEW_STATE_QUERY, resolveThreadsMutation } from './graphql.js';
import { NO_AUTOMATIC_RETRY, writeOnce } from './write-once.js';

/** At most this many threads are resolved per GraphQL request. */
export const RESOLVES_PER_REQUEST = 50;
/** Stop paging review threads after this many pages (10,000 threads). */
const MAX_THREAD_PAGES = 100;

/** A review or comment body with who wrote it. */
interface AuthoredText {
  readonly body: string;
  readonly viewerDidAuthor: boolean;
  readonly author?: { readonly __typename?: string; readonly login?: string } | null;
}

/**
 * Whether leakhound wrote a review or comment: this token wrote it, or a bot did and it carries a
 * fingerprint marker. The second covers the other front end (the App and token mode post as
 * different accounts with the same fingerprints), so neither repeats nor ignores the other's
 * findings. A person's comment never counts, markers or not.
 */
export function byLeakhound(text: AuthoredText): boolean {
  return text.viewerDidAuthor || (text.author?.__typename === 'Bot' && markersIn(text.body).length > 0);
}

/** The review state of a pull request as the LeakhoundReviewState fragment returns it. */
export interface PullRequestStateData {
  readonly headRefOid: string;
  readonly reviews: { readonly nodes: (AuthoredText | null)[] | null } | null;
  readonly reviewThreads: {
    readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
    readonly nodes:
      | ({
          readonly id: string;
          readonly path: string;
          readonly isResolved: boolean;
          readonly resolvedBy: { readonly login: string } | null;
          readonly comments: {
            readonly nodes: (AuthoredText | null)[] | null;
          };
        } | null)[]
      | null;
  };
}

/** Options of {@link createReviewSink}. */
export interface ReviewSinkOptions {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  readonly pullNumber: number;
  readonly retry?: RetryOptions;
  /** The first page of the review state, when it came with the package files (see pr-source.ts). */
  readonly prefetched?: () => PullRequestStateData | undefined;
  /** This run's id, marked in the review body (hidden). */
  readonly runId: string;
  /** An earlier attempt of this run may have posted its review: look for it (by marker) before posting. */
  readonly resume?: boolean;
}

/** The hidden mark of the run that posted a review. */
export function runMarker(runId: string): string {
  return `<!-- leakhound:run=${runId} -->`;
}

/** createReviewSink implements the pipeline's {@link ReviewSink}: GraphQL reads, `pulls.createReview`, `resolveReviewThread`. */
export function createReviewSink(options: ReviewSinkOptions): ReviewSink {
  const { octokit, repo, pullNumber } = options;
  return {
    readState: () => readReviewState(octokit, repo, pullNumber, options.prefetched?.(), options.retry),
    async postReview(review) {
      // The run's marker finds the review again when GitHub's answer to its creation was lost.
      const marker = runMarker(options.runId);
      const create = async (): Promise<true> => {
        await withRetryAfter(
          () =>
            octokit.rest.pulls.createReview({
              ...repo,
              pull_number: pullNumber,
              commit_id: review.commitId,
              event: 'COMMENT',
              body: `${review.body}\n\n${marker}`,
              comments: review.comments.map((c) => ({
                path: c.path,
                body: c.body,
                line: c.line,
                side: 'RIGHT' as const,
                ...(c.startLine !== undefined ? { start_line: c.startLine, start_side: 'RIGHT' as const } : {}),
              })),
              ...NO_AUTOMATIC_RETRY,
            }),
          options.retry,
        );
        return true;
      };
      const find = async (): Promise<true | undefined> => {
        const data = await octokit.graphql<{
          repository: {
            pullRequest: { reviews: { nodes: ({ body: string; viewerDidAuthor: boolean } | null)[] | null } | null } | null;
          } | null;
        }>(RECENT_REVIEWS_QUERY, { owner: repo.owner, name: repo.repo, number: pullNumber });
        const reviews = data.repository?.pullRequest?.reviews?.nodes ?? [];
        return reviews.some((r) => r?.viewerDidAuthor && r.body.includes(marker)) ? true : undefined;
      };
      if (options.resume && (await find()) !== undefined) return;
      await writeOnce(create, find, options.retry);
    },
    async resolveThreads(threadIds) {
      const resolved: string[] = [];
      for (let i = 0; i < threadIds.length; i += RESOLVES_PER_REQUEST) {
        const { query, variables } = resolveThreadsMutation(threadIds.slice(i, i + RESOLVES_PER_REQUEST));
        const data = await withRetryAfter(
          () => octokit.graphql<Record<string, { thread: { id: string; isResolved: boolean } | null } | null>>(query, variables),
          options.retry,
        );
        for (const result of Object.values(data)) if (result?.thread?.isResolved) resolved.push(result.thread.id);
      }
      return resolved;
    },
  };
}

/**
 * readReviewState re-reads the pull request's head commit and collects our threads: those whose first
 * comment leakhound wrote ({@link byLeakhound}) and that carry a fingerprint marker. Comments of
 * anyone else are never looked at further, let alone touched.
 *
 * When the first page of threads came with the package files, only the head is re-read, over REST:
 * Probot's throttling spaces GraphQL requests a second apart like writes, REST reads are not.
 */
export async function readReviewState(
  octokit: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
  prefetched?: PullRequestStateData,
  retry?: RetryOptions,
): Promise<ReviewState> {
  const threads: OurThread[] = [];
  const listedInBodies = new Set<string>();
  let headSha: string;
  let page: PullRequestStateData;
  if (prefetched) {
    const { data } = await withRetryAfter(() => octokit.rest.pulls.get({ ...repo, pull_number: pullNumber }), retry);
    headSha = data.head.sha;
    page = prefetched;
  } else {
    page = await withRetryAfter(() => queryState(octokit, repo, pullNumber, null), retry);
    headSha = page.headRefOid;
  }
  for (const review of page.reviews?.nodes ?? []) {
    if (review && byLeakhound(review)) for (const fp of markersIn(review.body)) listedInBodies.add(fp);
  }
  for (let pages = 1; ; pages++) {
    for (const node of page.reviewThreads.nodes ?? []) {
      const first = node?.comments.nodes?.[0];
      if (!node || !first || !byLeakhound(first)) continue;
      const fingerprints = markersIn(first.body);
      if (fingerprints.length === 0) continue;
      // resolvedBy is typed User, so an app that resolved it shows as null: count that as us.
      const resolvedByUs = node.isResolved && (node.resolvedBy === null || node.resolvedBy.login === first.author?.login);
      threads.push({ id: node.id, path: node.path, fingerprints, isResolved: node.isResolved, resolvedByUs });
    }
    const { hasNextPage, endCursor } = page.reviewThreads.pageInfo;
    if (!hasNextPage || pages >= MAX_THREAD_PAGES) break;
    page = await withRetryAfter(() => queryState(octokit, repo, pullNumber, endCursor), retry);
  }
  return { headSha, threads, listedInBodies };
}

async function queryState(octokit: GitHubClient, repo: RepoRef, pullNumber: number, after: string | null): Promise<PullRequestStateData> {
  const data = await octokit.graphql<{ repository: { pullRequest: PullRequestStateData | null } | null }>(REVIEW_STATE_QUERY, {
    owner: repo.owner,
    name: repo.repo,
    number: pullNumber,
    after,
  });
  const pr = data.repository?.pullRequest;
  if (!pr) throw new Error(`pull request #${pullNumber} not found`);
  return pr;
}
