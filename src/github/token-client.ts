/**
 * The GitHub client of token mode (`leakhound review`): @octokit/rest with the same plugins Probot
 * gives the App (retries, throttling, the configuration reader), authenticated with a token the CI
 * already has, and hardened like the App's (a time limit per attempt, answers read whole).
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { config } from '@probot/octokit-plugin-config';
import { hardenClient, type GitHubClient, type RepoRef } from './client.js';
import { THROTTLE_WITHOUT_PACING, WritePacer } from './pacing.js';
import type { ConfigReader } from './config.js';

const TokenOctokit = Octokit.plugin(retry, throttling, config);

/** What the token client logs: rate-limit waits. */
export interface TokenClientLog {
  warn(message: string): void;
}

/** Options of {@link createTokenClient}. */
export interface TokenClientOptions {
  readonly token: string;
  /** The REST API's base URL (https://api.github.com, or GitHub Enterprise Server's https://host/api/v3). */
  readonly baseUrl: string;
  readonly userAgent: string;
  readonly log: TokenClientLog;
  /** The time limit of one attempt of a request (default 30 s). */
  readonly requestTimeoutMs?: number;
}

/** A token's client, and the configuration reader Probot gives the App (it follows `_extends`). */
export interface TokenClient {
  readonly octokit: GitHubClient;
  configReader(repo: RepoRef): ConfigReader;
}

/** A client for one token. Primary rate limits are waited out twice, as the App's are; secondary ones once. */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  const octokit = new TokenOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => options.log.warn(m),
      error: (m: string) => options.log.warn(m),
    },
    throttle: {
      ...THROTTLE_WITHOUT_PACING,
      onRateLimit: (retryAfter, request) => {
        options.log.warn(`rate limit reached on ${request.method} ${request.url}; waiting ${retryAfter} s`);
        return retriesSoFar(request) <= 2;
      },
      onSecondaryRateLimit: (retryAfter, request) => {
        options.log.warn(`secondary rate limit on ${request.method} ${request.url}; waiting ${retryAfter} s`);
        return retriesSoFar(request) < 1;
      },
    },
  });
  return {
    octokit: new WritePacer().install(hardenClient(octokit, options.requestTimeoutMs), 'token'),
    configReader: (repo) => ({
      config: async (fileName) => (await octokit.config.get({ ...repo, path: `.github/${fileName}` })).config,
    }),
  };
}

/** How often the throttling plugin already retried a request (it counts on the request options). */
function retriesSoFar(request: { readonly request?: object }): number {
  return (request.request as { retryCount?: number } | undefined)?.retryCount ?? 0;
}
