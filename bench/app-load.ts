/**
 * Load benchmark of the GitHub App: the real server process (`npm start`'s compiled server, its
 * analysis in the worker process of src/analysis/pool.ts) against the fake GitHub of the tests on
 * 127.0.0.1, driven by signed `pull_request.opened` webhooks: `--webhooks` of them spread evenly
 * over `--seconds`, at most `--concurrency` runs in flight. Every webhook is its own pull request
 * (one Go file with one leak, so each run posts a review), spread round-robin over
 * `--installations` installations (default = concurrency), because Probot paces writes per
 * installation (one a second, three seconds between reviews): on one installation, 200 runs would
 * queue behind each other for minutes. One unmeasured run per installation first fetches its token
 * (the App's token requests are paced too, and a token lasts an hour).
 *
 * Reports whether every webhook ended with a completed check run, p50/p95/max latency from sending
 * the webhook to the check run's completion, and the peak RSS of the server process and of its
 * analysis worker (sampled from /proc every 100 ms). Stops by itself: each run must complete
 * within `--timeout` seconds, and the whole bench is killed after `--limit` seconds (default 300).
 *
 *   npx tsc -p . --outDir .build/bench && node .build/bench/bench/app-load.js [--webhooks 200] [--seconds 60] [--concurrency 20] [--installations 20]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { APP_ID, appKeys, webhook } from '../test/helpers/app-harness.js';
import { sendWebhook, startApp, type AppProcess } from '../test/helpers/app-process.js';
import { FakeGitHub } from '../test/helpers/fake-github.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 'load-secret';

/** rssOf returns the resident set size of a process in bytes (Linux /proc), or 0. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** childrenOf lists the direct child processes of `pid` (the analysis worker of the server). */
export function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}

/** A Go file with one leak (an uncalled cancel), distinct per pull request. */
export function leakyFile(i: number): string {
  return `package p${i}\n\nimport (\n\t"context"\n\t"time"\n)\n\n// F${i} does work ${i}.\nfunc F${i}(parent context.Context) error {\n\tctx, _ := context.WithTimeout(parent, time.Second)\n\treturn ctx.Err()\n}\n`;
}

/** The load generator shared with bench/app-soak.ts. */
export interface Load {
  readonly fake: FakeGitHub;
  readonly app: AppProcess;
  /** Opens pull request `n` on `installation` and sends its webhook; resolves with the latency to the completed check run. */
  run(n: number, installation: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** startLoad starts the fake GitHub and the server. */
export async function startLoad(env: Readonly<Record<string, string>> = {}): Promise<Load> {
  const keys = appKeys();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  await fake.start();
  const app = await startApp({ appId: APP_ID, privateKey: keys.privateKey, secret: SECRET, gheHost: fake.host, env });
  const base = fake.commit({ 'go.mod': 'module example.com/load\n\ngo 1.22\n' });
  const template = webhook<Payload>('pull_request.opened');
  // Check runs by external id, indexed as the fake adds them: waitFor checks its predicate after
  // every request, and scanning thousands of check runs for every waiting run made the soak quadratic.
  const byExternalId = new Map<string, FakeGitHub['checkRuns'][number]>();
  let indexed = 0;
  const checkRunOf = (externalId: string): FakeGitHub['checkRuns'][number] | undefined => {
    for (; indexed < fake.checkRuns.length; indexed++) {
      const r = fake.checkRuns[indexed];
      if (r?.externalId !== undefined) byExternalId.set(r.externalId, r);
    }
    return byExternalId.get(externalId);
  };
  return {
    fake,
    app,
    async run(n, installation, timeoutMs) {
      const head = fake.commit({ 'go.mod': 'module example.com/load\n\ngo 1.22\n', [`p${n}/p.go`]: leakyFile(n) });
      fake.openPull(n, base, head);
      const payload = structuredClone(template);
      payload.number = n;
      payload.pull_request.number = n;
      payload.pull_request.head.sha = head;
      payload.installation.id = 10_000 + installation;
      const started = performance.now();
      const res = await sendWebhook(app.port, SECRET, 'pull_request', payload);
      if (res.status >= 300) throw new Error(`webhook ${n} answered ${res.status}`);
      await fake.waitFor(() => checkRunOf(String(n))?.status === 'completed', timeoutMs, `the check run of pull request ${n}`);
      return performance.now() - started;
    },
    async stop() {
      await app.stop();
      await fake.stop();
    },
  };
}

/** percentile of sorted samples (nearest rank). */
/**
 * The hard time limit of a whole bench (start, warm-up, load, stop): after `seconds` the server is
 * killed and the bench exits with status 2, whatever it was waiting for.
 */
export function armHardLimit(seconds: number, current: () => Load | undefined): void {
  setTimeout(() => {
    console.error(`hard limit of ${seconds} s reached: stopping`);
    current()?.app.child.kill('SIGKILL');
    process.exit(2);
  }, seconds * 1000).unref();
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** MB formats bytes as mebibytes. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      webhooks: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '20' },
      timeout: { type: 'string', default: '120' },
      installations: { type: 'string' },
      limit: { type: 'string', default: '300' },
    },
  });
  let load: Load | undefined = undefined;
  armHardLimit(Number(values.limit), () => load);
  const installations = Number(values.installations ?? values.concurrency);
  const total = Number(values.webhooks);
  const spacingMs = (Number(values.seconds) * 1000) / total;
  const concurrency = Number(values.concurrency);
  const timeoutMs = Number(values.timeout) * 1000;
  load = await startLoad();
  let warmRuns: number;
  let peakServer = 0;
  let peakWorker = 0;
  const sampler = setInterval(() => {
    const pid = load?.app.child.pid;
    peakServer = Math.max(peakServer, rssOf(pid));
    for (const child of childrenOf(pid)) peakWorker = Math.max(peakWorker, rssOf(child));
  }, 100);
  const latencies: number[] = [];
  const failures: string[] = [];
  let started: number;
  let inFlight = 0;
  let maxInFlight = 0;
  const slots: (() => void)[] = [];
  try {
    // Warm-up: one run per installation (its token), not measured.
    await Promise.all(Array.from({ length: installations }, (_, i) => load.run(100_000 + i, i, timeoutMs)));
    warmRuns = load.fake.checkRuns.length;
    started = performance.now();
    const runs: Promise<void>[] = [];
    for (let n = 1; n <= total; n++) {
      const due = started + (n - 1) * spacingMs;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      while (inFlight >= concurrency) await new Promise<void>((resolve) => slots.push(resolve));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      runs.push(
        load
          .run(n, n % installations, timeoutMs)
          .then((ms) => void latencies.push(ms))
          .catch((error: unknown) => void failures.push(`${n}: ${(error as Error).message.split('\n')[0] ?? ''}`))
          .finally(() => {
            inFlight--;
            slots.shift()?.();
          }),
      );
    }
    await Promise.all(runs);
  } finally {
    clearInterval(sampler);
    await load.stop();
  }
  const wall = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const measured = load.fake.checkRuns.slice(warmRuns);
  const completed = measured.filter((r) => r.status === 'completed').length;
  const lines = [
    `webhooks sent: ${total} over ${values.seconds} s (one every ${spacingMs.toFixed(0)} ms), at most ${concurrency} in flight (reached ${maxInFlight}); wall ${wall.toFixed(1)} s`,
    `installations: ${installations} (after one warm-up run each); check runs completed: ${completed} of ${measured.length} created; webhooks without a completed check run: ${failures.length}`,
    `latency webhook → check completed: p50 ${(percentile(sorted, 50) / 1000).toFixed(2)} s, p95 ${(percentile(sorted, 95) / 1000).toFixed(2)} s, max ${((sorted.at(-1) ?? NaN) / 1000).toFixed(2)} s`,
    `peak RSS: server ${mb(peakServer)}, analysis worker ${mb(peakWorker)}`,
    `requests to GitHub: ${load.fake.requests.length}; schema violations: ${load.fake.violations.length}`,
    ...failures.slice(0, 10).map((f) => `failed: ${f}`),
  ];
  console.log(lines.join('\n'));
  if (failures.length > 0 || load.fake.violations.length > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
