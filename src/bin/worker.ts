/**
 * `leakhound worker`: a worker of the fleet mode. It takes the deliveries the receivers (`npm start`
 * with REDIS_URL) queued, runs their reviews and posts them; any number of workers may run, on any
 * machine that reaches the same Redis. It needs what the server needs (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, GHE_HOST on GitHub Enterprise) and REDIS_URL; it serves no HTTP.
 *
 * Environment: LEAKHOUND_WORKER_CONCURRENCY (deliveries at once, default 8),
 * LEAKHOUND_JOB_LOCK_MS (how soon a dead worker's job is taken by another, default 30 s),
 * LEAKHOUND_SHUTDOWN_GRACE_MS (how long running jobs may take after SIGTERM, default 20 s).
 */
import { createProbot } from 'probot';
import { pacingConnection, startFleetWorker } from '../fleet/modes.js';
import { envNumber, hasAppCredentials, loadDotEnv, probotEnvironment } from '../server/dotenv.js';
import { stopOnSignals } from '../server/lifecycle.js';
import { createLog } from '../server/log.js';
import { pacedOctokit } from '../server/start.js';

/** Runs the worker until SIGTERM or SIGINT; resolves with an exit code only when it cannot start. */
export async function runWorker(err: (text: string) => void): Promise<number | undefined> {
  loadDotEnv();
  const env = process.env;
  env.LOG_FORMAT ||= env.NODE_ENV === 'production' ? 'json' : 'pretty';
  const missing = [
    ...(env.REDIS_URL ? [] : ['REDIS_URL']),
    ...(hasAppCredentials(env) ? [] : ['APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)']),
  ];
  if (missing.length > 0) {
    err(`leakhound worker: set ${missing.join(', ')}; the worker takes the deliveries that \`npm start\` with REDIS_URL queues\n`);
    return 2;
  }
  const redisUrl = env.REDIS_URL ?? '';
  const log = await createLog(env);
  const probot = createProbot({
    env: probotEnvironment(env),
    overrides: { log, Octokit: pacedOctokit({ connection: pacingConnection(redisUrl, log) }) },
  });
  const concurrency = envNumber('LEAKHOUND_WORKER_CONCURRENCY');
  const lockDurationMs = envNumber('LEAKHOUND_JOB_LOCK_MS');
  const worker = await startFleetWorker({
    redisUrl,
    probot,
    ...(concurrency ? { concurrency } : {}),
    ...(lockDurationMs ? { lockDurationMs } : {}),
  });
  log.info('leakhound worker started: taking queued deliveries');
  // A job still running when the grace period ends is given to another worker by the stalled-job check.
  stopOnSignals({ inFlight: 'running deliveries', log, drain: () => worker.close() });
  return undefined;
}
