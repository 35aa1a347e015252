/**
 * The two processes of the fleet mode (REDIS_URL), loaded only when it is on: the webhook receiver
 * (`npm start` with REDIS_URL) and the worker (`leakhound worker`).
 */
import Bottleneck from 'bottleneck';
import type { Probot } from 'probot';
import { createLeakhound, serverOptions } from '../index.js';
import { EventQueue } from './event-queue.js';
import { FleetSerializer } from './pr-serializer.js';
import { commandConnection, workerConnection, type RedisLog } from './redis.js';
import { createEventWorker, type EventWorker } from './worker.js';

/** The App as a receiver: it queues deliveries for the workers (and handles them itself while Redis is away). */
export function receiverApp(redisUrl: string): (app: Probot) => void {
  return (app) => createLeakhound({ ...serverOptions(), queue: new EventQueue(commandConnection(redisUrl, app.log)) })(app);
}

/**
 * The Bottleneck connection that makes write pacing fleet-wide: every worker paces one
 * installation's writes together.
 */
export function pacingConnection(redisUrl: string, log: RedisLog): Bottleneck.IORedisConnection {
  const connection = new Bottleneck.IORedisConnection({ client: workerConnection(redisUrl, log) });
  connection.on('error', (error: Error) => log.warn({ err: { message: error.message } }, 'write pacing: Redis error'));
  return connection;
}

/** Options of {@link startFleetWorker}. */
export interface FleetWorkerOptions {
  readonly redisUrl: string;
  /** A Probot whose client paces through {@link pacingConnection}. */
  readonly probot: Probot;
  readonly concurrency?: number;
  readonly lockDurationMs?: number;
}

/** Loads the App into `probot` as a worker and starts taking queued deliveries. */
export async function startFleetWorker(options: FleetWorkerOptions): Promise<EventWorker> {
  const { probot, redisUrl } = options;
  const commands = commandConnection(redisUrl, probot.log);
  const worker = createEventWorker({
    connection: workerConnection(redisUrl, probot.log),
    commands,
    probot,
    log: probot.log,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
  });
  await probot.load(
    createLeakhound({
      // Catch-up is the receivers' job; the worker's runs are awaited, so a failure fails the job.
      answerAtOnce: false,
      serializer: new FleetSerializer(commands, options.lockDurationMs ? { lockTtlMs: options.lockDurationMs } : {}),
      runIdentity: (context, pullNumber, headSha) => worker.runIdentity(context, pullNumber, headSha),
    }),
  );
  worker.start();
  return worker;
}
