/**
 * A real redis-server for the fleet mode's tests (`.ci/run` installs the Debian package when it is
 * missing). Each call starts its own server on a free loopback port, without persistence.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './app-process.js';

/** Why the Redis tests cannot run here, or undefined when redis-server is installed. */
export const NO_REDIS = spawnSync('redis-server', ['--version']).error
  ? 'redis-server is not installed (`.ci/run` installs it; `apt-get install redis-server`)'
  : undefined;

/** A running redis-server. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Stops it (SIGKILL: nothing is persisted). */
  stop(): Promise<void>;
}

/** startRedis starts a redis-server (on `port` when given) and waits until it answers PING. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const url = `redis://127.0.0.1:${chosen}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${chosen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    port: chosen,
    child,
    stop: async () => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
