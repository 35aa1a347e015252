/**
 * Write pacing, as GitHub asks it: at least a second between content-creating requests (POST,
 * PATCH, PUT, DELETE, and GraphQL mutations) of one installation, and more between those that send
 * notifications (a review, a comment). Reads are never paced, GraphQL queries included.
 *
 * Why not @octokit/plugin-throttling's own pacing: it paces every POST to /graphql like a write, so
 * the query that fetches a pull request's files waited a second behind the check run's creation,
 * and it cannot tell a query from a mutation (it is never shown the request). Its pacing groups are
 * replaced by {@link UNPACED_GROUP}; its rate-limit handling stays. This pacer sees each request
 * (an Octokit `before` hook) and decides.
 */
import Bottleneck from 'bottleneck';
import type { GitHubClient } from './client.js';

/** What pacing a request needs. */
export type PaceKind = 'write' | 'notify';

/** Requests that notify people (after plugin-throttling's list of notification-triggering paths). */
const NOTIFYING = [
  /^\/repos\/[^/]+\/[^/]+\/issues(?:\/\d+\/comments)?$/,
  /^\/repos\/[^/]+\/[^/]+\/pulls(?:\/\d+\/(?:comments|reviews|requested_reviewers)(?:\/\d+\/(?:replies|events))?)?$/,
  /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews\/\d+\/events$/,
  /^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+\/comments$/,
  /^\/repos\/[^/]+\/[^/]+\/releases$/,
];

/** The pacing a request needs, or undefined for a read. */
export function paceKindOf(options: { method?: string; url?: string; query?: unknown }): PaceKind | undefined {
  const method = (options.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return undefined;
  const path = new URL(options.url ?? '/', 'http://github.test').pathname.replace(/^\/api\/v3(?=\/)/, '');
  if (path === '/graphql' || path === '/api/graphql') {
    return typeof options.query === 'string' && /^\s*mutation\b/.test(options.query) ? 'write' : undefined;
  }
  if (/^\/app\/installations\/\d+\/access_tokens$/.test(path)) return undefined;
  return NOTIFYING.some((pattern) => pattern.test(path)) ? 'notify' : 'write';
}

/** A stand-in for plugin-throttling's `write` and `notifications` groups that lets every request through. */
export const UNPACED_GROUP = {
  key: () => ({ schedule: <T>(_options: unknown, work: (...args: unknown[]) => Promise<T>, ...args: unknown[]) => work(...args) }),
};

/**
 * plugin-throttling options that keep its rate-limit handling and leave the pacing to
 * {@link WritePacer}. (The plugin types the groups as Bottleneck groups; it only calls `key().schedule()`.)
 */
export const THROTTLE_WITHOUT_PACING = {
  write: UNPACED_GROUP as unknown as Bottleneck.Group,
  notifications: UNPACED_GROUP as unknown as Bottleneck.Group,
};

/** Options of {@link WritePacer}. */
export interface PacerOptions {
  /** Least time between two writes of one key (default 1 s, GitHub's advice). */
  readonly writeMs?: number;
  /** Least time between two notifying writes of one key (default 3 s, as Probot paces them). */
  readonly notifyMs?: number;
  /**
   * A Bottleneck Redis connection: the pacing then holds across every process on that Redis (the
   * fleet mode's workers). Default: this process only.
   */
  readonly connection?: Bottleneck.IORedisConnection;
}

/**
 * An Octokit plugin that paces the client's writes under its throttling id (Probot sets it to the
 * installation's id; the App's own client has none and is paced as "app").
 */
export function pacingPlugin(pacer: WritePacer): (octokit: GitHubClient, options: { throttle?: { id?: unknown } }) => void {
  return (octokit, options) => {
    const id = options.throttle?.id;
    pacer.install(octokit, typeof id === 'string' || typeof id === 'number' ? String(id) : 'app');
  };
}

/** Paces the writes of each key (an installation) on its own. */
export class WritePacer {
  readonly #writes: Bottleneck.Group;
  readonly #notifications: Bottleneck.Group;
  readonly #installed = new WeakSet<object>();

  constructor(options: PacerOptions = {}) {
    // Only the spacing of starts matters (a paced "job" is an empty promise), so no concurrency
    // limit: in Redis, a slot held by a killed process would never be given back.
    const shared = options.connection ? { datastore: 'ioredis' as const, connection: options.connection } : {};
    this.#writes = new Bottleneck.Group({ ...shared, id: 'leakhound-writes', minTime: options.writeMs ?? 1000 });
    this.#notifications = new Bottleneck.Group({ ...shared, id: 'leakhound-notifications', minTime: options.notifyMs ?? 3000 });
  }

  /** Waits until a request of this kind may go out for `key`. */
  async wait(key: string, kind: PaceKind): Promise<void> {
    await this.#writes.key(key).schedule(() => Promise.resolve());
    if (kind === 'notify') await this.#notifications.key(key).schedule(() => Promise.resolve());
  }

  /** Paces every write `octokit` makes under `key` (once per client). */
  install(octokit: GitHubClient, key: string): GitHubClient {
    if (this.#installed.has(octokit)) return octokit;
    this.#installed.add(octokit);
    octokit.hook.before('request', async (options) => {
      const kind = paceKindOf(options as { method?: string; url?: string; query?: unknown });
      if (kind) await this.wait(key, kind);
    });
    return octokit;
  }
}
