/**
 * The queue between webhook receivers and workers (BullMQ on Redis). A receiver verifies a
 * delivery, records its id (deduplication across replicas: a redelivery keeps its id), adds it as
 * a job and answers; a `leakhound worker` takes the job and handles it as the single process would.
 * A job whose worker died is taken again by another worker (BullMQ's stalled-job check); a job that
 * failed for good forgets its delivery id, so a redelivery of it is handled again.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isUnreachable, KEY_PREFIX } from './redis.js';

/** The BullMQ queue's name. */
export const EVENT_QUEUE = 'leakhound-events';

/** A webhook event as a job carries it: what `probot.receive` takes. */
export interface QueuedEvent {
  /** The delivery id (`X-GitHub-Delivery`), also the job's id. */
  readonly id: string;
  /** The event name without its action (`pull_request`). */
  readonly name: string;
  readonly payload: unknown;
}

/** How many times a job is tried before it fails for good (a worker killed mid-run counts as one). */
export const JOB_ATTEMPTS = 4;

/** How long a delivery id is remembered: as far back as GitHub lets a delivery be redelivered (3 days). */
const DELIVERY_TTL_SECONDS = 3 * 24 * 60 * 60;

const deliveryKey = (id: string): string => `${KEY_PREFIX}delivery:${id}`;

/** The producer side of the event queue. */
export class EventQueue {
  readonly #redis: Redis;
  readonly #queue: Queue;

  /** `redis`: a fail-fast command connection (src/fleet/redis.ts); BullMQ duplicates nothing from it. */
  constructor(redis: Redis) {
    this.#redis = redis;
    this.#queue = new Queue(EVENT_QUEUE, { connection: redis });
    // BullMQ re-emits connection errors; the connection's own listener reports them.
    this.#queue.on('error', () => undefined);
  }

  /**
   * Queues a delivery unless it was seen already. Throws when Redis cannot take it (the caller
   * handles the delivery itself then).
   *
   * The job is added before its delivery id is recorded: a receiver killed between the two leaves a
   * job and no record, and a redelivery then finds the job (BullMQ adds no second job with one id);
   * the other order would leave a record and no job, and the redelivery would be dropped.
   */
  async enqueue(event: QueuedEvent): Promise<'queued' | 'duplicate'> {
    if (isUnreachable(this.#redis)) throw new Error('Redis is unreachable');
    if (await this.seen(event.id)) return 'duplicate';
    await this.#queue.add(event.name, event, {
      jobId: event.id,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    // Two receivers given the same delivery at once: both add (one job), one records it first.
    const fresh = await this.#redis.set(deliveryKey(event.id), '1', 'EX', DELIVERY_TTL_SECONDS, 'NX');
    return fresh === null ? 'duplicate' : 'queued';
  }

  /** Whether a delivery was queued (or handled) in the last three days. */
  async seen(id: string): Promise<boolean> {
    return (await this.#redis.exists(deliveryKey(id))) === 1;
  }

  /** Forgets a delivery id, so that a redelivery of it is queued again. */
  forget(id: string): Promise<void> {
    return forgetDelivery(this.#redis, id);
  }

  /** Answers when Redis does (for `/ready`). */
  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

/** Forgets a delivery id through any connection (a worker, when a job failed for good). */
export async function forgetDelivery(redis: Redis, id: string): Promise<void> {
  await redis.del(deliveryKey(id));
}
