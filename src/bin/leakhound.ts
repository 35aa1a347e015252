#!/usr/bin/env node
/** The executable behind `leakhound` (package.json `bin`): runs the CLI with the real process streams. */
import { main } from '../cli.js';

const args = process.argv.slice(2);
const err = (s: string): boolean => process.stderr.write(s);
// `leakhound worker` is a long-running process of the App, not an analysis: it has its own entry.
const run =
  args[0] === 'worker' && args.length === 1
    ? import('./worker.js').then(({ runWorker }) => runWorker(err))
    : main(args, {
        cwd: process.cwd(),
        out: (s) => process.stdout.write(s),
        err,
      });
run.then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`leakhound: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
