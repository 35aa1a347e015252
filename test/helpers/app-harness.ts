/** Shared set-up for the app's tests: an App key pair, a quiet logger, and clients for the fake GitHub. */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Probot, ProbotOctokit, type ApplicationFunction } from 'probot';
import type { GitHubClient } from '../../src/github/client.js';
import type { FakeGitHub } from './fake-github.js';

/** The App id the tests use. */
export const APP_ID = 4242;

/** An RSA key pair like the one GitHub issues for an App (PKCS#1 private key). */
export function appKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** A logger that drops everything (pino's interface, as far as the app uses it). */
export interface QuietLog {
  trace(): void;
  debug(): void;
  info(): void;
  warn(): void;
  error(): void;
  fatal(): void;
  child(): QuietLog;
}

/** The one {@link QuietLog}. */
export const quietLog: QuietLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child(): QuietLog {
    return quietLog;
  },
};

/** A Probot Octokit authenticated against the fake GitHub, without throttling or retries (fast tests). */
export function fakeClient(fake: FakeGitHub): GitHubClient {
  return new ProbotOctokit({
    auth: { token: fake.issueToken() },
    baseUrl: fake.baseUrl,
    throttle: { enabled: false },
    retry: { enabled: false },
    log: quietLog,
  }) as GitHubClient;
}

/** A webhook payload from fixtures/webhooks, deep-copied so a test may change it. */
export function webhook<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(process.cwd(), 'fixtures', 'webhooks', `${name}.json`), 'utf8')) as T;
}

/**
 * A Probot instance in this process, talking to the fake GitHub without Probot's write pacing (a
 * second between writes would only slow the tests; the end-to-end tests keep it), with `app` loaded.
 * `privateKey` must match the public key the fake was given; `retry` is passed to Octokit's retry
 * plugin (default: off).
 */
export async function inProcessProbot(
  fake: FakeGitHub,
  privateKey: string,
  app: ApplicationFunction,
  retry: object = { enabled: false },
): Promise<Probot> {
  const Octokit = ProbotOctokit.defaults((options: { throttle?: object }) => ({
    ...options,
    throttle: { ...(options.throttle ?? {}), enabled: false },
    retry,
  }));
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    baseUrl: fake.baseUrl,
    Octokit: Octokit as typeof ProbotOctokit,
    logLevel: 'fatal',
  });
  await probot.load(app);
  return probot;
}
