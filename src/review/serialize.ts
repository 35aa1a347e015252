/**
 * How the runs of one pull request take turns. A run posts after reading the threads earlier runs
 * created, so two runs of one pull request must never overlap; and a request that arrives while an
 * earlier one still waits for its turn makes that one pointless. The process-local serializer is
 * here; the fleet-wide one (Redis) is src/fleet/pr-serializer.ts.
 */
import { KeyedQueue } from './lock.js';
import type { RunReport } from './ports.js';

/** The log a serializer writes to. */
export interface SerializerLog {
  info(message: string): void;
}

/** Runs the review runs of each pull request one at a time. */
export interface RunSerializer {
  /**
   * Runs `task`, the run of pull request `key` at `headSha`, when no other run of that pull request
   * is in progress. Resolves with its report, or with undefined when the request was absorbed by
   * another request of the same pull request (a later one, or one for the same commit) that runs
   * in its place.
   */
  run(key: string, headSha: string, task: () => Promise<RunReport>, log: SerializerLog): Promise<RunReport | undefined>;
}

/**
 * LocalSerializer serializes in this process, in arrival order. A request for a commit that already
 * has a run waiting (not started) joins that run: one check run, one answer, for `/recheck` spam or
 * a redelivered push.
 */
export class LocalSerializer implements RunSerializer {
  readonly #queue = new KeyedQueue();
  /** Per pull request, the run waiting in the queue (not started yet), by commit. */
  readonly #waiting = new Map<string, { readonly headSha: string; readonly report: Promise<RunReport> }>();

  run(key: string, headSha: string, task: () => Promise<RunReport>, log: SerializerLog): Promise<RunReport> {
    const queued = this.#waiting.get(key);
    if (queued && queued.headSha === headSha) {
      log.info('joined the queued run of the same commit');
      return queued.report;
    }
    const report: Promise<RunReport> = this.#queue.run(key, () => {
      if (this.#waiting.get(key)?.report === report) this.#waiting.delete(key);
      return task();
    });
    this.#waiting.set(key, { headSha, report });
    return report;
  }
}
