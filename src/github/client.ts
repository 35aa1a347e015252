/**
 * The GitHub client type and the small helpers every module of src/github shares. This directory is
 * the only place that names Octokit or calls the API.
 */
import type { ProbotOctokit } from 'probot';

/** The authenticated client Probot hands to each event (`context.octokit`). */
export type GitHubClient = ProbotOctokit;

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
 * hardenClient gives every attempt of every request of `octokit` a time limit. Why: Octokit uses
 * `fetch` without a timeout, so a GitHub that never answers would hold a run (and its pull request's
 * queue) forever. An attempt over the limit fails with a TimeoutError, which @octokit/request turns
 * into a status-500 RequestError, which Probot's @octokit/plugin-retry retries like any 5xx: at most
 * 3 more attempts, 1, 4 and 9 seconds apart. The limit wraps `fetch` (not the request), so each
 * retry gets a fresh one. Idempotent: a client is hardened once.
 */
export function hardenClient(octokit: GitHubClient, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): GitHubClient {
  if (hardened.has(octokit)) return octokit;
  hardened.add(octokit);
  octokit.hook.before('request', (options) => {
    const request = (options.request ??= {}) as { fetch?: Fetch };
    const inner: Fetch = request.fetch ?? globalThis.fetch;
    if (inner[TIMED]) return;
    const timed: Fetch = (input, init) => {
      const limit = AbortSignal.timeout(timeoutMs);
      return inner(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, limit]) : limit });
    };
    timed[TIMED] = true;
    request.fetch = timed;
  });
  return octokit;
}
