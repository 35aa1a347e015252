/**
 * Issue #10, item 12: how long a small pull request's analysis waits behind a heavy one (ten Go
 * files of 2.8 MB) in the App's analysis worker. The small one (one file, another installation)
 * is submitted 200 ms after the heavy one starts.
 *
 * - `before`: one analysis at a time, whole (what the pool did before slices: `sliceBytes: Infinity`).
 * - `after`: the server's pool (`serverPoolOptions()`: two workers on two cores, slices of about
 *   1 MiB of whole packages, installations taking turns, a 120 s / 32 MiB budget per run), heavy
 *   files in ten packages.
 * - `after, one package`: the same, the ten heavy files in one package (a package is never split:
 *   one slice; the other worker serves the small one).
 * - `after, one worker, one package`: the worst case: one slice, bounded by the run's budget.
 *
 * Usage: npm run build && node dist/bench/hardening/small-pr-wait.js [--repeat 3]
 */
import { parseArgs } from 'node:util';
import type { SourceFile } from '../../src/model.js';
import { AnalysisPool, type PoolOptions } from '../../src/analysis/pool.js';
import { serverPoolOptions } from '../../src/index.js';

const { values } = parseArgs({ options: { repeat: { type: 'string' } } });
const repeat = Number(values.repeat ?? '3');

/** A leak-free Go file of about `bytes` bytes in package `pkg`: ordinary loops, maps and formatting. */
function heavyFile(pkg: string, bytes: number): string {
  let out = `package ${pkg}\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\ntype item struct {\n\tname string\n\tn    int\n}\n\n`;
  for (let i = 0; out.length < bytes; i++) {
    out +=
      `// F${i} joins the names of items over a threshold.\nfunc F${i}(items []item, min int) string {\n\tvar b strings.Builder\n` +
      `\tseen := make(map[string]bool, len(items))\n\tfor _, it := range items {\n\t\tif it.n < min || seen[it.name] {\n\t\t\tcontinue\n\t\t}\n` +
      `\t\tseen[it.name] = true\n\t\tfmt.Fprintf(&b, "%s=%d,", it.name, it.n)\n\t}\n\treturn b.String()\n}\n\n`;
  }
  return out;
}

const SIZE = 2.8e6;
const tenPackages: SourceFile[] = Array.from({ length: 10 }, (_, i) => ({ path: `heavy/p${i}/big.go`, content: heavyFile(`p${i}`, SIZE) }));
const onePackage: SourceFile[] = Array.from({ length: 10 }, (_, i) => ({
  path: `heavy/p/big${i}.go`,
  content: heavyFile('p', SIZE)
    .replace(/func F(\d+)\(/g, `func F${i}_$1(`)
    .replace('type item struct', i === 0 ? 'type item struct' : `type item${i} struct`),
}));
const small: SourceFile[] = [{ path: 'small/a.go', content: 'package a\n\nfunc A(xs []int) []int {\n\treturn xs[:1]\n}\n' }];

async function once(options: PoolOptions, heavy: readonly SourceFile[]): Promise<{ smallMs: number; heavyMs: number }> {
  const pool = new AnalysisPool(options);
  try {
    await pool.analyze(small, {}, { tenant: 'warm-up' });
    const start = performance.now();
    const heavyDone = pool.analyze(heavy, {}, { tenant: 'big-org' }).then(() => performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const smallStart = performance.now();
    const smallMs = await pool.analyze(small, {}, { tenant: 'small-org' }).then(() => performance.now() - smallStart);
    return { smallMs, heavyMs: await heavyDone };
  } finally {
    await pool.close();
  }
}

const server = serverPoolOptions();
const modes: Array<[string, PoolOptions, readonly SourceFile[]]> = [
  ['before (whole analyses, first come first served)', { sliceBytes: Infinity }, tenPackages],
  ['after (slices, turns), ten packages', server, tenPackages],
  ['after, the ten files in one package', server, onePackage],
  ['after, one worker, the ten files in one package', { ...server, size: 1 }, onePackage],
];
console.log(`| mode | small PR waits (ms, median of ${repeat}) | heavy PR takes (ms) |\n|---|---:|---:|`);
for (const [label, options, heavy] of modes) {
  const runs = [];
  for (let i = 0; i < repeat; i++) runs.push(await once(options, heavy));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`| ${label} | ${Math.round(median(runs.map((r) => r.smallMs)))} | ${Math.round(median(runs.map((r) => r.heavyMs)))} |`);
}
