/**
 * Issue #10, item 1: peak RSS of the server under a stream of oversized webhook POSTs with a bogus
 * signature, sent over loopback (bounded: `--count` bodies of `--mb` MB, `--parallel` at a time,
 * streamed in 1 MB chunks without a Content-Length). leakhound's own server (`npm start`) refuses
 * each while it streams (413); `--probot` runs the same app under `probot run` instead, which reads
 * each body whole before checking its signature.
 *
 * Usage: npm run build && node dist/bench/hardening/oversized-posts.js [--count 8] [--mb 256] [--parallel 2] [--probot]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ID, appKeys } from '../../test/helpers/app-harness.js';
import { freePort, postOversized, SERVER_ENTRY } from '../../test/helpers/app-process.js';

const { values } = parseArgs({
  options: { count: { type: 'string' }, mb: { type: 'string' }, parallel: { type: 'string' }, probot: { type: 'boolean' } },
});
const count = Number(values.count ?? '8');
const megabytes = Number(values.mb ?? '256');
const parallel = Number(values.parallel ?? '2');

const port = await freePort();
const appEntry = SERVER_ENTRY.replace(/bin[/\\]server\.js$/, 'index.js');
// Run from the repository root (probot's package exports no path to its bin).
const probotBin = join(process.cwd(), 'node_modules', 'probot', 'bin', 'probot.js');
const args = values.probot ? [probotBin, 'run', appEntry] : [SERVER_ENTRY];
const child = spawn(process.execPath, args, {
  env: {
    PATH: process.env.PATH ?? '',
    APP_ID: String(APP_ID),
    PRIVATE_KEY: appKeys().privateKey,
    WEBHOOK_SECRET: 'bench-secret',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'fatal',
  },
  stdio: 'ignore',
});
const peakKiB = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN);

async function ping(): Promise<boolean> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/ping`)).text()) === 'PONG';
  } catch {
    return false;
  }
}

try {
  for (let tries = 0; !(await ping()); tries++) {
    if (tries > 200) throw new Error('the server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const before = peakKiB();
  const statuses: Array<number | string> = [];
  for (let i = 0; i < count; i += parallel) {
    statuses.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(parallel, count - i) }, (_, j) => postOversized(port, megabytes, { delivery: `oversized-${i + j}` })),
      )),
    );
  }
  const alive = await ping();
  console.log(
    `${values.probot ? 'probot run' : 'leakhound server'}: ${count} × ${megabytes} MB, ${parallel} at a time: ` +
      `peak RSS ${Math.round(before / 1024)} MB at start → ${Math.round(peakKiB() / 1024)} MB; ` +
      `answers ${[...new Set(statuses)].join(', ')}; /ping afterwards: ${alive ? 'PONG' : 'no answer'}`,
  );
} finally {
  child.kill('SIGKILL');
}
