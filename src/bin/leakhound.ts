#!/usr/bin/env node
/** The executable behind `leakhound` (package.json `bin`): runs the CLI with the real process streams. */
import { main } from '../cli.js';

main(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`leakhound: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
