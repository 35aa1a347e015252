/**
 * Fleet benchmark (#14): the App under a burst of real-looking traffic, with processes killed
 * mid-run, in the fleet mode (Redis, `--receivers` receiver replicas, `--workers` workers) or the
 * single-process default (`--mode single`: one server, no Redis). Everything runs on loopback
 * against the fake GitHub of the tests, 50 ms added to every answer.
 *
 * Traffic (`--seconds`, default 60): `--prs` pull requests (default 100) over `--installations`
 * (default 30) are opened in the first 40% of the time; ten of them get five pushes each, 150 ms
 * apart (rapid pushes); the others get one push each later; 20% of all webhooks are redeliveries
 * (same delivery id) sent to a different replica. Every commit adds a file with one new leak, so
 * every run that reaches its review posts one. At 35% of the time one receiver is killed with
 * SIGKILL and restarted 3 s later; at 50%, one worker (the server, in single mode). A webhook sent
 * to a dead replica goes to the next one, as a load balancer does (in single mode, to the same
 * server once it is back). `--no-kill` leaves every process alone.
 *
 * Reported: for each pull request's final head, its completed check runs and reviews (exactly one
 * each expected); comments posted twice on one line of one pull request; check runs left
 * in_progress; pull requests whose final head was never reviewed (lost events); webhook answer
 * time and webhook → check completed p50/p95 (from the first webhook of a head to its check run's
 * completion, over the heads that got one).
 *
 *   npx tsc -p . --outDir .build/app && node .build/app/bench/fleet.js [--mode fleet|single] [--no-kill] [--seconds 60] [--limit 400]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ID, appKeys, webhook } from '../test/helpers/app-harness.js';
import { freePort, sendWebhook, startApp, startWorker, type AppProcess } from '../test/helpers/app-process.js';
import { FakeGitHub } from '../test/helpers/fake-github.js';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';
import { percentile } from './app-load.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 'fleet-secret';
const GO_MOD = 'module example.com/fleet\n\ngo 1.22\n';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Go file with one leak (an uncalled cancel), distinct per pull request and commit. */
function leakyFile(pr: number, commit: number): string {
  return `package p${pr}\n\nimport (\n\t"context"\n\t"time"\n)\n\n// F${commit} does work ${commit}.\nfunc F${commit}(parent context.Context) error {\n\tctx, _ := context.WithTimeout(parent, time.Second)\n\treturn ctx.Err()\n}\n`;
}

/** A small deterministic random source (mulberry32), so every run sends the same traffic. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One webhook to send: a new delivery (opened or a push), or a redelivery of an earlier one. */
interface Send {
  readonly at: number;
  readonly pr: number;
  readonly kind: 'opened' | 'push' | 'redelivery';
  /** For a push: the commit's number on its pull request (0 is the opened head). */
  readonly commit: number;
  /** For a redelivery: the send it repeats (always an earlier one). */
  readonly of?: Send;
}

/** The traffic: opened, rapid pushes, single pushes, then 20% redeliveries, in time order. */
function plan(prs: number, seconds: number): Send[] {
  const rand = random(14);
  const ms = seconds * 1000;
  const sends: Send[] = [];
  for (let pr = 1; pr <= prs; pr++) sends.push({ at: ((pr - 1) / prs) * ms * 0.4, pr, kind: 'opened', commit: 0 });
  for (let pr = 1; pr <= prs; pr++) {
    const opened = sends[pr - 1]!.at;
    if (pr <= 10) {
      const from = opened + 5000 + rand() * ms * 0.3;
      for (let k = 1; k <= 5; k++) sends.push({ at: from + (k - 1) * 150, pr, kind: 'push', commit: k });
    } else {
      sends.push({ at: Math.min(ms * 0.95, opened + ms * 0.3 + rand() * ms * 0.3), pr, kind: 'push', commit: 1 });
    }
  }
  const fresh = sends.length;
  const redeliveries = Math.round(fresh / 4); // 20% of the total
  for (let i = 0; i < redeliveries; i++) {
    const of = sends[Math.floor(rand() * fresh)]!;
    sends.push({ at: Math.min(ms, of.at + 500 + rand() * 4500), pr: of.pr, kind: 'redelivery', commit: of.commit, of });
  }
  return sends.sort((a, b) => a.at - b.at);
}

/** How many check runs ended how: "superseded" for those completed in place of a run that did not happen. */
function conclusions(runs: readonly FakeGitHub['checkRuns'][number][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const run of runs) {
    const how = run.output.title === 'Superseded' ? 'superseded' : (run.conclusion ?? run.status);
    counts.set(how, (counts.get(how) ?? 0) + 1);
  }
  return counts;
}

/** A slot of the fleet: a process that can be killed and started again (same port, same state directory). */
interface Slot {
  current: AppProcess;
  readonly restart: () => Promise<void>;
  alive: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'fleet' },
      seconds: { type: 'string', default: '60' },
      prs: { type: 'string', default: '100' },
      installations: { type: 'string', default: '30' },
      receivers: { type: 'string', default: '3' },
      workers: { type: 'string', default: '2' },
      latency: { type: 'string', default: '50' },
      limit: { type: 'string', default: '400' },
      'no-kill': { type: 'boolean', default: false },
    },
  });
  const fleet = values.mode !== 'single';
  const seconds = Number(values.seconds);
  const prs = Number(values.prs);
  const installations = Number(values.installations);
  const slots: Slot[] = [];
  let redis: RedisServer | undefined;
  const keys = appKeys();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey, latencyMs: Number(values.latency) });
  const stateRoot = mkdtempSync(join(tmpdir(), 'leakhound-fleet-'));
  const stopAll = async (): Promise<void> => {
    await Promise.all(slots.map((slot) => slot.current.stop()));
    await redis?.stop();
    await fake.stop();
    rmSync(stateRoot, { recursive: true, force: true });
  };
  setTimeout(
    () => {
      console.error(`hard limit of ${values.limit} s reached: stopping`);
      for (const slot of slots) slot.current.child.kill('SIGKILL');
      void redis?.stop();
      process.exit(2);
    },
    Number(values.limit) * 1000,
  ).unref();

  await fake.start();
  if (fleet) redis = await startRedis();
  const common = { appId: APP_ID, privateKey: keys.privateKey, gheHost: fake.host };
  const slot = async (index: number, start: (env: Record<string, string>) => Promise<AppProcess>): Promise<Slot> => {
    // A restarted process finds its predecessor's open check runs (and completes them) in the same directory.
    const env = { LEAKHOUND_STATE_DIR: join(stateRoot, String(index)) };
    const made: Slot = { current: await start(env), alive: true, restart: async () => undefined };
    return Object.assign(made, {
      restart: async () => {
        made.current = await start(env);
        made.alive = true;
      },
    });
  };
  const receiverCount = fleet ? Number(values.receivers) : 1;
  for (let i = 0; i < receiverCount; i++) {
    const port = await freePort();
    slots.push(
      await slot(i, (env) => startApp({ ...common, port, secret: SECRET, env: { ...env, ...(redis ? { REDIS_URL: redis.url } : {}) } })),
    );
  }
  const receivers = slots.slice();
  const workers: Slot[] = [];
  for (let i = 0; fleet && i < Number(values.workers); i++) {
    const worker = await slot(100 + i, (env) =>
      startWorker({ ...common, redisUrl: redis?.url ?? '', env: { ...env, LEAKHOUND_JOB_LOCK_MS: '5000' } }),
    );
    workers.push(worker);
    slots.push(worker);
  }

  // The repository: every pull request starts from one base; heads[pr][k] is its k-th commit.
  const base = fake.commit({ 'go.mod': GO_MOD });
  const heads = new Map<number, string[]>();
  const files = new Map<number, Record<string, string>>();
  const headOf = (pr: number, commit: number): string => {
    const list = heads.get(pr) ?? [];
    while (list.length <= commit) {
      const next = { ...(files.get(pr) ?? { 'go.mod': GO_MOD }), [`p${pr}/f${list.length}.go`]: leakyFile(pr, list.length) };
      files.set(pr, next);
      list.push(fake.commit(next));
    }
    heads.set(pr, list);
    return list[commit]!;
  };
  const template = webhook<Payload>('pull_request.opened');
  const sends = plan(prs, seconds);
  /** Per send of a new delivery: its id, payload, and the replica that took it (once answered). */
  const sent = new Map<Send, { readonly delivery: string; readonly payload: Payload; readonly replica: Promise<number> }>();
  const firstSent = new Map<string, number>(); // head → when its first webhook was sent
  const answers: number[] = [];
  let unanswered = 0;
  /** Sends that found their replica dead (or refusing) and went to another. */
  let failovers = 0;
  let rr = 0;

  /** Sends to a replica; a dead one's webhooks go to the next (single mode: wait for the server to return). */
  const deliver = async (payload: Payload, delivery: string, avoid?: number): Promise<number> => {
    const deadline = performance.now() + 60_000;
    let first = true;
    let index = (avoid !== undefined ? avoid + 1 : rr++) % receivers.length;
    for (;;) {
      const target = receivers[index]!;
      if (target.alive) {
        const sent = performance.now();
        try {
          const res = await sendWebhook(target.current.port, SECRET, 'pull_request', payload, { delivery });
          if (res.status < 300) {
            answers.push(performance.now() - sent);
            return index;
          }
        } catch {
          // killed between the look and the send
        }
      }
      if (first) failovers++;
      first = false;
      if (performance.now() > deadline) {
        unanswered++;
        return index;
      }
      index = (index + 1) % receivers.length;
      await sleep(receivers.length === 1 ? 200 : 20);
    }
  };

  // Check-run completion times, sampled every 20 ms.
  const completedAt = new Map<number, number>();
  const sampler = setInterval(() => {
    for (const run of fake.checkRuns)
      if (run.status === 'completed' && !completedAt.has(run.id)) completedAt.set(run.id, performance.now());
  }, 20);

  // Warm-up: one token per installation, not measured (tokens last an hour).
  const warm = fake.commit({ 'go.mod': GO_MOD, 'w/w.go': 'package w\n' });
  for (let i = 0; i < installations; i++) {
    fake.openPull(10_000 + i, base, warm);
    const payload = structuredClone(template);
    payload.number = payload.pull_request.number = 10_000 + i;
    payload.pull_request.head.sha = warm;
    payload.installation.id = 20_000 + i;
    await deliver(payload, `warm-${i}`);
  }
  await fake.waitFor(() => fake.checkRuns.filter((r) => r.status === 'completed').length >= installations, 120_000, 'the warm-up');
  const warmRuns = new Set(fake.checkRuns.map((r) => r.id));
  const warmReviews = fake.reviews.length;

  const started = performance.now();
  const kills: string[] = [];
  const killAndRestart = async (target: Slot, what: string): Promise<void> => {
    const inProgress = fake.checkRuns.filter((r) => r.status === 'in_progress').length;
    target.alive = false;
    target.current.child.kill('SIGKILL');
    kills.push(`${what} killed at ${((performance.now() - started) / 1000).toFixed(1)} s with ${inProgress} check runs in progress`);
    await sleep(3000);
    await target.current.stop();
    await target.restart();
  };
  const chaos = values['no-kill']
    ? []
    : [
        sleep(seconds * 350).then(() => (fleet ? killAndRestart(receivers[0]!, 'receiver 0') : undefined)),
        sleep(seconds * 500).then(() => killAndRestart(fleet ? workers[0]! : receivers[0]!, fleet ? 'worker 0' : 'the server')),
      ];
  const inFlight: Promise<unknown>[] = [];
  for (const [i, send] of sends.entries()) {
    await sleep(Math.max(0, started + send.at - performance.now()));
    const original = send.of ? sent.get(send.of) : undefined;
    if (original) {
      // To another replica than the one that took the original (a redelivery is routed anew).
      inFlight.push(original.replica.then((replica) => deliver(original.payload, original.delivery, fleet ? replica : undefined)));
      continue;
    }
    const head = headOf(send.pr, send.commit);
    if (send.kind === 'opened') fake.openPull(send.pr, base, head);
    else {
      const pull = fake.pulls.get(send.pr);
      if (pull) pull.headSha = head;
    }
    const payload = structuredClone(template);
    payload.action = send.kind === 'opened' ? 'opened' : 'synchronize';
    payload.number = payload.pull_request.number = send.pr;
    payload.pull_request.head.sha = head;
    payload.installation.id = 20_000 + (send.pr % installations);
    const delivery = `d-${i}-${send.pr}-${send.commit}`;
    if (!firstSent.has(head)) firstSent.set(head, performance.now());
    const replica = deliver(payload, delivery);
    sent.set(send, { delivery, payload, replica });
    inFlight.push(replica);
  }
  await Promise.all([...inFlight, ...chaos]);
  const sentFor = (performance.now() - started) / 1000;

  // Quiet: every final head reviewed and nothing in progress, or two minutes at most.
  const finals = new Map([...heads].map(([pr, list]) => [pr, list.at(-1)!]));
  const reviewedHead = (pr: number, head: string): boolean => fake.reviews.some((r) => r.pullNumber === pr && r.commitId === head);
  await fake
    .waitFor(
      () => [...finals].every(([pr, head]) => reviewedHead(pr, head)) && fake.checkRuns.every((r) => r.status === 'completed'),
      120_000,
      'quiet',
    )
    .catch(() => undefined);
  await sleep(3000);
  clearInterval(sampler);
  const wall = (performance.now() - started) / 1000;

  const runs = fake.checkRuns.filter((r) => !warmRuns.has(r.id));
  const reviews = fake.reviews.slice(warmReviews);
  let finalOk = 0;
  const wrong: string[] = [];
  for (const [pr, head] of finals) {
    const completed = runs.filter((r) => r.headSha === head && r.status === 'completed').length;
    const posted = reviews.filter((r) => r.pullNumber === pr && r.commitId === head).length;
    if (completed === 1 && posted === 1) finalOk++;
    else wrong.push(`#${pr}: ${completed} completed check runs, ${posted} reviews on its final head`);
  }
  const lines = new Map<string, number>();
  for (const review of reviews) {
    for (const comment of review.comments) {
      const key = `${review.pullNumber}:${comment.path}:${comment.line}`;
      lines.set(key, (lines.get(key) ?? 0) + 1);
    }
  }
  const duplicates = [...lines.values()].filter((n) => n > 1).length;
  const inProgress = runs.filter((r) => r.status !== 'completed').length;
  const lost = [...finals].filter(([pr, head]) => !reviewedHead(pr, head)).length;
  const latencies = runs
    .filter((r) => completedAt.has(r.id) && firstSent.has(r.headSha))
    .map((r) => completedAt.get(r.id)! - firstSent.get(r.headSha)!)
    .sort((a, b) => a - b);
  const sortedAnswers = [...answers].sort((a, b) => a - b);
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const report = [
    `mode: ${fleet ? `fleet (Redis, ${receivers.length} receivers, ${workers.length} workers)` : 'single process'}; ${Number(values.latency)} ms per GitHub request`,
    `webhooks: ${sends.length} (${sends.filter((x) => x.kind === 'redelivery').length} redeliveries) over ${sentFor.toFixed(1)} s, ${prs} pull requests, ${installations} installations; failed-over sends: ${failovers}; never answered: ${unanswered}`,
    ...kills,
    `final heads with exactly one completed check run and one review: ${finalOk} of ${finals.size}`,
    `duplicate comments: ${duplicates}; check runs left in progress: ${inProgress}; lost events (final head never reviewed): ${lost}`,
    `check runs: ${runs.length} (${[...conclusions(runs)].map(([c, n]) => `${n} ${c}`).join(', ')}); reviews: ${reviews.length}`,
    `webhook answered: p50 ${s(percentile(sortedAnswers, 50))}, p95 ${s(percentile(sortedAnswers, 95))}`,
    `webhook → check completed: p50 ${s(percentile(latencies, 50))}, p95 ${s(percentile(latencies, 95))}, max ${s(latencies.at(-1) ?? NaN)} (${latencies.length} heads)`,
    `wall: ${wall.toFixed(1)} s; GitHub requests: ${fake.requests.length}; schema violations: ${fake.violations.length}`,
    ...wrong.slice(0, 10),
  ];
  console.log(report.join('\n'));
  await stopAll();
  if (duplicates > 0 || inProgress > 0 || lost > 0 || fake.violations.length > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
