/**
 * Benchmark of the GitHub App: API requests per run and webhook-to-check-completed latency, for
 * pull requests of 1, 50 and 300 changed Go files in 1, 10 and 60 packages. It runs the real server
 * process (`npm start`'s compiled server) against the fake GitHub of the tests, with 50 ms added
 * to every answer, and sends signed webhooks over HTTP.
 *
 * Each scenario has two runs: the pull request is opened (every tenth changed file holds a leak),
 * then a push fixes one leak and adds another (one new comment, one thread resolved).
 *
 * Each scenario is repeated (`--repeat`, default 3, on fresh pull requests); the table shows the
 * median latency and the range.
 *
 *   npx tsc -p . --outDir .build/app && node .build/app/bench/app-requests.js [--latency 50] [--repeat 3] [--write]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ID, appKeys, webhook } from '../test/helpers/app-harness.js';
import { sendWebhook, startApp } from '../test/helpers/app-process.js';
import { FakeGitHub } from '../test/helpers/fake-github.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Scenario {
  readonly files: number;
  readonly packages: number;
}

interface Measurement {
  readonly scenario: Scenario;
  readonly run: 'opened' | 'push';
  readonly requests: number;
  readonly byOperation: Record<string, number>;
  /** Webhook sent → its HTTP answer received. */
  readonly answeredMs: number[];
  /** Webhook sent → the check run completed. */
  readonly latencyMs: number[];
  /** Webhook sent → the review posted (empty when the run posts none). */
  readonly reviewMs: number[];
  /** From the files' GraphQL answer to the head re-read: analysis and planning inside the app. */
  readonly analysisMs: number[];
  readonly comments: number;
  readonly resolved: number;
}

const SCENARIOS: readonly Scenario[] = [
  { files: 1, packages: 1 },
  { files: 50, packages: 10 },
  { files: 300, packages: 60 },
];
const SECRET = 'bench-secret';

function goFile(pkg: string, i: number, leak: 'leak' | 'fixed' | 'clean'): string {
  if (leak === 'clean') return `package ${pkg}\n\n// F${i} returns ${i}.\nfunc F${i}() int { return ${i} }\n`;
  const body =
    leak === 'leak'
      ? '\tctx, _ := context.WithTimeout(parent, time.Second)\n\treturn ctx.Err()\n'
      : '\tctx, cancel := context.WithTimeout(parent, time.Second)\n\tdefer cancel()\n\treturn ctx.Err()\n';
  return `package ${pkg}\n\nimport (\n\t"context"\n\t"time"\n)\n\n// F${i} does work ${i}.\nfunc F${i}(parent context.Context) error {\n${body}}\n`;
}

/** The base commit and the two pushes of a scenario's pull request. */
function snapshots(
  s: Scenario,
  rep: number,
): { base: Record<string, string>; first: Record<string, string>; second: Record<string, string> } {
  // The repetition in go.mod makes every repetition's commits new ones (the fake names a commit by its content).
  const base: Record<string, string> = { 'go.mod': `module example.com/bench\n\ngo 1.22\n\n// repetition ${rep}\n` };
  for (let p = 0; p < s.packages; p++) base[`pkg/p${p}/doc.go`] = `// Package p${p} is generated for the benchmark.\npackage p${p}\n`;
  const first = { ...base };
  const second = { ...base };
  for (let i = 0; i < s.files; i++) {
    const p = i % s.packages;
    const path = `pkg/p${p}/f${i}.go`;
    const leaky = i % 10 === 0;
    first[path] = goFile(`p${p}`, i, leaky ? 'leak' : 'clean');
    // The push fixes the first leak and adds one to the last file.
    second[path] = goFile(`p${p}`, i, i === 0 ? 'fixed' : leaky || (i === s.files - 1 && s.files > 1) ? 'leak' : 'clean');
  }
  if (s.files === 1) second['pkg/p0/extra.go'] = goFile('p0', 1, 'leak');
  return { base, first, second };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string', default: '50' },
      repeat: { type: 'string', default: '3' },
      write: { type: 'boolean', default: false },
    },
  });
  const latency = Number(values.latency);
  const repeat = Math.max(1, Number(values.repeat));
  const keys = appKeys();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey, latencyMs: latency });
  await fake.start();
  const app = await startApp({ appId: APP_ID, privateKey: keys.privateKey, secret: SECRET, gheHost: fake.host });
  const results: Measurement[] = [];
  try {
    // Warm up: the installation token is fetched once per hour, not per run; keep it out of the counts.
    let number = 100;
    for (let rep = 0; rep < repeat; rep++)
      for (const scenario of SCENARIOS) {
        const pullNumber = ++number;
        const snap = snapshots(scenario, rep);
        const base = fake.commit(snap.base);
        const first = fake.commit(snap.first);
        const second = fake.commit(snap.second);
        const pull = fake.openPull(pullNumber, base, first);
        for (const [run, sha] of [
          ['opened', first],
          ['push', second],
        ] as const) {
          pull.headSha = sha;
          const payload = webhook<Payload>(run === 'opened' ? 'pull_request.opened' : 'pull_request.synchronize');
          payload.number = pullNumber;
          payload.pull_request.number = pullNumber;
          payload.pull_request.head.sha = sha;
          const from = fake.requests.length;
          const reviewsBefore = fake.reviews.length;
          const resolvedBefore = fake.threads.filter((t) => t.isResolved).length;
          const completed = (): boolean => fake.checkRuns.some((r) => r.headSha === sha && r.status === 'completed');
          const reviewed = (): boolean => fake.reviews.length > reviewsBefore;
          const started = performance.now();
          const since = (): number => performance.now() - started;
          const [answeredMs, latencyMs, reviewMs] = await Promise.all([
            sendWebhook(app.port, SECRET, 'pull_request', payload).then(since),
            fake.waitFor(completed, 120_000, `the ${run} run of ${scenario.files} files`).then(since),
            fake.waitFor(reviewed, 120_000, `the review of the ${run} run`).then(since),
          ]);
          // Count the run's requests once it has ended (threads are resolved after the review), and let
          // the installation's write pacing forget it, so that each run is measured on its own.
          await untilQuiet(fake, 3000);
          const ops = fake.operations(from).filter((o) => o !== 'apps/create-installation-access-token');
          const byOperation: Record<string, number> = {};
          for (const o of ops) byOperation[o] = (byOperation[o] ?? 0) + 1;
          const newReviews = fake.reviews.slice(reviewsBefore) as { comments: unknown[] }[];
          const window = fake.requests.slice(from);
          const fetched = window.find((r) => r.operation === 'graphql:LeakhoundPackageFiles')?.at ?? 0;
          const reread = window.find((r) => r.operation === 'pulls/get')?.at ?? 0;
          const analysisMs = Math.max(0, reread - latency - fetched);
          const measured = {
            scenario,
            run,
            requests: ops.length,
            byOperation,
            answeredMs: [answeredMs],
            latencyMs: [latencyMs],
            reviewMs: [reviewMs],
            analysisMs: [analysisMs],
            comments: newReviews.reduce((n, r) => n + r.comments.length, 0),
            resolved: fake.threads.filter((t) => t.isResolved).length - resolvedBefore,
          };
          const same = results.find((r) => r.scenario === scenario && r.run === run);
          if (!same) results.push(measured);
          else if (same.requests !== measured.requests || same.comments !== measured.comments) throw new Error('a repetition differed');
          else {
            same.answeredMs.push(answeredMs);
            same.latencyMs.push(latencyMs);
            same.reviewMs.push(reviewMs);
            same.analysisMs.push(analysisMs);
          }
        }
      }
  } finally {
    await app.stop();
    await fake.stop();
  }
  if (fake.violations.length > 0) throw new Error(`invalid requests:\n${fake.violations.join('\n')}`);
  const markdown = report(results, latency, repeat);
  console.log(markdown);
  if (values.write) writeFileSync(join(process.cwd(), 'bench', 'RESULTS-app.md'), markdown);
}

function report(results: readonly Measurement[], latency: number, repeat: number): string {
  const lines = [
    '# GitHub App: requests per run and latency',
    '',
    `Measured by \`bench/app-requests.ts\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${process.platform}/${process.arch}):`,
    `the real server process (\`npm start\`) against the fake GitHub of the tests with ${latency} ms added to every answer,`,
    'driven by signed webhooks. Every tenth changed file holds a leak; the second run is a push that fixes one leak and',
    'adds one. The installation token (one request per installation per hour) is not counted. Runs are measured one at a',
    'time, three quiet seconds apart, so the write pacing of one run does not delay the next.',
    `Latencies: median of ${repeat} runs (min–max), from sending the webhook to its HTTP answer, to GitHub receiving the`,
    'completed check run, and to GitHub receiving the review.',
    '',
    '"analysis" is the time between the GraphQL answer with the files and the head re-read that follows it.',
    '',
    '| Go files | packages | run | requests | target 8 + ⌈files/100⌉ | comments | threads resolved | webhook answered | webhook → check completed | webhook → review posted | analysis |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const target = 8 + Math.ceil(r.scenario.files / 100);
    lines.push(
      `| ${r.scenario.files} | ${r.scenario.packages} | ${r.run} | ${r.requests} | ${target} | ${r.comments} | ${r.resolved} | ${seconds(r.answeredMs)} | ${seconds(r.latencyMs)} | ${seconds(r.reviewMs)} | ${Math.round(median(r.analysisMs))} ms |`,
    );
  }
  lines.push('', 'Requests by operation:', '');
  for (const r of results) {
    const ops = Object.entries(r.byOperation)
      .map(([o, n]) => `${o} ×${n}`)
      .join(', ');
    lines.push(`- ${r.scenario.files} files / ${r.scenario.packages} packages, ${r.run}: ${ops}`);
  }
  lines.push(
    '',
    'Only content-creating requests are paced (src/github/pacing.ts): a second between the writes of one installation,',
    'three between notifying ones such as reviews. The check run is completed before the review is posted.',
    '',
    `Command: \`npx tsc -p . --outDir .build/app && node .build/app/bench/app-requests.js --latency ${latency} --repeat ${repeat} --write\``,
    '',
  );
  return lines.join('\n');
}

/** Resolves once the fake GitHub has received no request for `ms` milliseconds. */
async function untilQuiet(fake: FakeGitHub, ms: number): Promise<void> {
  for (;;) {
    const seen = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (fake.requests.length === seen) return;
  }
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function seconds(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  return sorted.length > 1 ? `${s(median(sorted))} s (${s(sorted[0] ?? 0)}–${s(sorted.at(-1) ?? 0)})` : `${s(median(sorted))} s`;
}

await main();
