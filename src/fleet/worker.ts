/**
 * The consumer side of the event queue: a `leakhound worker` takes queued deliveries and hands each
 * to the App's handlers (`probot.receive`), as the single-process server would have on receipt. A
 * failed handling fails the job, which BullMQ tries again later; a worker killed mid-run leaves its
 * job to the stalled-job check, which gives it to another worker.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Probot } from 'probot';
import type { EventContext } from '../github/run.js';
import { messageOf } from '../review/stage.js';
import { EVENT_QUEUE, forgetDelivery, JOB_ATTEMPTS, type QueuedEvent } from './event-queue.js';

/** Options of {@link createEventWorker}. */
export interface EventWorkerOptions {
  /** A BullMQ worker connection (src/fleet/redis.ts `workerConnection`). */
  readonly connection: Redis;
  /** A command connection, to forget a delivery that failed for good. */
  readonly commands: Redis;
  /** The Probot instance whose handlers (the App, loaded into it) handle the events. */
  readonly probot: Probot;
  /** How many deliveries one worker handles at once (default 8: most of a run is waiting for GitHub). */
  readonly concurrency?: number;
  /**
   * How long a job stays this worker's without a sign of life (BullMQ renews it while the worker
   * lives): a worker killed mid-run gives its job up after this long (default 30 s).
   */
  readonly lockDurationMs?: number;
  readonly log: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

/** The consumer of the event queue. */
export interface EventWorker {
  /**
   * The run identity of a delivery's run (for `RunDeps.runIdentity`): the same on every attempt of
   * the delivery, and marked for adoption on a retry, so a retried run completes the check run its
   * dead predecessor created and does not post its review twice.
   */
  runIdentity(context: EventContext, pullNumber: number, headSha: string): { runId: string; resume: boolean };
  /** Starts taking jobs (load the App's handlers first: a job taken before would be received by nobody). */
  start(): void;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}

/** A UUID-shaped id derived from `text` (the check run's external id and the review marker hold it). */
function stableId(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** createEventWorker makes the consumer of the event queue; it takes jobs once started. */
export function createEventWorker(options: EventWorkerOptions): EventWorker {
  const { probot, log } = options;
  /** Deliveries being handled on a second or later attempt. */
  const retried = new Set<string>();
  const worker = new Worker<QueuedEvent>(
    EVENT_QUEUE,
    async (job: Job<QueuedEvent>) => {
      const event = job.data;
      const retry = job.attemptsStarted > 1;
      if (retry) retried.add(event.id);
      try {
        await probot.receive({ id: event.id, name: event.name, payload: event.payload } as Parameters<Probot['receive']>[0]);
      } finally {
        retried.delete(event.id);
      }
    },
    {
      connection: options.connection,
      autorun: false,
      concurrency: options.concurrency ?? 8,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: Math.max(1000, Math.floor((options.lockDurationMs ?? 30_000) / 2)),
      maxStalledCount: JOB_ATTEMPTS,
    },
  );
  worker.on('error', (error) => log.error({ err: { message: messageOf(error) } }, 'event worker error'));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    log.error(
      { delivery: job.data.id, attempt: job.attemptsMade, err: { message: messageOf(error) } },
      final ? 'delivery failed for good: a redelivery will be handled again' : 'delivery failed: it will be tried again',
    );
    // Both the job and the record go, or a redelivery would be taken for a duplicate of either.
    if (final)
      void job
        .remove()
        .then(() => forgetDelivery(options.commands, job.data.id))
        .catch(() => undefined);
  });
  return {
    runIdentity: (context, pullNumber, headSha) => {
      const delivery = context.id;
      if (delivery === undefined) return { runId: randomUUID(), resume: false };
      return { runId: stableId(`${delivery}/${pullNumber}/${headSha}`), resume: retried.has(delivery) };
    },
    start: () => {
      void worker.run().catch((error: unknown) => log.error({ err: { message: messageOf(error) } }, 'event worker stopped'));
    },
    close: () => worker.close(),
  };
}
