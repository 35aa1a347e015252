/**
 * The fleet mode (REDIS_URL) against a real redis-server: receivers queue deliveries once, workers
 * review them, runs of one pull request take turns fleet-wide and collapse into the newest, a
 * worker killed mid-run loses nothing, and a receiver without Redis handles deliveries itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { EventQueue } from '../src/fleet/event-queue.js';
import { FleetSerializer } from '../src/fleet/pr-serializer.js';
import { pacingConnection } from '../src/fleet/modes.js';
import { WritePacer } from '../src/github/pacing.js';
import { commandConnection } from '../src/fleet/redis.js';
import type { RunReport } from '../src/review/ports.js';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { fakeWithPullRequest } from './helpers/app-fixtures.js';
import { CLI_ENTRY, finishedRuns, sendWebhook, startApp, startWorker, waitUntil, type AppProcess } from './helpers/app-process.js';
import { NO_REDIS, startRedis, type RedisServer } from './helpers/redis.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 'fleet-secret';
const quiet = { info: () => undefined };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function report(): RunReport {
  return { conclusion: 'success', findingsInDiff: [], commentsPosted: 0, listedInBody: 0, threadsResolved: 0, superseded: false };
}

describe('fleet mode', { skip: NO_REDIS, timeout: 120_000 }, () => {
  let redis: RedisServer;
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const connection = commandConnection(redis.url);
    connections.push(connection);
    return connection;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const connection of connections) connection.disconnect();
    await redis.stop();
  });

  it('queues a delivery once, however many receivers it reaches', async () => {
    const queues = [new EventQueue(connect()), new EventQueue(connect())];
    const id = randomUUID();
    const event = { id, name: 'pull_request', payload: { action: 'opened' } };
    const outcomes = await Promise.all([queues[0]!.enqueue(event), queues[1]!.enqueue(event), queues[0]!.enqueue(event)]);
    assert.deepEqual(outcomes.sort(), ['duplicate', 'duplicate', 'queued']);
    assert.equal(await queues[1]!.seen(id), true);
    await queues[0]!.forget(id);
    assert.equal(await queues[1]!.enqueue(event), 'queued', 'a delivery that failed for good is taken again');
    await Promise.all(queues.map((queue) => queue.close()));
  });

  it('runs one pull request one run at a time across processes, and collapses waiting requests into the newest', async () => {
    const serializers = [new FleetSerializer(connect(), { pollMs: 10 }), new FleetSerializer(connect(), { pollMs: 10 })];
    const key = `o/r#${randomUUID()}`;
    const events: string[] = [];
    let running = 0;
    const task = (name: string, ms: number) => async (): Promise<RunReport> => {
      running++;
      assert.equal(running, 1, 'two runs of one pull request overlapped');
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
      running--;
      return report();
    };
    const first = serializers[0]!.run(key, 'a', task('a', 300), quiet);
    await sleep(50);
    // Three requests while the first runs, on both "processes": only the newest runs.
    const second = serializers[1]!.run(key, 'b', task('b', 10), quiet);
    await sleep(20);
    const third = serializers[0]!.run(key, 'c', task('c', 10), quiet);
    await sleep(20);
    const fourth = serializers[1]!.run(key, 'd', task('d', 10), quiet);
    const outcomes = await Promise.all([first, second, third, fourth]);
    assert.deepEqual(
      outcomes.map((o) => o !== undefined),
      [true, false, false, true],
    );
    assert.deepEqual(events, ['start a', 'end a', 'start d', 'end d']);
    // Another key is not held up by this one.
    const other = await serializers[1]!.run(`o/r#${randomUUID()}`, 'x', () => Promise.resolve(report()), quiet);
    assert.ok(other);
  });

  it('a dead holder lets go of the pull request once its lock expires', async () => {
    const key = `o/r#${randomUUID()}`;
    const raw = connect();
    // A worker that took the lock and died: nobody renews it.
    await raw.set(`leakhound:pr:${key}:lock`, 'dead-worker', 'PX', 300);
    const started = Date.now();
    const outcome = await new FleetSerializer(connect(), { pollMs: 10 }).run(key, 'a', () => Promise.resolve(report()), quiet);
    assert.ok(outcome);
    assert.ok(Date.now() - started >= 250, 'it waited for the expiry');
  });

  it("paces one installation's writes across processes", async () => {
    const log = { warn: () => undefined };
    const connections = [pacingConnection(redis.url, log), pacingConnection(redis.url, log)];
    const pacers = connections.map((connection) => new WritePacer({ writeMs: 200, notifyMs: 400, connection }));
    const key = `installation-${randomUUID()}`;
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        await pacers[i % 2]!.wait(key, 'write');
        times.push(performance.now());
      }),
    );
    times.sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(
      gaps.every((gap) => gap >= 180),
      `writes ${gaps.map((g) => g.toFixed(0)).join(', ')} ms apart`,
    );
    // Another installation is not held up.
    const started = performance.now();
    await pacers[0]!.wait(`installation-${randomUUID()}`, 'write');
    assert.ok(performance.now() - started < 150);
    await Promise.all(connections.map((connection) => connection.disconnect()));
  });

  describe('processes', () => {
    const keys = appKeys();
    const processes: AppProcess[] = [];
    after(async () => {
      await Promise.all(processes.map((p) => p.stop()));
    });
    const receiver = async (gheHost: string, redisUrl: string): Promise<AppProcess> => {
      const app = await startApp({ appId: APP_ID, privateKey: keys.privateKey, secret: SECRET, gheHost, env: { REDIS_URL: redisUrl } });
      processes.push(app);
      return app;
    };
    const worker = async (gheHost: string, redisUrl: string): Promise<AppProcess> => {
      const started = await startWorker({
        appId: APP_ID,
        privateKey: keys.privateKey,
        gheHost,
        redisUrl,
        env: { LEAKHOUND_JOB_LOCK_MS: '1500' },
      });
      processes.push(started);
      return started;
    };
    const fail = (processes: AppProcess[]) => (e: Error) =>
      assert.fail(`${e.message}\n${processes.map((p) => p.output.join('')).join('\n----\n')}`);

    it('receivers queue, a worker reviews, and a redelivery to another receiver is ignored', async () => {
      const { fake, head } = await fakeWithPullRequest(keys.publicKey);
      try {
        const receivers = [await receiver(fake.host, redis.url), await receiver(fake.host, redis.url)];
        const opened = webhook<Payload>('pull_request.opened');
        opened.pull_request.head.sha = head;
        const delivery = randomUUID();
        const answer = await sendWebhook(receivers[0]!.port, SECRET, 'pull_request', opened, { delivery });
        assert.equal(answer.status, 200);
        assert.equal(fake.checkRuns.length, 0, 'the receiver does not run the review');
        assert.equal((await sendWebhook(receivers[1]!.port, SECRET, 'pull_request', opened, { delivery })).status, 200);
        const workers = [await worker(fake.host, redis.url)];
        await fake
          .waitFor(() => fake.reviews.length === 1 && fake.checkRuns.every((r) => r.status === 'completed'), 30_000, 'the review')
          .then(() => waitUntil(() => finishedRuns(workers[0]!) === 1, 10_000, 'the run to finish'))
          .catch(fail([...receivers, ...workers]));
        await sleep(500);
        assert.equal(fake.checkRuns.length, 1);
        assert.equal(fake.reviews.length, 1);
        assert.match(receivers[1]!.output.join(''), /ignored: delivery already handled/);
        assert.equal(finishedRuns(receivers[0]!) + finishedRuns(receivers[1]!), 0);
        assert.deepEqual(fake.violations, []);
        const ready = (await (await fetch(`http://127.0.0.1:${receivers[0]!.port}/ready`)).json()) as Record<string, unknown>;
        assert.equal(ready.ready, true);
        assert.equal(ready.degraded, undefined);
      } finally {
        await Promise.all(processes.splice(0).map((p) => p.stop()));
        await fake.stop();
      }
    });

    it('a worker killed mid-run loses nothing: another completes the same check run, and nothing is posted twice', async () => {
      const { fake, head } = await fakeWithPullRequest(keys.publicKey);
      fake.latencyMs = 150;
      try {
        const front = await receiver(fake.host, redis.url);
        const doomed = await worker(fake.host, redis.url);
        const opened = webhook<Payload>('pull_request.opened');
        opened.pull_request.head.sha = head;
        assert.equal((await sendWebhook(front.port, SECRET, 'pull_request', opened)).status, 200);
        await fake.waitFor(() => fake.checkRuns.length === 1, 20_000, 'the check run').catch(fail([front, doomed]));
        doomed.child.kill('SIGKILL');
        const survivor = await worker(fake.host, redis.url);
        await fake
          .waitFor(() => fake.reviews.length === 1 && fake.checkRuns.every((r) => r.status === 'completed'), 40_000, 'the retried run')
          .then(() => waitUntil(() => finishedRuns(survivor) === 1, 10_000, 'the run to finish'))
          .catch(fail([front, doomed, survivor]));
        assert.equal(fake.checkRuns.length, 1, 'the retry adopted the check run its predecessor created');
        assert.equal(fake.reviews.length, 1);
        assert.deepEqual(fake.violations, []);
      } finally {
        await Promise.all(processes.splice(0).map((p) => p.stop()));
        await fake.stop();
      }
    });

    it('without Redis a receiver handles deliveries itself, and /ready says it is degraded', async () => {
      const { fake, head } = await fakeWithPullRequest(keys.publicKey);
      const gone = await startRedis();
      await gone.stop();
      try {
        const front = await receiver(fake.host, gone.url);
        const opened = webhook<Payload>('pull_request.opened');
        opened.pull_request.head.sha = head;
        assert.equal((await sendWebhook(front.port, SECRET, 'pull_request', opened)).status, 200);
        await fake
          .waitFor(() => fake.reviews.length === 1 && fake.checkRuns.every((r) => r.status === 'completed'), 30_000, 'the review')
          .then(() => waitUntil(() => finishedRuns(front) === 1, 10_000, 'the run to finish'))
          .catch(fail([front]));
        assert.match(front.output.join(''), /could not queue the delivery .*: handling it in this process/);
        const res = await fetch(`http://127.0.0.1:${front.port}/ready`);
        const ready = (await res.json()) as { ready: boolean; degraded?: string[] };
        assert.equal(res.status, 200);
        assert.equal(ready.ready, true);
        assert.match(ready.degraded?.[0] ?? '', /^redis: Redis is unreachable/);
      } finally {
        await Promise.all(processes.splice(0).map((p) => p.stop()));
        await fake.stop();
      }
    });
  });
});

describe('leakhound worker', () => {
  it('refuses to start without Redis and the App credentials, and says what is missing', () => {
    const result = spawnSync(process.execPath, [CLI_ENTRY, 'worker'], {
      env: { PATH: process.env.PATH ?? '' },
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /set REDIS_URL, APP_ID and PRIVATE_KEY \(or PRIVATE_KEY_PATH\)/);
  });
});
