/**
 * CLI start-up for one small file (issue #15: ≤ 0.2 s): wall time of `leakhound check a.go` on a
 * one-function file, run 11 times after one warm-up, with bare `node -e 0` beside it.
 *
 *   npm run build && node dist/bench/startup.js
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/bin/leakhound.js', import.meta.url));
const RUNS = 11;

function wallMs(args: string[], cwd: string): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return performance.now() - started;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(0)} ms (min ${at(0).toFixed(0)}, max ${at(1).toFixed(0)})`;
}

const dir = mkdtempSync(join(tmpdir(), 'leakhound-startup-'));
try {
  writeFileSync(join(dir, 'go.mod'), 'module example.com/s\n\ngo 1.22\n');
  writeFileSync(join(dir, 'a.go'), 'package s\n\n// F returns one.\nfunc F() int { return 1 }\n');
  const measure = (args: string[]): number[] => {
    wallMs(args, dir);
    return Array.from({ length: RUNS }, () => wallMs(args, dir));
  };
  console.log(`node -e 0:                 ${summary(measure(['-e', '0']))}`);
  console.log(`leakhound check a.go:      ${summary(measure([CLI, 'check', 'a.go']))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
