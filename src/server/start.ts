/**
 * The App's HTTP server: Probot's webhook middleware behind a guard that bounds request bodies
 * (Probot's own server reads a body whole before it checks the signature, and offers no way to put
 * anything in front of that). Answers `GET /ping` as Probot does; everything else is 404.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createNodeMiddleware, createProbot, ProbotOctokit, type Probot } from 'probot';
import { pacingPlugin, THROTTLE_WITHOUT_PACING, WritePacer, type PacerOptions } from '../github/pacing.js';
import { createBodyGuard, DEFAULT_BODY_LIMITS, type BodyLimits } from './body-limit.js';
import { registry } from '../metrics.js';
import { lifecycle } from './lifecycle.js';
import { createLog } from './log.js';
import { probotEnvironment } from './dotenv.js';

/** The webhook path when WEBHOOK_PATH is not set (@octokit/webhooks' default, as Probot's). */
export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

/** How long one request may take to arrive, headers and body (GitHub sends a webhook in one go). */
const REQUEST_TIMEOUT_MS = 30_000;

/** Options of {@link startServer}. */
export interface ServerOptions {
  readonly appFn: (app: Probot) => void;
  readonly port: number;
  readonly host?: string;
  readonly webhookPath?: string;
  readonly limits?: BodyLimits;
  /** The Probot instance (default: from the environment, as Probot's own server makes it, logging no payloads). */
  readonly probot?: Probot;
}

/** A started server. */
export interface RunningServer {
  readonly server: Server;
  readonly probot: Probot;
  /** The port it listens on (the one asked for, or the one given when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/** startServer loads the app into Probot and listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const probot =
    options.probot ?? createProbot({ env: probotEnvironment(), overrides: { log: await createLog(), Octokit: pacedOctokit() } });
  // Ready means the App can authenticate to GitHub (its key and id work, GitHub answers).
  lifecycle.addReadinessCheck('GitHub auth', async () => {
    const octokit = await probot.auth();
    await octokit.request('GET /app');
  });
  const webhookPath = options.webhookPath ?? DEFAULT_WEBHOOK_PATH;
  const middleware = await createNodeMiddleware(options.appFn, { probot, webhooksPath: webhookPath });
  const notFound = (res: ServerResponse): void => {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  };
  const toApp = createBodyGuard(options.limits ?? DEFAULT_BODY_LIMITS, (req, res) => {
    void middleware(req, res, () => notFound(res));
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ping' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('PONG');
    } else if (path === '/metrics' && req.method === 'GET') {
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    } else if (path === '/ready' && req.method === 'GET') {
      void lifecycle.ready().then((readiness) => {
        res.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(readiness));
      });
    } else if (path === webhookPath || path === `${webhookPath}/`) {
      toApp(req, res);
    } else {
      notFound(res);
    }
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  probot.log.info(`leakhound listening on http://${options.host ?? 'localhost'}:${port}${webhookPath}`);
  return {
    server,
    probot,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/**
 * Probot's client with leakhound's write pacing (src/github/pacing.ts) in place of
 * plugin-throttling's, which paced every GraphQL query like a write; with a Bottleneck Redis
 * connection, the pacing holds across the fleet.
 */
export function pacedOctokit(options: PacerOptions = {}): typeof ProbotOctokit {
  const pacer = new WritePacer(options);
  return ProbotOctokit.plugin(pacingPlugin(pacer) as never).defaults((options: { throttle?: object }) => ({
    ...options,
    throttle: { ...(options.throttle ?? {}), ...THROTTLE_WITHOUT_PACING },
  })) as typeof ProbotOctokit;
}
