#!/usr/bin/env node
/**
 * `npm start`: the App's server. With the App's credentials it runs leakhound's own server (Probot's
 * webhook middleware behind bounded body reads, src/server/start.ts). Without them, or with a
 * smee.io channel for local development (WEBHOOK_PROXY_URL), it hands over to Probot's `run`,
 * which serves the setup flow that registers the App, or forwards smee's deliveries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { run } from 'probot';
import leakhound from '../index.js';
import { startServer } from '../server/start.js';

// Probot's setup flow writes the App's credentials to .env; read it as `probot run` does (the file
// wins over the environment there too).
if (existsSync('.env')) Object.assign(process.env, parseEnv(readFileSync('.env', 'utf8')));

const env = process.env;
const hasCredentials = !!env.APP_ID && !!(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);

if (!hasCredentials || env.WEBHOOK_PROXY_URL) {
  await run(leakhound);
} else {
  // Probot's defaults: JSON logs in production, readable ones elsewhere.
  env.LOG_FORMAT ||= env.NODE_ENV === 'production' ? 'json' : 'pretty';
  const running = await startServer({
    appFn: leakhound,
    port: Number(env.PORT) || 3000,
    ...(env.HOST ? { host: env.HOST } : {}),
    ...(env.WEBHOOK_PATH ? { webhookPath: env.WEBHOOK_PATH } : {}),
  });
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
