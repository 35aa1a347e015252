/**
 * A local HTTP server that plays GitHub for the app: the REST endpoints the app calls (under
 * /api/v3, as for GitHub Enterprise with GHE_HOST) and GraphQL (/api/graphql), executed against
 * GitHub's real schema. It keeps a small repository (commits, pull requests, check runs, reviews,
 * threads, reactions), records every request, and validates each one against GitHub's OpenAPI and
 * GraphQL schemas; anything invalid is answered as GitHub would (422 / GraphQL errors) and listed
 * in `violations`.
 */
import { createHash, createHmac, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, getOperationAST, parse } from 'graphql';
import { checkGraphqlRequest, checkRestRequest, githubGraphqlSchema } from './github-schemas.js';
import { githubPatch } from './patch.js';

/** One request the app made. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without /api/v3 and without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** operationId for REST ("checks/create"), "graphql:<OperationName>" for GraphQL. */
  readonly operation: string;
  readonly body: unknown;
  readonly status: number;
  /** Milliseconds since the server started. */
  readonly at: number;
}

/** A pull request of the fake repository. */
export interface FakePull {
  readonly number: number;
  baseSha: string;
  headSha: string;
  author: string;
  state: 'open' | 'closed';
  draft: boolean;
  /** From a fork: `commits/{sha}/pulls` does not know it, as on GitHub. */
  fromFork: boolean;
  /** Files whose patch GitHub leaves out (too large). */
  readonly omitPatch: Set<string>;
  /** Files moved by the pull request: new path → old path (listed as `renamed`). */
  readonly renames: Map<string, string>;
}

/** A review comment thread. */
export interface FakeThread {
  readonly id: string;
  /** The pull request the thread belongs to (default 2 when a test adds one by hand). */
  readonly pullNumber?: number;
  readonly path: string;
  readonly line: number;
  readonly startLine?: number;
  isResolved: boolean;
  resolvedBy: string | null;
  readonly comments: { readonly body: string; readonly author: string }[];
}

/** A check run as the app left it. */
export interface FakeCheckRun {
  readonly id: number;
  readonly name: string;
  readonly headSha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; text?: string };
  readonly annotations: Record<string, unknown>[];
  actions: unknown[];
  readonly externalId?: string;
}

/** Who a token belongs to and what it may write (GitHub answers a refused write with 403). */
export interface TokenIdentity {
  readonly login: string;
  readonly bot: boolean;
  readonly checks: 'write' | 'read';
  readonly statuses: 'write' | 'read';
  readonly pullRequests: 'write' | 'read';
}

/** A commit status as the app left it. */
export interface FakeStatus {
  readonly sha: string;
  readonly state: string;
  readonly context: string;
  readonly description?: string;
  readonly targetUrl?: string;
}

/** One attempt to deliver a webhook, as `GET /app/hook/deliveries` lists it. */
export interface FakeDelivery {
  readonly id: number;
  readonly guid: string;
  readonly event: string;
  readonly action: string | null;
  readonly statusCode: number;
  readonly deliveredAt: string;
  readonly redelivery: boolean;
  readonly payload: unknown;
}

/** Options of {@link FakeGitHub}. */
export interface FakeGitHubOptions {
  readonly appId: number;
  /** The App's public key: installation-token requests must carry a JWT it verifies. */
  readonly publicKey: string | KeyObject;
  /** The App's account login as GraphQL shows it (REST adds "[bot]"). */
  readonly botLogin?: string;
  readonly owner?: string;
  readonly repo?: string;
  readonly repoId?: number;
  readonly installationId?: number;
  /** Added before every answer (the benchmark's 50 ms). */
  readonly latencyMs?: number;
  /** GraphQL blob text longer than this is truncated (isTruncated), as GitHub does for large files. */
  readonly blobTextLimit?: number;
}

/** Git file modes the fake's trees report. */
export const GIT_MODES = { file: 0o100644, tree: 0o40000, symlink: 0o120000, submodule: 0o160000 } as const;

/** GitHub lists at most this many files of a pull request (pulls.listFiles). */
export const MAX_LISTED_FILES = 3000;
/** The longest review or comment body GitHub accepts, in characters. */
export const GITHUB_BODY_LIMIT = 65_536;

interface Failure {
  readonly operation: string;
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  remaining: number;
  /** Hold the answer this long first (a GitHub that does not answer in time). */
  readonly delayMs?: number;
  /** Do the work first, then answer with the failure (a proxy error or a lost answer after GitHub acted). */
  readonly afterWork?: boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** FakeGitHub: see the module comment. */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly commits = new Map<string, Map<string, string>>();
  readonly pulls = new Map<number, FakePull>();
  readonly permissions = new Map<string, string>();
  readonly checkRuns: FakeCheckRun[] = [];
  readonly statuses: FakeStatus[] = [];
  /** Webhook delivery attempts, oldest first (the App's delivery log). */
  readonly deliveries: FakeDelivery[] = [];
  /** Where redeliveries go, with the secret to sign them. */
  webhookTarget: { url: string; secret: string } | undefined;
  readonly reviews: {
    id: number;
    pullNumber: number;
    body: string;
    commitId: string;
    author: string;
    comments: NonNullable<ReviewBody['comments']>;
  }[] = [];
  readonly threads: FakeThread[] = [];
  readonly reactions: { commentId: number; content: string }[] = [];
  readonly issueComments: { issueNumber: number; body: string }[] = [];
  /** `.github/leakhound.yml` on the default branch; undefined answers 404. */
  config: string | undefined;
  /** Paths that are symbolic links or submodules in every commit (git mode by path); others are files. */
  readonly modes = new Map<string, number>();
  latencyMs: number;
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly botLogin: string;
  readonly #options: FakeGitHubOptions;
  readonly #publicKey: KeyObject;
  readonly #tokens = new Map<string, TokenIdentity>();
  /** The identity of the request being answered (set when its token is checked). */
  #viewer: TokenIdentity | undefined;
  readonly #failures: Failure[] = [];
  readonly #cuts: { readonly operation: string; readonly how: 'half' | 'reset'; remaining: number }[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #pullFilesCache = new Map<string, ReturnType<FakeGitHub['pullFiles']>>();
  #server: Server | undefined;
  #started = 0;
  #ids = 100;

  constructor(options: FakeGitHubOptions) {
    this.#options = options;
    this.#publicKey = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
    this.owner = options.owner ?? 'Codertocat';
    this.repo = options.repo ?? 'Hello-World';
    this.repoId = options.repoId ?? 186853002;
    this.botLogin = options.botLogin ?? 'leakhound';
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts listening on 127.0.0.1 on a free port. */
  async start(): Promise<void> {
    githubGraphqlSchema();
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#started = Date.now();
  }

  /** Stops the server and drops open connections. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = undefined;
  }

  /** host:port, for GHE_HOST. */
  get host(): string {
    const address = this.#server?.address() as AddressInfo | null;
    if (!address) throw new Error('not started');
    return `127.0.0.1:${address.port}`;
  }

  /** The REST base URL (what Probot derives from GHE_HOST and GHE_PROTOCOL=http). */
  get baseUrl(): string {
    return `http://${this.host}/api/v3`;
  }

  /** commit stores a snapshot of the repository and returns its SHA (`sha` when given: a real checkout's). */
  commit(files: Readonly<Record<string, string>>, given?: string): string {
    const entries = Object.entries(files).sort(([a], [b]) => a.localeCompare(b));
    const sha = given ?? createHash('sha1').update(JSON.stringify(entries)).digest('hex');
    this.commits.set(sha, new Map(entries));
    return sha;
  }

  /** openPull adds an open pull request from `baseSha` to `headSha`. */
  openPull(number: number, baseSha: string, headSha: string, author = 'Codertocat'): FakePull {
    const pull: FakePull = {
      number,
      baseSha,
      headSha,
      author,
      state: 'open',
      draft: false,
      fromFork: false,
      omitPatch: new Set(),
      renames: new Map(),
    };
    this.pulls.set(number, pull);
    return pull;
  }

  /**
   * issueToken returns a token this server accepts (for clients built in tests): the App's
   * installation by default, or another identity (a workflow's GITHUB_TOKEN, a read-only fork token).
   */
  issueToken(identity: Partial<TokenIdentity> = {}): string {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.#tokens.set(token, { ...this.#appIdentity(), ...identity });
    return token;
  }

  #appIdentity(): TokenIdentity {
    return { login: this.botLogin, bot: true, checks: 'write', statuses: 'write', pullRequests: 'write' };
  }

  /** Whether a login belongs to a bot (an App or a workflow token), as GraphQL's author `__typename` says. */
  #isBot(login: string): boolean {
    return login === this.botLogin || [...this.#tokens.values()].some((t) => t.bot && t.login === login);
  }

  /**
   * deliver sends a webhook to {@link webhookTarget} as GitHub does, and records the attempt (status
   * 0 when nothing answered, as for a server that is down).
   */
  async deliver(guid: string, event: string, payload: unknown, redelivery = false): Promise<number> {
    const body = JSON.stringify(payload);
    let statusCode = 0;
    const target = this.webhookTarget;
    if (target) {
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': event,
            'x-github-delivery': guid,
            'x-hub-signature-256': `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`,
          },
          body,
        });
        await res.arrayBuffer();
        statusCode = res.status;
      } catch {
        statusCode = 0;
      }
    }
    const action = (payload as { action?: unknown }).action;
    this.deliveries.push({
      id: this.#ids++,
      guid,
      event,
      action: typeof action === 'string' ? action : null,
      statusCode,
      deliveredAt: new Date().toISOString(),
      redelivery,
      payload,
    });
    for (const waiter of [...this.#waiters]) waiter();
    return statusCode;
  }

  /** failNext answers the next `times` requests of `operation` with an error. */
  failNext(operation: string, status: number, body: unknown, headers: Record<string, string> = {}, times = 1): void {
    this.#failures.push({ operation, status, body, headers, remaining: times });
  }

  /** stallNext holds the next `times` answers to `operation` for `delayMs` and then fails them with a 504 (the client should have given up). */
  stallNext(operation: string, delayMs: number, times = 1): void {
    this.#failures.push({ operation, status: 504, body: { message: 'stalled by the test' }, headers: {}, remaining: times, delayMs });
  }

  /**
   * failAfterWork does the next `times` requests of `operation` and then answers them with an
   * error, after `delayMs` when given (a 502 from a proxy, or an answer later than the client waits,
   * once GitHub has already created the review or the check run).
   */
  failAfterWork(operation: string, status: number, times = 1, delayMs?: number): void {
    this.#failures.push({
      operation,
      status,
      body: { message: status === 502 ? 'Bad Gateway' : 'Server Error' },
      headers: {},
      remaining: times,
      afterWork: true,
      ...(delayMs !== undefined ? { delayMs } : {}),
    });
  }

  /**
   * cutNext sends only the first half of the next `times` answers to `operation`: `half` ends the
   * response there (a well-framed answer whose JSON stops midway), `reset` drops the connection.
   */
  cutNext(operation: string, how: 'half' | 'reset', times = 1): void {
    this.#cuts.push({ operation, how, remaining: times });
  }

  /** Forgets every pending failure. */
  clearFailures(): void {
    this.#failures.length = 0;
    this.#cuts.length = 0;
  }

  /** Forgets what earlier tests did: requests, violations, reviews, threads, reactions, comments, check runs, file modes, failures. */
  resetRecords(): void {
    this.clearFailures();
    this.requests.length = 0;
    this.violations.length = 0;
    this.threads.length = 0;
    this.reviews.length = 0;
    this.reactions.length = 0;
    this.issueComments.length = 0;
    this.checkRuns.length = 0;
    this.modes.clear();
  }

  /** The operations requested so far (from index `from`). */
  operations(from = 0): string[] {
    return this.requests.slice(from).map((r) => r.operation);
  }

  /** waitFor resolves once `predicate` holds (checked after every request), or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; requests so far: ${this.operations().join(', ')}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /**
   * The files a pull request changes, with GitHub-style per-file patches. A rename is listed once,
   * as `renamed` with `previous_filename`; one without changes has no patch, as on GitHub.
   */
  pullFiles(pull: FakePull): {
    filename: string;
    status: string;
    additions: number;
    deletions: number;
    changes: number;
    previous_filename?: string;
    patch?: string;
  }[] {
    const key = JSON.stringify([pull.baseSha, pull.headSha, [...pull.omitPatch], [...pull.renames]]);
    const cached = this.#pullFilesCache.get(key);
    if (cached) return cached;
    const base = this.commits.get(pull.baseSha) ?? new Map<string, string>();
    const head = this.commits.get(pull.headSha) ?? new Map<string, string>();
    const movedFrom = new Set(pull.renames.values());
    const paths = [...new Set([...base.keys(), ...head.keys()])].sort();
    const files = [];
    for (const path of paths) {
      const old = pull.renames.get(path);
      if (movedFrom.has(path) && !head.has(path)) continue;
      const before = base.get(old ?? path);
      const after = head.get(path);
      if (before === after && old === undefined) continue;
      const { patch: text, additions, deletions } = githubPatch(before, after);
      const status = old !== undefined ? 'renamed' : before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
      files.push({
        filename: path,
        status,
        additions,
        deletions,
        changes: additions + deletions,
        ...(old !== undefined ? { previous_filename: old } : {}),
        ...(pull.omitPatch.has(path) || (old !== undefined && before === after) ? {} : { patch: text }),
      });
    }
    this.#pullFilesCache.set(key, files);
    return files;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (res.destroyed) return;
    let answer: Answer;
    let operation = `${method} ${url.pathname}`;
    try {
      if (url.pathname === '/api/graphql' && method === 'POST') {
        const q = body as { query?: string; variables?: Record<string, unknown> };
        operation = `graphql:${graphqlName(q.query ?? '')}`;
        answer = this.#authorize(req, operation) ?? this.#graphql(q.query ?? '', q.variables ?? {});
      } else if (url.pathname.startsWith('/api/v3/')) {
        const path = url.pathname.slice('/api/v3'.length);
        const check = checkRestRequest(method, path, url.searchParams, body);
        operation = check.operation?.operationId ?? operation;
        if (check.errors.length > 0) {
          this.violations.push(`${operation}: ${check.errors.join('; ')}`);
          answer = { status: 422, body: { message: 'Invalid request', errors: check.errors } };
        } else {
          const failure = this.#failure(operation);
          answer =
            (failure && !failure.afterWork ? failure : undefined) ??
            (operation === 'apps/create-installation-access-token'
              ? this.#token(req)
              : operation === 'apps/get-authenticated' ||
                  operation === 'apps/list-webhook-deliveries' ||
                  operation === 'apps/redeliver-webhook-delivery'
                ? this.#appJwtRefused(req, operation)
                : this.#authorize(req, operation)) ??
            this.#rest(operation, check.pathParams, url, body, String(req.headers.accept ?? ''));
          if (failure?.afterWork) answer = failure;
        }
      } else {
        answer = { status: 404, body: { message: 'Not Found' } };
      }
    } catch (error) {
      this.violations.push(`${operation}: the fake failed: ${(error as Error).stack ?? String(error)}`);
      answer = { status: 500, body: { message: (error as Error).message } };
    }
    if (answer.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    this.requests.push({
      method,
      path: url.pathname.replace(/^\/api\/v3/, ''),
      query: url.searchParams,
      operation,
      body,
      status: answer.status,
      at: Date.now() - this.#started,
    });
    const text = typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body);
    const cut = this.#cuts.find((c) => c.operation === operation && c.remaining > 0);
    if (cut) {
      cut.remaining--;
      res.writeHead(answer.status, { 'content-type': answer.type ?? JSON_TYPE, ...(answer.headers ?? {}) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      if (cut.how === 'half') res.end();
      else setTimeout(() => res.destroy(), 20);
    } else {
      res.writeHead(answer.status, { 'content-type': answer.type ?? JSON_TYPE, ...(answer.headers ?? {}) });
      res.end(text);
    }
    for (const waiter of [...this.#waiters]) waiter();
  }

  #failure(operation: string): (Answer & { readonly afterWork?: boolean }) | undefined {
    const failure = this.#failures.find((f) => f.operation === operation && f.remaining > 0);
    if (!failure) return undefined;
    failure.remaining--;
    return {
      status: failure.status,
      body: failure.body,
      headers: failure.headers,
      ...(failure.delayMs !== undefined ? { delayMs: failure.delayMs } : {}),
      ...(failure.afterWork ? { afterWork: true } : {}),
    };
  }

  /** Installation tokens: the App's JWT must verify with its public key and name the App. */
  #token(req: IncomingMessage): Answer {
    const refused = this.#appJwtRefused(req, 'apps/create-installation-access-token');
    if (refused) return refused;
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.#tokens.set(token, this.#appIdentity());
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { checks: 'write', pull_requests: 'write', contents: 'read', issues: 'read', metadata: 'read' },
        repository_selection: 'all',
      },
    };
  }

  /** App-level requests (as the App, not an installation) carry a JWT that must verify and name the App. */
  #appJwtRefused(req: IncomingMessage, operation: string): Answer | undefined {
    const jwt = /^bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [header, payload, signature] = (jwt ?? '').split('.');
    const ok =
      header !== undefined &&
      payload !== undefined &&
      signature !== undefined &&
      verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.#publicKey, Buffer.from(signature, 'base64url'));
    const claims = ok ? (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { iss?: unknown; exp?: number }) : {};
    if (!ok || String(claims.iss) !== String(this.#options.appId) || (claims.exp ?? 0) * 1000 < Date.now()) {
      this.violations.push(`${operation}: the App JWT did not verify`);
      return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
    }
    return undefined;
  }

  /** Every other request must carry an installation token this server issued. */
  #authorize(req: IncomingMessage, operation: string): Answer | undefined {
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    this.#viewer = token ? this.#tokens.get(token) : undefined;
    if (this.#viewer) return this.#refusedWrite(operation, this.#viewer);
    this.violations.push(`${operation}: request without a valid installation token`);
    return { status: 401, body: { message: 'Bad credentials' } };
  }

  /** A write the token's permissions do not allow: 403, as GitHub answers it. */
  #refusedWrite(operation: string, viewer: TokenIdentity): Answer | undefined {
    const needs: Record<string, keyof TokenIdentity> = {
      'checks/create': 'checks',
      'checks/update': 'checks',
      'repos/create-commit-status': 'statuses',
      'pulls/create-review': 'pullRequests',
      'graphql:LeakhoundResolveThreads': 'pullRequests',
    };
    const permission = needs[operation];
    if (permission === undefined || viewer[permission] === 'write') return undefined;
    return { status: 403, body: { message: 'Resource not accessible by integration' } };
  }

  /** The login of the request's token. */
  get #login(): string {
    return this.#viewer?.login ?? this.botLogin;
  }

  #rest(operation: string, params: Record<string, string>, url: URL, body: unknown, accept = ''): Answer {
    if (params.owner !== undefined && (params.owner !== this.owner || params.repo !== this.repo)) {
      return { status: 404, body: { message: 'Not Found' } };
    }
    const pull = params.pull_number !== undefined ? this.pulls.get(Number(params.pull_number)) : undefined;
    switch (operation) {
      case 'repos/get-content':
        return this.#content(params.path ?? '', url.searchParams.get('ref'), accept.includes('.raw'));
      case 'pulls/get':
        return pull ? { status: 200, body: this.#pullJson(pull) } : notFound();
      case 'pulls/list': {
        const open = [...this.pulls.values()].filter((p) => url.searchParams.get('state') !== 'open' || p.state === 'open');
        return this.#page(
          url,
          open.map((p) => this.#pullJson(p)),
        );
      }
      case 'repos/list-pull-requests-associated-with-commit': {
        const sha = params.commit_sha ?? '';
        return {
          status: 200,
          body: [...this.pulls.values()].filter((p) => p.headSha === sha && !p.fromFork).map((p) => this.#pullJson(p)),
        };
      }
      case 'pulls/list-files':
        return pull ? this.#page(url, this.pullFiles(pull).slice(0, MAX_LISTED_FILES)) : notFound();
      case 'checks/create':
        return this.#createCheckRun(body as Record<string, unknown>);
      case 'checks/update':
        return this.#updateCheckRun(Number(params.check_run_id), body as Record<string, unknown>);
      case 'apps/get-authenticated':
        return { status: 200, body: { id: this.#options.appId, slug: this.botLogin, name: this.botLogin } };
      case 'apps/list-webhook-deliveries':
        return {
          status: 200,
          body: [...this.deliveries].reverse().map((d) => ({
            id: d.id,
            guid: d.guid,
            delivered_at: d.deliveredAt,
            redelivery: d.redelivery,
            duration: 0.1,
            status: d.statusCode >= 200 && d.statusCode < 300 ? 'OK' : 'failed to connect',
            status_code: d.statusCode,
            event: d.event,
            action: d.action,
            installation_id: 1,
            repository_id: this.repoId,
          })),
        };
      case 'apps/redeliver-webhook-delivery': {
        const original = this.deliveries.find((d) => d.id === Number(params.delivery_id));
        if (!original) return notFound();
        void this.deliver(original.guid, original.event, original.payload, true);
        return { status: 202, body: {} };
      }
      case 'checks/get': {
        const run = this.checkRuns.find((r) => r.id === Number(params.check_run_id));
        return run
          ? { status: 200, body: { id: run.id, head_sha: run.headSha, name: run.name, status: run.status, conclusion: run.conclusion } }
          : notFound();
      }
      case 'checks/list-for-ref': {
        const name = url.searchParams.get('check_name');
        const runs = this.checkRuns.filter((r) => r.headSha === params.ref && (name === null || r.name === name));
        return {
          status: 200,
          body: {
            total_count: runs.length,
            check_runs: runs.map((r) => ({
              id: r.id,
              head_sha: r.headSha,
              name: r.name,
              status: r.status,
              conclusion: r.conclusion,
              external_id: r.externalId ?? null,
            })),
          },
        };
      }
      case 'pulls/create-review':
        return pull ? this.#createReview(pull, body as ReviewBody) : notFound();
      case 'repos/create-commit-status': {
        const b = body as { state: string; context?: string; description?: string; target_url?: string };
        const status: FakeStatus = {
          sha: params.sha ?? '',
          state: b.state,
          context: b.context ?? 'default',
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.target_url !== undefined ? { targetUrl: b.target_url } : {}),
        };
        this.statuses.push(status);
        return { status: 201, body: { id: this.#ids++, state: status.state, context: status.context } };
      }
      case 'reactions/create-for-issue-comment': {
        const content = (body as { content: string }).content;
        this.reactions.push({ commentId: Number(params.comment_id), content });
        return { status: 201, body: { id: this.#ids++, content, user: { login: `${this.botLogin}[bot]`, type: 'Bot' } } };
      }
      case 'issues/create-comment': {
        const text = (body as { body: string }).body;
        this.issueComments.push({ issueNumber: Number(params.issue_number), body: text });
        return { status: 201, body: { id: this.#ids++, body: text, user: { login: `${this.botLogin}[bot]`, type: 'Bot' } } };
      }
      case 'repos/get-collaborator-permission-level': {
        const role = this.permissions.get(params.username ?? '') ?? 'read';
        const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return { status: 200, body: { permission, role_name: role, user: { login: params.username, type: 'User' } } };
      }
      default:
        this.violations.push(`${operation}: not played by the fake GitHub`);
        return { status: 501, body: { message: `not implemented: ${operation}` } };
    }
  }

  #content(path: string, ref: string | null, asRaw: boolean): Answer {
    // No ref: the default branch. Only the configuration file lives there in this fake.
    const text = ref === null ? (path === '.github/leakhound.yml' ? this.config : undefined) : this.commits.get(ref)?.get(path);
    if (text === undefined) return notFound();
    if (asRaw) return raw(text);
    // The JSON form: GitHub sends the content (base64) only for files up to 1 MB.
    const size = Buffer.byteLength(text);
    const small = size <= 1024 * 1024;
    return {
      status: 200,
      body: {
        type: 'file',
        name: path.split('/').pop(),
        path,
        size,
        sha: createHash('sha1').update(text).digest('hex'),
        encoding: small ? 'base64' : 'none',
        content: small ? Buffer.from(text).toString('base64') : '',
      },
    };
  }

  #page(url: URL, items: unknown[]): Answer {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string): string => {
      const next = new URL(url);
      next.searchParams.set('page', String(n));
      return `<${next.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(page < pages ? [link(page + 1, 'next'), link(pages, 'last')] : []),
      ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
    ];
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  }

  #pullJson(p: FakePull): Record<string, unknown> {
    const repo = { id: this.repoId, name: this.repo, full_name: `${this.owner}/${this.repo}` };
    return {
      number: p.number,
      state: p.state,
      draft: p.draft,
      title: `Pull request ${p.number}`,
      user: { login: p.author, type: 'User' },
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`,
      head: { sha: p.headSha, ref: 'changes', repo: p.fromFork ? { id: 1, name: this.repo, full_name: `fork/${this.repo}` } : repo },
      base: { sha: p.baseSha, ref: 'main', repo },
    };
  }

  #createCheckRun(body: Record<string, unknown>): Answer {
    const run: FakeCheckRun = {
      id: this.checkRuns.length + 1,
      name: String(body.name),
      headSha: String(body.head_sha),
      status: String(body.status ?? 'queued'),
      conclusion: (body.conclusion as string | undefined) ?? null,
      output: { ...((body.output as object | undefined) ?? {}) },
      annotations: [
        ...(((body.output as { annotations?: Record<string, unknown>[] } | undefined)?.annotations ?? []) as Record<string, unknown>[]),
      ],
      actions: (body.actions as unknown[] | undefined) ?? [],
      ...(body.external_id !== undefined ? { externalId: String(body.external_id) } : {}),
    };
    if (!this.commits.has(run.headSha)) return { status: 422, body: { message: 'No commit found for SHA' } };
    this.checkRuns.push(run);
    return { status: 201, body: { id: run.id, head_sha: run.headSha, name: run.name, status: run.status, conclusion: run.conclusion } };
  }

  #updateCheckRun(id: number, body: Record<string, unknown>): Answer {
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) return notFound();
    const output = body.output as { annotations?: Record<string, unknown>[]; title?: string; summary?: string; text?: string } | undefined;
    if (output) {
      const { annotations, ...rest } = output;
      run.output = { ...run.output, ...rest };
      run.annotations.push(...(annotations ?? []));
    }
    if (body.conclusion !== undefined) {
      run.conclusion = String(body.conclusion);
      run.status = 'completed';
    }
    if (body.status !== undefined) run.status = String(body.status);
    if (run.status === 'completed' && run.conclusion === null) return { status: 422, body: { message: 'conclusion is required' } };
    if (body.actions !== undefined) run.actions = body.actions as unknown[];
    return { status: 200, body: { id: run.id, head_sha: run.headSha, name: run.name, status: run.status, conclusion: run.conclusion } };
  }

  /** Reviews are all-or-nothing, as on GitHub: one comment off the diff fails the whole request with 422. */
  #createReview(pull: FakePull, body: ReviewBody): Answer {
    if (body.event === 'COMMENT' && !body.body)
      return { status: 422, body: { message: 'Unprocessable Entity', errors: ['Body is required for COMMENT'] } };
    if (body.commit_id !== undefined && !this.commits.has(body.commit_id)) {
      return { status: 422, body: { message: 'Unprocessable Entity', errors: ['commit_id is not part of the pull request'] } };
    }
    const tooLong = [body.body ?? '', ...(body.comments ?? []).map((c) => c.body)].find((text) => text.length > GITHUB_BODY_LIMIT);
    if (tooLong !== undefined) {
      this.violations.push(`pulls/create-review: a body of ${tooLong.length} characters`);
      return {
        status: 422,
        body: { message: 'Unprocessable Entity', errors: [`Body is too long (maximum is ${GITHUB_BODY_LIMIT} characters)`] },
      };
    }
    const files = new Map(this.pullFiles(pull).map((f) => [f.filename, f]));
    for (const c of body.comments ?? []) {
      const patch = files.get(c.path)?.patch;
      const hunks = patch ? hunkRanges(patch) : [];
      const hunk = hunks.find((h) => c.line >= h.start && c.line < h.start + h.lines);
      const startOk = c.start_line === undefined || (c.start_line < c.line && c.start_line >= (hunk?.start ?? Infinity));
      if (!hunk || !startOk || (c.side ?? 'RIGHT') !== 'RIGHT' || (c.start_line !== undefined && c.start_side !== 'RIGHT')) {
        this.violations.push(`pulls/create-review: comment on ${c.path}:${c.start_line ?? ''}-${c.line} is not on the diff`);
        return { status: 422, body: { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] } };
      }
    }
    const id = this.#ids++;
    this.reviews.push({
      id,
      pullNumber: pull.number,
      body: body.body ?? '',
      commitId: body.commit_id ?? pull.headSha,
      author: this.#login,
      comments: body.comments ?? [],
    });
    for (const c of body.comments ?? []) {
      this.threads.push({
        id: `PRRT_${this.#ids++}`,
        pullNumber: pull.number,
        path: c.path,
        line: c.line,
        ...(c.start_line !== undefined ? { startLine: c.start_line } : {}),
        isResolved: false,
        resolvedBy: null,
        comments: [{ body: c.body, author: this.#login }],
      });
    }
    return {
      status: 200,
      body: {
        id,
        body: body.body ?? '',
        state: 'COMMENTED',
        commit_id: body.commit_id ?? pull.headSha,
        user: { login: this.#isBot(this.#login) ? `${this.#login}[bot]` : this.#login, type: this.#isBot(this.#login) ? 'Bot' : 'User' },
      },
    };
  }

  #graphql(query: string, variables: Record<string, unknown>): Answer {
    const errors = checkGraphqlRequest(query, variables);
    const name = graphqlName(query);
    if (errors.length > 0) {
      this.violations.push(`graphql:${name}: ${errors.join('; ')}`);
      return { status: 200, body: { errors: errors.map((message) => ({ message })) } };
    }
    const failure = this.#failure(`graphql:${name}`);
    if (failure) return failure;
    const result = execute({
      schema: githubGraphqlSchema(),
      document: parse(query),
      rootValue: this.#graphqlRoot(),
      variableValues: variables,
    });
    if (result instanceof Promise) throw new Error('resolvers are synchronous');
    if (result.errors) this.violations.push(`graphql:${name}: ${result.errors.map((e) => e.message).join('; ')}`);
    return { status: 200, body: result };
  }

  #graphqlRoot(): Record<string, unknown> {
    const viewer = this.#login;
    const threadNode = (t: FakeThread): Record<string, unknown> => ({
      id: t.id,
      path: t.path,
      isResolved: t.isResolved,
      resolvedBy: t.resolvedBy === null ? null : { login: t.resolvedBy },
      comments: ({ first }: { first?: number }) => ({
        nodes: t.comments.slice(0, first ?? 100).map((c) => ({
          body: c.body,
          viewerDidAuthor: c.author === viewer,
          author: { __typename: this.#isBot(c.author) ? 'Bot' : 'User', login: c.author },
        })),
      }),
    });
    const object = (expression: string): Record<string, unknown> | null => {
      const colon = expression.indexOf(':');
      const files = this.commits.get(expression.slice(0, colon));
      if (!files || colon < 0) return null;
      return this.#gitObject(files, expression.slice(colon + 1).replace(/\/$/, ''));
    };
    return {
      repository: ({ owner, name }: { owner: string; name: string }) => {
        if (owner !== this.owner || name !== this.repo) return null;
        return {
          object: ({ expression }: { expression: string }) => object(expression),
          pullRequest: ({ number }: { number: number }) => {
            const pull = this.pulls.get(number);
            if (!pull) return null;
            return {
              headRefOid: pull.headSha,
              reviews: ({ last }: { last?: number }) => ({
                nodes: this.reviews
                  .filter((r) => r.pullNumber === number)
                  .slice(-(last ?? 100))
                  .map((r) => ({
                    body: r.body,
                    viewerDidAuthor: r.author === viewer,
                    author: { __typename: this.#isBot(r.author) ? 'Bot' : 'User', login: r.author },
                  })),
              }),
              reviewThreads: ({ first, after }: { first?: number; after?: string | null }) => {
                const threads = this.threads.filter((t) => (t.pullNumber ?? 2) === number);
                const start = after ? Number(after) : 0;
                const nodes = threads.slice(start, start + (first ?? 100));
                const end = start + nodes.length;
                return { nodes: nodes.map(threadNode), pageInfo: { hasNextPage: end < threads.length, endCursor: String(end) } };
              },
            };
          },
        };
      },
      resolveReviewThread: ({ input }: { input: { threadId: string } }) => {
        const thread = this.threads.find((t) => t.id === input.threadId);
        if (!thread) throw new Error(`Could not resolve to a node with the global id of '${input.threadId}'`);
        if (!this.#isBot(thread.comments[0]?.author ?? '')) this.violations.push(`resolveReviewThread: thread ${thread.id} is not ours`);
        thread.isResolved = true;
        thread.resolvedBy = null;
        return { thread: threadNode(thread) };
      },
    };
  }

  #gitObject(files: ReadonlyMap<string, string>, path: string): Record<string, unknown> | null {
    const text = files.get(path);
    if (text !== undefined) return this.#blob(text);
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, 'blob' | 'tree'>();
    for (const p of files.keys()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      children.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'blob' : 'tree');
    }
    if (children.size === 0) return null;
    return {
      __typename: 'Tree',
      entries: [...children.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, kind]) => {
          const mode = kind === 'tree' ? GIT_MODES.tree : (this.modes.get(prefix + name) ?? GIT_MODES.file);
          const type = mode === GIT_MODES.submodule ? 'commit' : kind;
          return {
            name,
            type,
            mode,
            // A submodule's commit lives in another repository: GitHub has no object for it here.
            object: () => (type === 'commit' ? null : this.#gitObject(files, prefix + name)),
          };
        }),
    };
  }

  #blob(text: string): Record<string, unknown> {
    const limit = this.#options.blobTextLimit ?? Infinity;
    const truncated = text.length > limit;
    return {
      __typename: 'Blob',
      byteSize: Buffer.byteLength(text),
      isBinary: text.includes('\0'),
      isTruncated: truncated,
      text: truncated ? text.slice(0, limit) : text,
    };
  }
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly type?: string;
  readonly delayMs?: number;
}

interface ReviewBody {
  commit_id?: string;
  body?: string;
  event?: string;
  comments?: { path: string; body: string; line: number; side?: string; start_line?: number; start_side?: string }[];
}

function notFound(): Answer {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
}

function raw(text: string): Answer {
  return { status: 200, body: text, type: 'application/vnd.github.raw; charset=utf-8' };
}

function graphqlName(query: string): string {
  try {
    return getOperationAST(parse(query))?.name?.value ?? 'anonymous';
  } catch {
    return 'unparsable';
  }
}

function hunkRanges(patch: string): { start: number; lines: number }[] {
  return [...patch.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)].map((m) => ({ start: Number(m[1]), lines: Number(m[2] ?? 1) }));
}
