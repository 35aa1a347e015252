/**
 * Starts the real app the way `npm start` does (the compiled src/bin/server.js) in a child
 * process pointed at the fake GitHub through GHE_HOST/GHE_PROTOCOL, and sends it signed webhooks
 * over HTTP. Shared by the end-to-end test and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running app process. */
export interface AppProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Its working directory (removed by stop). */
  readonly cwd: string;
  /** Everything the process printed (JSON log lines), for failure messages. */
  readonly output: string[];
  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and removes its working directory. */
  stop(): Promise<void>;
}

/** Options of {@link startApp}. */
export interface StartAppOptions {
  /** Without App id and key, Probot starts its setup flow instead of the app. */
  readonly appId?: number;
  readonly privateKey?: string;
  readonly secret?: string;
  /** host:port of the fake GitHub. */
  readonly gheHost?: string;
  /** More environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Files to put in the process's working directory (name → content), such as app.yml. */
  readonly files?: Readonly<Record<string, string>>;
  /** How long to wait for the server to answer /ping (default 20 s). */
  readonly startTimeoutMs?: number;
  /** The port to listen on (default: a free one). */
  readonly port?: number;
  /** The server script to run (default: this build's src/bin/server.js; an installed package's otherwise). */
  readonly entry?: string;
  /** Arguments after the script. */
  readonly args?: readonly string[];
  /** A process that serves no HTTP (a worker) is started once it prints a line matching this. */
  readonly readyLine?: RegExp;
}

/** The compiled server entry point, next to this helper's compiled output (works from dist/ and .build/app/). */
export const SERVER_ENTRY = fileURLToPath(new URL('../../src/bin/server.js', import.meta.url));
/** The compiled CLI entry point (`leakhound worker` runs through it). */
export const CLI_ENTRY = fileURLToPath(new URL('../../src/bin/leakhound.js', import.meta.url));

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * startApp runs the compiled server. The child gets a minimal environment (no
 * inherited tokens) and runs in an empty temporary directory, because Probot loads `.env` from its
 * working directory and lets it override the environment.
 */
export async function startApp(options: StartAppOptions): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const cwd = mkdtempSync(join(tmpdir(), 'leakhound-app-'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(cwd, name), content);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    ...(options.appId !== undefined ? { APP_ID: String(options.appId) } : {}),
    ...(options.privateKey !== undefined ? { PRIVATE_KEY: options.privateKey } : {}),
    ...(options.secret !== undefined ? { WEBHOOK_SECRET: options.secret } : {}),
    ...(options.gheHost !== undefined ? { GHE_HOST: options.gheHost, GHE_PROTOCOL: 'http' } : {}),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    // Open check runs are recorded in the process's own directory unless a test shares one across restarts.
    LEAKHOUND_STATE_DIR: join(cwd, 'state'),
    // No catch-up sweeps unless a test asks for them: they would add requests to every test's record.
    LEAKHOUND_CATCH_UP_EVERY_MS: '0',
    ...options.env,
  };
  const child = spawn(process.execPath, [options.entry ?? SERVER_ENTRY, ...(options.args ?? [])], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString('utf8')));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(cwd, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the app exited with ${child.exitCode}:\n${output.join('')}`);
    }
    if (options.readyLine) {
      if (options.readyLine.test(output.join(''))) break;
    } else {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ping`);
        if ((await res.text()) === 'PONG') break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the app did not start within the time allowed:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, child, cwd, output, stop };
}

/** Options of {@link startWorker}: those of {@link startApp} that a worker has. */
export type StartWorkerOptions = Omit<StartAppOptions, 'entry' | 'args' | 'readyLine' | 'port'> & { readonly redisUrl: string };

/** startWorker runs `leakhound worker` (the fleet mode's worker) against `redisUrl`. */
export function startWorker(options: StartWorkerOptions): Promise<AppProcess> {
  const { redisUrl, ...rest } = options;
  return startApp({
    ...rest,
    entry: CLI_ENTRY,
    args: ['worker'],
    readyLine: /leakhound worker started/,
    env: { REDIS_URL: redisUrl, ...options.env },
  });
}

/** sendWebhook delivers a signed webhook as GitHub does; `badSignature` signs with the wrong secret. */
export async function sendWebhook(
  port: number,
  secret: string,
  name: string,
  payload: unknown,
  options: { badSignature?: boolean; /** X-GitHub-Delivery (default: a new UUID); a redelivery reuses one. */ delivery?: string } = {},
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', options.badSignature ? `${secret}-wrong` : secret)
    .update(body)
    .digest('hex');
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': name,
      'x-github-delivery': options.delivery ?? randomUUID(),
      'x-hub-signature-256': `sha256=${signature}`,
      'user-agent': 'GitHub-Hookshot/test',
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/**
 * POSTs a body of `megabytes` MB to the webhook path, in 1 MB chunks, without a content-length
 * (chunked) unless `declare` is set, with a (wrong) signature. Resolves with the status, or with
 * 'reset' when the server closed the connection before answering.
 */
export async function postOversized(
  port: number,
  megabytes: number,
  options: { declare?: boolean; delivery?: string } = {},
): Promise<number | 'reset'> {
  const declare = options.declare === true;
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/github/webhooks',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': options.delivery ?? `large-${megabytes}-${String(declare)}`,
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        ...(declare ? { 'content-length': String(megabytes * chunk.length) } : {}),
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('reset'));
    let sent = 0;
    const write = (): void => {
      while (sent < megabytes) {
        sent++;
        if (req.destroyed || !req.write(chunk)) {
          if (!req.destroyed) req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

/** Polls `predicate` every 20 ms until it holds (for what no request to the fake GitHub signals, such as a log line). */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * How many runs the app process has ended (its "run finished" and "leakhound run failed" log lines;
 * a run ends after its review is posted), of one pull request when given.
 */
export function finishedRuns(app: AppProcess, pullNumber?: number): number {
  return app.output
    .join('')
    .split('\n')
    .filter(
      (line) =>
        (line.includes('"run finished"') || line.includes('leakhound run failed')) &&
        (pullNumber === undefined || line.includes(`#${pullNumber}"`)),
    ).length;
}
