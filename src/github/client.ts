/**
 * The GitHub client type and the small helpers every module of src/github shares. This directory is
 * the only place that names Octokit or calls the API.
 */
import type { Octokit } from '@octokit/rest';
import { recordGitHubError, recordRateLimitWait } from '../metrics.js';
import { answered, statusOf } from '../review/stage.js';

/**
 * An authenticated client: the one Probot hands to each event (`context.octokit`), or token mode's
 * (./token-client.ts): @octokit/core with the REST methods and pagination, which is all this
 * directory uses.
 */
export type GitHubClient = Pick<Octokit, 'rest' | 'paginate' | 'graphql' | 'request' | 'hook' | 'log'>;

/** A repository, as the API addresses it. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

/** Options of {@link withRetryAfter}. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  readonly retries?: number;
  /** Longest single wait in seconds; a longer `retry-after` is not waited for (default 90). */
  readonly maxWaitSeconds?: number;
  /** Seconds to wait on a secondary rate limit without `retry-after` (default 60, as GitHub advises). */
  readonly fallbackSeconds?: number;
  /** Replaceable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * withRetryAfter runs a write and, when GitHub answers with a rate limit (403 or 429 carrying
 * `retry-after`, or a "secondary rate limit" message), waits as told and tries again.
 *
 * Why: Probot's throttling plugin already spaces writes (one a second per installation, three
 * seconds between notification-triggering ones), but its secondary-rate-limit handler only logs and
 * never retries (probot/lib/octokit/get-octokit-throttle-options.js). GitHub's REST docs ask
 * integrators to wait for `retry-after`, else at least a minute, before retrying.
 */
export async function withRetryAfter<T>(write: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 2;
  const sleep = options.sleep ?? sleepMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const wait = retryAfterSeconds(error, options.fallbackSeconds ?? 60);
      if (wait === undefined || attempt >= retries || wait > (options.maxWaitSeconds ?? 90)) throw error;
      recordRateLimitWait(wait);
      await sleep(wait * 1000);
    }
  }
}

/** retryAfterSeconds returns the seconds GitHub asks to wait before retrying, or undefined when the error is not a rate limit. */
export function retryAfterSeconds(error: unknown, fallbackSeconds: number): number | undefined {
  const e = error as { status?: number; message?: string; response?: { headers?: Record<string, string | number | undefined> } } | null;
  if (!e || (e.status !== 403 && e.status !== 429)) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter;
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(0, Math.ceil(reset - Date.now() / 1000));
  }
  if (/secondary rate limit/i.test(e.message ?? '')) return fallbackSeconds;
  return undefined;
}

/** How long one attempt of a request may take before it is aborted and retried (default 30 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const TIMED = Symbol('leakhound.timedFetch');
type Fetch = typeof globalThis.fetch & { [TIMED]?: true };
const hardened = new WeakSet<object>();

/**
 * readWhole reads an answer's body to its end (under the attempt's time limit) and checks it is
 * all there: as long as its Content-Length says (when not compressed), and JSON that parses when
 * it says it is JSON. Returns an equivalent response over the bytes read.
 */
async function readWhole(response: Response): Promise<Response> {
  if (!response.body) return response;
  const body = Buffer.from(await response.arrayBuffer());
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (!response.headers.get('content-encoding') && Number.isFinite(declared) && body.length !== declared)
    throw new Error(`GitHub's answer was cut off (${body.length} of ${declared} bytes)`);
  if (/\bjson\b/i.test(response.headers.get('content-type') ?? '') && body.length > 0) {
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      throw new Error(`GitHub's answer was cut off or is not JSON (${body.length} bytes)`);
    }
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * hardenClient gives every attempt of every request of `octokit` a time limit, and reads each
 * answer whole before Octokit sees it. Why: Octokit uses `fetch` without a timeout, so a GitHub
 * that never answers would hold a run (and its pull request's queue) forever; and Octokit hands a
 * JSON answer that does not parse (cut off midway) to the caller as a string, which a list of
 * files then read as empty: "nothing to analyse", a green check on data never seen. An attempt
 * over the limit, dropped midway, shorter than its Content-Length, or with JSON that does not
 * parse fails in `fetch`, which @octokit/request turns into a status-500 RequestError, which
 * Probot's @octokit/plugin-retry retries like any 5xx: at most 3 more attempts, 1, 4 and 9 seconds
 * apart. The limit wraps `fetch` (not the request), so each retry gets a fresh one. Idempotent: a
 * client is hardened once.
 */
export function hardenClient(octokit: GitHubClient, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): GitHubClient {
  if (hardened.has(octokit)) return octokit;
  hardened.add(octokit);
  octokit.hook.error('request', (error) => {
    recordGitHubError(answered(error) ? statusOf(error) : undefined);
    throw error;
  });
  octokit.hook.before('request', (options) => {
    const request = (options.request ??= {}) as { fetch?: Fetch };
    const inner: Fetch = request.fetch ?? globalThis.fetch;
    if (inner[TIMED]) return;
    const timed: Fetch = async (input, init) => {
      const limit = AbortSignal.timeout(timeoutMs);
      const response = await inner(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, limit]) : limit });
      return readWhole(response);
    };
    timed[TIMED] = true;
    request.fetch = timed;
  });
  return octokit;
}
