/**
 * Redis connections of the fleet mode (REDIS_URL): one for commands that must fail fast when Redis
 * is away (a webhook receiver falls back to handling the delivery itself), one for BullMQ's
 * blocking worker connection (which must wait and reconnect instead).
 */
import { Redis } from 'ioredis';

/** The prefix of every key leakhound keeps in Redis (BullMQ's queue keys have their own). */
export const KEY_PREFIX = 'leakhound:';

/** How long one command may wait for Redis before the caller is told it failed. */
const COMMAND_TIMEOUT_MS = 2000;

/** Reconnect after 200 ms, 400 ms, … up to every 2 s, for as long as it takes. */
const reconnect = (times: number): number => Math.min(times * 200, 2000);

/** The log connections report to. */
export interface RedisLog {
  warn(fields: object, message: string): void;
}

/**
 * A connection for short commands: a command fails within {@link COMMAND_TIMEOUT_MS} when Redis
 * does not answer, and the client keeps reconnecting in the background. (Commands sent before the
 * first connection wait for it, within the same time; see {@link isUnreachable} for failing at once.)
 */
export function commandConnection(url: string, log?: RedisLog): Redis {
  return withLog(
    new Redis(url, {
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: reconnect,
    }),
    log,
  );
}

/** A connection for BullMQ's workers: commands wait for Redis to come back (BullMQ requires it). */
export function workerConnection(url: string, log?: RedisLog): Redis {
  return withLog(new Redis(url, { maxRetriesPerRequest: null, retryStrategy: reconnect }), log);
}

/** Whether a connection lost Redis and has not got it back: its commands would only wait to fail. */
export function isUnreachable(redis: Redis): boolean {
  return redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end';
}

/** Logs a connection's errors once per outage (ioredis emits one per reconnection attempt). */
function withLog(redis: Redis, log: RedisLog | undefined): Redis {
  let reported = false;
  redis.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    log?.warn({ err: { message: error.message } }, 'Redis unreachable; reconnecting');
  });
  redis.on('ready', () => (reported = false));
  return redis;
}
