/**
 * Soak benchmark of the GitHub App: the load of bench/app-load.ts (the real server process, its
 * analysis worker, the fake GitHub on 127.0.0.1), `--webhooks` pull requests one after the other
 * with `--concurrency` in flight, spread round-robin over `--installations` installations so that
 * Probot's per-installation pacing does not dominate. After `--warmup` runs and at the end it lets
 * the runs drain, samples the RSS of the server and of its analysis worker, and takes a heap
 * snapshot of both (`--heapsnapshot-signal=SIGUSR2` in NODE_OPTIONS, which the worker inherits),
 * then counts the objects of the constructors a leak would show (trees, syntax nodes, parsers,
 * Octokit clients, child processes, ...) in each snapshot. Fails when an RSS grows by 10% or more
 * after the warm-up, or a run does not end with a completed check run. Stops by itself: every run
 * has `--timeout` seconds, the whole soak `--limit` seconds.
 *
 *   npx tsc -p . --outDir .build/bench && node .build/bench/bench/app-soak.js [--webhooks 5000] [--warmup 500] [--concurrency 50] [--installations 200]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { armHardLimit, childrenOf, mb, rssOf, startLoad, type Load } from './app-load.js';

/** Constructor names counted in the heap snapshots (exact names; see {@link countConstructors}). */
export const WATCHED = [
  'Tree',
  'SyntaxNode',
  'Parser',
  'Language',
  'TreeCursor',
  'Octokit',
  'OctokitWithDefaults',
  'Bottleneck',
  'Group',
  'ChildProcess',
  'Worker',
  'AbortController',
  'AbortSignal',
  'Socket',
];

/** The key under which {@link countConstructors} reports the live heap's size (the sum of every node's self size). */
export const HEAP_BYTES = '(live heap bytes)';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/** countConstructors parses a .heapsnapshot and counts its objects by constructor name (and sums the live heap's bytes). */
export function countConstructors(file: string): Map<string, number> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const counts = new Map<string, number>();
  let bytes = 0;
  for (let i = 0; i < heap.nodes.length; i += width) {
    bytes += heap.nodes[i + sizeAt] ?? 0;
    if (types[heap.nodes[i + typeAt] ?? -1] !== 'object') continue;
    const name = heap.strings[heap.nodes[i + nameAt] ?? -1] ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  counts.set(HEAP_BYTES, bytes);
  return counts;
}

/** The object count of a constructor and of its subclasses named `*<name>` (SyntaxNode: GoSyntaxNode, ...). */
function countOf(counts: Map<string, number>, name: string): number {
  let n = 0;
  for (const [k, v] of counts) if (k === name || (name === 'SyntaxNode' && k.endsWith('SyntaxNode'))) n += v;
  return n;
}

/** snapshot sends SIGUSR2 to `pid` and waits for its .heapsnapshot in `dir` to be complete. */
async function snapshot(pid: number, dir: string, timeoutMs = 120_000): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot') && f.includes(`.${pid}.`));
    if (file) {
      const size = statSync(join(dir, file)).size;
      if (size > 0 && size === last) {
        try {
          JSON.parse(readFileSync(join(dir, file), 'utf8'));
          return join(dir, file);
        } catch {
          // still being written
        }
      }
      last = size;
    }
    if (Date.now() > deadline) throw new Error(`no heap snapshot of ${pid} within ${timeoutMs} ms`);
  }
}

interface Checkpoint {
  readonly runs: number;
  readonly server: number;
  readonly worker: number;
  readonly serverHeap?: Map<string, number>;
  readonly workerHeap?: Map<string, number>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      webhooks: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '50' },
      installations: { type: 'string', default: '200' },
      timeout: { type: 'string', default: '120' },
      limit: { type: 'string', default: '1500' },
      every: { type: 'string', default: '500' },
      // 'false': no heap snapshots (taking one grows the process's RSS by itself, see RESULTS-hardening.md).
      snapshots: { type: 'string', default: 'true' },
    },
  });
  const total = Number(values.webhooks);
  const warmup = Number(values.warmup);
  const concurrency = Number(values.concurrency);
  const installations = Number(values.installations);
  const timeoutMs = Number(values.timeout) * 1000;
  const every = Number(values.every);
  const dir = mkdtempSync(join(tmpdir(), 'leakhound-soak-'));
  let load: Load | undefined = undefined;
  armHardLimit(Number(values.limit), () => load);
  load = await startLoad({ NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}` });
  const server = load.app.child.pid ?? 0;
  const workerPid = (): number => childrenOf(server)[0] ?? 0;
  const failures: string[] = [];
  const checkpoints: Checkpoint[] = [];
  const progressPoints: Checkpoint[] = [];
  let peakServer = 0;
  let peakWorker = 0;
  const sampler = setInterval(() => {
    peakServer = Math.max(peakServer, rssOf(server));
    peakWorker = Math.max(peakWorker, rssOf(workerPid()));
  }, 200);
  const started = performance.now();
  let done = 0;
  const measure = async (runs: number, heap: boolean): Promise<Checkpoint> => {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let timers and sockets settle
    const point: Checkpoint = { runs, server: rssOf(server), worker: rssOf(workerPid()) };
    if (!heap) return point;
    const worker = workerPid();
    const [serverFile, workerFile] = await Promise.all([snapshot(server, dir), snapshot(worker, dir)]);
    const withHeap = { ...point, serverHeap: countConstructors(serverFile), workerHeap: countConstructors(workerFile) };
    rmSync(serverFile);
    rmSync(workerFile);
    return withHeap;
  };
  try {
    // Runs in batches that drain at the checkpoints (warm-up, every `every`, the end).
    let next = 1;
    const stops = [...new Set([warmup, ...Array.from({ length: Math.floor(total / every) }, (_, i) => (i + 1) * every), total])]
      .filter((n) => n > 0 && n <= total)
      .sort((a, b) => a - b);
    for (const stop of stops) {
      const worker = async (): Promise<void> => {
        while (next <= stop) {
          const n = next++;
          try {
            await load?.run(n, n % installations, timeoutMs);
          } catch (error) {
            failures.push(`${n}: ${(error as Error).message.split('\n')[0] ?? ''}`);
          }
          done++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const heap = stop === warmup || stop === total;
      const point = await measure(stop, heap && values.snapshots !== 'false');
      if (heap) checkpoints.push(point);
      const line = `${stop} runs (${((performance.now() - started) / 1000).toFixed(0)} s): RSS server ${mb(point.server)}, worker ${mb(point.worker)}; failures ${failures.length}`;
      progressPoints.push(point);
      console.log(line);
    }
  } finally {
    clearInterval(sampler);
    await load.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const wall = (performance.now() - started) / 1000;
  const [warm, end] = checkpoints;
  const lines = [
    `soak: ${done} webhooks (${failures.length} without a completed check run), ${concurrency} in flight, ${installations} installations; wall ${wall.toFixed(0)} s (${(done / wall).toFixed(1)} runs/s)`,
  ];
  if (warm && end && warm !== end) {
    const growth = (a: number, b: number): string => `${(((b - a) / a) * 100).toFixed(1)}%`;
    lines.push(
      `RSS after ${warm.runs} runs → after ${end.runs}: server ${mb(warm.server)} → ${mb(end.server)} (${growth(warm.server, end.server)}), worker ${mb(warm.worker)} → ${mb(end.worker)} (${growth(warm.worker, end.worker)}); peak server ${mb(peakServer)}, worker ${mb(peakWorker)}`,
    );
    // Taking the warm-up snapshot costs the process memory of its own; the first checkpoint after it shows that apart.
    const after = values.snapshots === 'false' ? undefined : progressPoints.find((p) => p.runs > warm.runs && p.runs < end.runs);
    if (after) {
      lines.push(
        `RSS after ${after.runs} runs (first checkpoint after the warm-up snapshot) → after ${end.runs}: server ${mb(after.server)} → ${mb(end.server)} (${growth(after.server, end.server)}), worker ${mb(after.worker)} → ${mb(end.worker)} (${growth(after.worker, end.worker)})`,
      );
    }
    for (const side of ['server', 'worker'] as const) {
      const a = side === 'server' ? warm.serverHeap : warm.workerHeap;
      const b = side === 'server' ? end.serverHeap : end.workerHeap;
      if (!a || !b) continue;
      lines.push(`live heap (${side}): ${mb(a.get(HEAP_BYTES) ?? 0)} → ${mb(b.get(HEAP_BYTES) ?? 0)}`);
      lines.push(
        `heap objects (${side}, after ${warm.runs} → after ${end.runs}): ${WATCHED.map((n) => `${n} ${countOf(a, n)}→${countOf(b, n)}`).join(', ')}`,
      );
      const grown = [...b]
        .map(([name, count]) => [name, count - (a.get(name) ?? 0)] as const)
        .filter(([name, d]) => d > 0 && name !== HEAP_BYTES)
        .sort((x, y) => y[1] - x[1])
        .slice(0, 8);
      lines.push(`  most grown (${side}): ${grown.map(([n, d]) => `${n || '(anonymous)'} +${d}`).join(', ') || 'none'}`);
    }
    if (end.server >= warm.server * 1.1 || end.worker >= warm.worker * 1.1) {
      lines.push('FAIL: RSS grew by 10% or more after the warm-up');
      process.exitCode = 1;
    }
  }
  lines.push(`requests to GitHub: ${load.fake.requests.length}; schema violations: ${load.fake.violations.length}`);
  lines.push(...failures.slice(0, 10).map((f) => `failed: ${f}`));
  console.log(lines.join('\n'));
  if (failures.length > 0 || load.fake.violations.length > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
