/**
 * A smee.io channel for local development: GitHub does not deliver webhooks to `localhost`, so the
 * setup flow registers the App with a public channel URL, and the server forwards the channel's
 * deliveries to its own webhook path. smee-client is a development dependency; without it both
 * steps say how to get it and the server carries on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { messageOf } from '../review/stage.js';

/** Where channels are made unless WEBHOOK_PROXY_NEW_CHANNEL_URL names another smee server's `/new`. */
export const SMEE_NEW_CHANNEL_URL = 'https://smee.io/new';

/** The log calls this module makes (Probot's logger has them). */
export interface ChannelLog {
  info(message: string): void;
  warn(message: string): void;
}

type SmeeClient = typeof import('smee-client').SmeeClient;

async function loadSmee(log: ChannelLog): Promise<SmeeClient | undefined> {
  try {
    return (await import('smee-client')).SmeeClient;
  } catch {
    log.warn('smee-client is not installed (it is a development dependency: run `npm ci` in a checkout); no webhook channel');
    return undefined;
  }
}

/**
 * Creates a channel for the setup flow and records it as WEBHOOK_PROXY_URL, in `env` and in the
 * `.env` file at `envFile` (the line is replaced, or added), so the App is registered with it, the
 * "use an existing App" page shows it, and the next start forwards from it. Returns the URL, or
 * undefined (with a warning saying what to do) when no channel could be made.
 */
export async function createWebhookChannel(env: NodeJS.ProcessEnv, envFile: string, log: ChannelLog): Promise<string | undefined> {
  const SmeeClient = await loadSmee(log);
  if (!SmeeClient) return undefined;
  const newChannelUrl = env.WEBHOOK_PROXY_NEW_CHANNEL_URL || SMEE_NEW_CHANNEL_URL;
  let url: string;
  try {
    url = await SmeeClient.createChannel({ newChannelUrl });
  } catch (error) {
    log.warn(
      `could not create a webhook channel at ${newChannelUrl} (${messageOf(error)}); ` +
        'set WEBHOOK_PROXY_URL to a channel made at https://smee.io/new and start again',
    );
    return undefined;
  }
  env.WEBHOOK_PROXY_URL = url;
  writeEnvLine(envFile, 'WEBHOOK_PROXY_URL', url);
  log.info(`webhook channel ${url} created and written to .env as WEBHOOK_PROXY_URL`);
  return url;
}

/** Sets `key=value` in a dotenv file: replaces the key's line when there is one, otherwise appends it. */
export function writeEnvLine(path: string, key: string, value: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const line = `${key}=${value}`;
  const pattern = new RegExp(`^${key}=.*$`, 'm');
  const next = pattern.test(text) ? text.replace(pattern, line) : `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
  writeFileSync(path, next);
}

/**
 * Forwards the deliveries of the channel at `url` to `target` (the server's webhook URL). Resolves
 * once connected with a function that stops forwarding, or undefined when smee-client is missing.
 */
export async function forwardWebhookChannel(url: string, target: string, log: ChannelLog): Promise<(() => Promise<void>) | undefined> {
  const SmeeClient = await loadSmee(log);
  if (!SmeeClient) return undefined;
  const logger = {
    info: (message: string) => log.info(`webhook channel: ${message}`),
    error: (message: string, error?: unknown) => log.warn(`webhook channel: ${message}${error ? `: ${messageOf(error)}` : ''}`),
  };
  const client = new SmeeClient({ source: url, target, logger });
  try {
    await client.start();
  } catch (error) {
    await client.stop().catch(() => undefined);
    log.warn(`could not connect to the webhook channel ${url} (${messageOf(error)}); webhooks are not forwarded`);
    return undefined;
  }
  log.info(`forwarding webhooks from ${url} to ${target}`);
  return () => client.stop();
}
