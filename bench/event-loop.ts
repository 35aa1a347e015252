/**
 * Event-loop lag while a 300-file pull request is analysed (issue #6: under 100 ms), in-process
 * versus in the AnalysisPool's worker process, which is what the App uses.
 *
 * Usage: npm run build && node dist/bench/event-loop.js [--files 300]
 * The 300 files are real Go from the standard library sources of Debian's golang-src package.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze } from '../src/analysis/analyze.js';
import type { SourceFile } from '../src/model.js';
import { AnalysisPool } from '../src/analysis/pool.js';
import { isGenerated } from '../src/analysis/suppress.js';
import { RULES } from '../src/rules/index.js';

const { values } = parseArgs({ options: { files: { type: 'string' } } });
const count = Number(values.files ?? '300');
const root = readdirSync('/usr/share')
  .filter((d) => /^go-\d/.test(d))
  .map((d) => join('/usr/share', d, 'src'))
  .pop();
if (!root) throw new Error('needs the Go sources: apt-get install golang-src');

const files: SourceFile[] = [];
const visit = (dir: string): void => {
  for (const entry of readdirSync(dir).sort()) {
    if (files.length >= count) return;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'testdata') visit(path);
    } else if (entry.endsWith('.go')) {
      const content = readFileSync(path, 'utf8');
      if (!isGenerated(content)) files.push({ path: path.slice(root.length + 1), content });
    }
  }
};
visit(join(root, 'net'));

/** Runs work while a 5 ms ticker records how late each tick fires: the event loop's lag. */
async function measure(label: string, work: () => Promise<unknown>): Promise<void> {
  const lags: number[] = [];
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - last - 5));
    last = now;
  }, 5);
  const start = performance.now();
  await work();
  // Let one more tick land so a loop blocked until the very end is still counted.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const ms = performance.now() - start;
  clearInterval(ticker);
  lags.sort((a, b) => a - b);
  const at = (q: number): string => (lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0).toFixed(1);
  console.log(
    `${label.padEnd(30)} ${ms.toFixed(0).padStart(6)} ms total   lag p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${(lags[lags.length - 1] ?? 0).toFixed(1)} ms`,
  );
}

const megabytes = files.reduce((n, f) => n + f.content.length, 0) / 1024 / 1024;
console.log(`${files.length} files, ${megabytes.toFixed(1)} MB of Go (${root}/net)`);
await measure('in-process analyze', async () => analyze(files, RULES));
const pool = new AnalysisPool();
await measure('AnalysisPool, first run', () => pool.analyze(files));
await measure('AnalysisPool, warm worker', () => pool.analyze(files));
await pool.close();
