/**
 * Runs of one pull request take turns across the whole fleet (every worker on one Redis), and
 * requests that pile up while a run is in progress collapse into one: the newest.
 *
 * Each request takes a ticket from the pull request's counter. Only the newest ticket may run; an
 * older one that is still waiting gives up (its request was for an older head, or for the same
 * commit, which the newest request covers). The newest waits for the pull request's lock, a Redis
 * key with a token and an expiry that its holder renews while it runs: a worker that dies lets go
 * of it within {@link LOCK_TTL_MS}. So a push during a run leads to exactly one more run, for the
 * newest head; the run itself drops its review when the head moved while it ran (run-review.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunReport } from '../review/ports.js';
import type { RunSerializer, SerializerLog } from '../review/serialize.js';
import { KEY_PREFIX } from './redis.js';

/** How long the lock outlives a holder that stopped renewing it. */
export const LOCK_TTL_MS = 15_000;
/** How often a holder renews its lock. */
const RENEW_EVERY_MS = 5_000;
/** How often a waiting request looks again. */
const POLL_MS = 100;
/** How long a pull request's counter is kept after its last request. */
const TICKET_TTL_SECONDS = 24 * 60 * 60;

/** Deletes the lock only when it is still ours. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends the lock only when it is still ours. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link FleetSerializer}. */
export interface FleetSerializerOptions {
  /** How long the lock outlives a dead holder (default {@link LOCK_TTL_MS}). */
  readonly lockTtlMs?: number;
  /** How often a waiting request looks again (default 100 ms). */
  readonly pollMs?: number;
}

/** The fleet-wide {@link RunSerializer}. */
export class FleetSerializer implements RunSerializer {
  readonly #redis: Redis;
  readonly #ttl: number;
  readonly #poll: number;

  constructor(redis: Redis, options: FleetSerializerOptions = {}) {
    this.#redis = redis;
    this.#ttl = options.lockTtlMs ?? LOCK_TTL_MS;
    this.#poll = options.pollMs ?? POLL_MS;
  }

  async run(key: string, headSha: string, task: () => Promise<RunReport>, log: SerializerLog): Promise<RunReport | undefined> {
    const tickets = `${KEY_PREFIX}pr:${key}:tickets`;
    const lock = `${KEY_PREFIX}pr:${key}:lock`;
    const [[, ticket]] = (await this.#redis.multi().incr(tickets).expire(tickets, TICKET_TTL_SECONDS).exec()) as [[null, number]];
    const token = `${randomUUID()}:${headSha}`;
    const newest = async (): Promise<boolean> => Number(await this.#redis.get(tickets)) === ticket;
    for (;;) {
      if (!(await newest())) {
        log.info('absorbed by a newer request for this pull request');
        return undefined;
      }
      if ((await this.#redis.set(lock, token, 'PX', this.#ttl, 'NX')) === 'OK') break;
      await sleep(this.#poll);
    }
    const renew = setInterval(
      () => {
        void this.#redis.eval(RENEW, 1, lock, token, String(this.#ttl)).catch(() => undefined);
      },
      Math.min(RENEW_EVERY_MS, this.#ttl / 3),
    );
    try {
      // A newer request may have come between the last look and taking the lock.
      if (!(await newest())) {
        log.info('absorbed by a newer request for this pull request');
        return undefined;
      }
      return await task();
    } finally {
      clearInterval(renew);
      await this.#redis.eval(RELEASE, 1, lock, token).catch(() => undefined);
    }
  }
}
