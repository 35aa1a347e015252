#!/usr/bin/env node
/**
 * `npm start`: the App's server. With the App's credentials it runs leakhound's own server (Probot's
 * webhook middleware behind bounded body reads, src/server/start.ts), which also forwards a smee.io
 * channel's deliveries for local development (WEBHOOK_PROXY_URL). With REDIS_URL too, it is a webhook
 * receiver of the fleet mode: it queues deliveries for `leakhound worker` processes (src/fleet/).
 * Without the credentials it creates such a
 * channel and hands over to Probot's `run`, which serves the setup flow that registers the App.
 */
import { run } from 'probot';
import leakhound from '../index.js';
import { lifecycle, stopOnSignals } from '../server/lifecycle.js';
import { createLog } from '../server/log.js';
import { hasAppCredentials, loadDotEnv } from '../server/dotenv.js';
import { DEFAULT_WEBHOOK_PATH, startServer } from '../server/start.js';
import { createWebhookChannel, forwardWebhookChannel } from '../server/webhook-channel.js';

loadDotEnv();

const env = process.env;
const hasCredentials = hasAppCredentials(env);
// Probot's defaults: JSON logs in production, readable ones elsewhere (Probot's own run too).
env.LOG_FORMAT ||= env.NODE_ENV === 'production' ? 'json' : 'pretty';

if (!hasCredentials) {
  // Probot would make the channel itself, but only after rendering its "use an existing App" page,
  // which then shows no webhook URL; made here, the page, the manifest and .env all have it.
  if (wantsSetupChannel(env)) {
    await createWebhookChannel(env, '.env', await createLog(env));
    env.NO_SMEE_SETUP = 'true'; // tried once, and said how it went: Probot need not try (and warn) again
  }
  await run(leakhound);
} else {
  // With REDIS_URL this server is a receiver: it queues deliveries for `leakhound worker` processes.
  const appFn = env.REDIS_URL ? (await import('../fleet/modes.js')).receiverApp(env.REDIS_URL) : leakhound;
  const running = await startServer({
    appFn,
    port: Number(env.PORT) || 3000,
    ...(env.HOST ? { host: env.HOST } : {}),
    ...(env.WEBHOOK_PATH ? { webhookPath: env.WEBHOOK_PATH } : {}),
  });
  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  const stopForwarding = env.WEBHOOK_PROXY_URL
    ? await forwardWebhookChannel(
        env.WEBHOOK_PROXY_URL,
        `http://${loopbackFor(env.HOST)}:${running.port}${webhookPath}`,
        running.probot.log,
      )
    : undefined;
  // Graceful stop: accept nothing new; webhooks are answered before their runs end, so wait for the
  // runs (tracked by the lifecycle) too; then complete every check run still held, stop, exit.
  stopOnSignals({
    inFlight: 'in-flight runs',
    log: running.probot.log,
    drain: () => Promise.all([stopForwarding?.(), running.close(), lifecycle.idle()]),
  });
}

/** Whether the setup flow should make a smee.io channel: Probot's own conditions for making one. */
function wantsSetupChannel(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV !== 'production' && !env.PROJECT_DOMAIN && !env.WEBHOOK_PROXY_URL && env.NO_SMEE_SETUP !== 'true';
}

/** The address that reaches this server from the same machine. */
function loopbackFor(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
