import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory into the environment, as `probot run` does (the file wins
 * over the environment there too): Probot's setup flow writes the App's credentials to it.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) Object.assign(process.env, parseEnv(readFileSync(file, 'utf8')));
}

/** A positive number from an environment variable, or undefined when it is unset, zero, negative or not a number. */
export function envNumber(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = Number(env[name]);
  return env[name] && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Whether the environment holds the App's credentials (its id and private key). */
export function hasAppCredentials(env: NodeJS.ProcessEnv): boolean {
  return !!env.APP_ID && !!(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);
}

/**
 * The environment Probot is made from: REDIS_URL left out. Probot would put its throttling on Redis,
 * where its global group caps the whole fleet at 10 concurrent requests, and a receiver that handles
 * deliveries itself because Redis is away would see every request fail. The fleet's write pacing is
 * leakhound's own, on Redis in the workers (src/github/pacing.ts).
 */
export function probotEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.REDIS_URL;
  return copy;
}
