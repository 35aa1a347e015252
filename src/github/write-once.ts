/**
 * Writes that GitHub may have done although the answer says otherwise. A POST that creates a review
 * or a check run can fail after GitHub did the work (a 502 from a proxy, an answer slower than the
 * client's time limit); retrying it blindly posted every comment twice, or left an orphan check run
 * `in_progress`. These writes are sent with Octokit's own retries off, and before each retry the
 * effect is looked for (the review with this run's marker, the check run with this run's external
 * id) and adopted when found.
 */
import { statusOf } from '../review/stage.js';
import type { RetryOptions } from './client.js';

/** Request options that turn off @octokit/plugin-retry for one request: {@link writeOnce} retries it. */
export const NO_AUTOMATIC_RETRY = { request: { retries: 0 } } as const;

/** Pauses before the retries of a write, as @octokit/plugin-retry's (1, 4 and 9 seconds). */
const PAUSES_MS = [1000, 4000, 9000];

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether a failed write may have been done anyway: a 5xx (a timeout is turned into a 500 by
 * Octokit) or no answer at all. A 4xx is GitHub saying no.
 */
export function mayHaveWritten(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/**
 * writeOnce runs `write`; when it fails in a way that may have written anyway, it waits, looks for
 * the effect with `find` (adopting it when found) and only then tries again, at most three times.
 */
export async function writeOnce<T>(write: () => Promise<T>, find: () => Promise<T | undefined>, retry?: RetryOptions): Promise<T> {
  const sleep = retry?.sleep ?? sleepMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!mayHaveWritten(error)) throw error;
      const pause = PAUSES_MS[attempt];
      // A slow answer may arrive after the work is visible: look before deciding.
      await sleep(pause ?? PAUSES_MS[0] ?? 1000);
      const found = await find().catch(() => undefined);
      if (found !== undefined) return found;
      if (pause === undefined) throw error;
    }
  }
}
