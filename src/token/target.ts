/**
 * Which pull request token mode reviews, and with what: from the flags, else from the GitHub Actions
 * environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL, GITHUB_SERVER_URL), so a
 * workflow step needs no flags at all.
 */
import { readFileSync } from 'node:fs';
import type { RepoRef } from '../github/client.js';

/** The flags of `leakhound review` that name the pull request and the token. */
export interface ReviewFlags {
  /** owner/name */
  readonly repo?: string;
  readonly pr?: string;
  /** The environment variable holding the token (default GITHUB_TOKEN). */
  readonly tokenEnv?: string;
}

/** What token mode reviews, and where. */
export interface TokenTarget {
  readonly repo: RepoRef;
  readonly pullNumber: number;
  /** The head commit, when the event says it (otherwise it is read from the pull request). */
  readonly headSha?: string;
  /** The repository's web address (https://github.com/owner/name). */
  readonly htmlUrl: string;
  /** The REST API's base URL. */
  readonly apiUrl: string;
  readonly token: string;
  /** The name of the variable the token came from, for messages. */
  readonly tokenEnv: string;
  /**
   * Why the token cannot write, when that is known before asking: a `pull_request` workflow run for a
   * pull request from a fork gets a read-only GITHUB_TOKEN.
   */
  readonly readOnlyReason?: string;
  /** The CI run's page, for the commit status's link. */
  readonly runUrl?: string;
  /** What started the run, for the summary. */
  readonly trigger: string;
}

/** A problem with the flags or the environment: printed as one line, exit code 2. */
export class TargetError extends Error {}

interface PullRequestEvent {
  readonly pull_request?: {
    readonly number?: number;
    readonly head?: { readonly sha?: string; readonly repo?: { readonly full_name?: string } | null };
    readonly base?: { readonly repo?: { readonly full_name?: string } };
  };
  readonly repository?: { readonly html_url?: string };
}

/** Reads the target from the flags and the environment; throws {@link TargetError} when something is missing. */
export function resolveTarget(flags: ReviewFlags, env: NodeJS.ProcessEnv): TokenTarget {
  const tokenEnv = flags.tokenEnv ?? 'GITHUB_TOKEN';
  const token = env[tokenEnv];
  if (!token) throw new TargetError(`no token: set ${tokenEnv}${flags.tokenEnv ? '' : ' (or name another variable with --token-env)'}`);
  const event = readEvent(env);
  const repoText = flags.repo ?? env.GITHUB_REPOSITORY;
  if (!repoText) throw new TargetError('which repository? pass --repo owner/name (GitHub Actions sets GITHUB_REPOSITORY)');
  const [owner, name, ...rest] = repoText.split('/');
  if (!owner || !name || rest.length > 0) throw new TargetError(`--repo must be owner/name, not "${repoText}"`);
  const prText = flags.pr ?? (event?.pull_request?.number !== undefined ? String(event.pull_request.number) : undefined);
  if (!prText) throw new TargetError('which pull request? pass --pr N (in GitHub Actions, run on the pull_request event)');
  const pullNumber = Number(prText);
  if (!Number.isInteger(pullNumber) || pullNumber <= 0) throw new TargetError(`--pr must be a pull request number, not "${prText}"`);
  // The event describes this pull request only when no flag named another one.
  const fromEvent = flags.pr === undefined && flags.repo === undefined ? event : undefined;
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const serverUrl = (env.GITHUB_SERVER_URL || webUrlOf(apiUrl)).replace(/\/+$/, '');
  const headSha = fromEvent?.pull_request?.head?.sha;
  const readOnlyReason = readOnly(env, fromEvent);
  const runUrl =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY ? `${serverUrl}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return {
    repo: { owner, repo: name },
    pullNumber,
    ...(headSha ? { headSha } : {}),
    htmlUrl: fromEvent?.repository?.html_url ?? `${serverUrl}/${owner}/${name}`,
    apiUrl,
    token,
    tokenEnv,
    ...(readOnlyReason ? { readOnlyReason } : {}),
    ...(runUrl ? { runUrl } : {}),
    trigger: env.GITHUB_EVENT_NAME ? `${env.GITHUB_EVENT_NAME} (token mode)` : 'leakhound review (token mode)',
  };
}

function readEvent(env: NodeJS.ProcessEnv): PullRequestEvent | undefined {
  if (!env.GITHUB_EVENT_PATH) return undefined;
  try {
    return JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as PullRequestEvent;
  } catch (error) {
    throw new TargetError(`cannot read GITHUB_EVENT_PATH (${(error as Error).message})`);
  }
}

/** https://api.github.com → https://github.com; https://ghe.example.com/api/v3 → https://ghe.example.com. */
function webUrlOf(apiUrl: string): string {
  if (/^https:\/\/api\.github\.com$/i.test(apiUrl)) return 'https://github.com';
  return apiUrl.replace(/\/api\/v3$/i, '');
}

function readOnly(env: NodeJS.ProcessEnv, event: PullRequestEvent | undefined): string | undefined {
  const head = event?.pull_request?.head?.repo?.full_name;
  const base = event?.pull_request?.base?.repo?.full_name;
  if (env.GITHUB_EVENT_NAME !== 'pull_request' || !head || !base || head.toLowerCase() === base.toLowerCase()) return undefined;
  return `this pull request comes from a fork (${head}), and GitHub gives workflows run for it a read-only token`;
}
