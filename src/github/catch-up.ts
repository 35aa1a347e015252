/**
 * Catch-up after downtime. GitHub does not redeliver a webhook it could not deliver (the server was
 * down, restarting, or answered with an error), so a pull request opened during an outage would
 * never be reviewed. On start and then periodically the App lists its recent deliveries
 * (`GET /app/hook/deliveries`) and asks GitHub to redeliver each one it handles that no attempt
 * delivered (`POST /app/hook/deliveries/{id}/attempts`). A redelivery keeps its delivery id, so one
 * that was handled after all is recognised and not handled twice.
 */
import type { GitHubClient } from './client.js';

/** One attempt of a delivery, as GitHub lists it. */
interface DeliveryAttempt {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
  readonly status_code: number;
  readonly event: string;
  readonly action: string | null;
}

/** What {@link catchUp} needs. */
export interface CatchUpOptions {
  /** A client authenticated as the App (a JWT), which may list and redeliver deliveries. */
  readonly appClient: () => Promise<GitHubClient>;
  /** Whether a delivery id was handled or queued (by this process, or by the fleet through Redis). */
  readonly handled: (guid: string) => boolean | Promise<boolean>;
  /** Whether the App acts on an event (`pull_request.opened`): only those are worth a redelivery. */
  readonly acts: (event: string) => boolean;
  readonly log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Only deliveries newer than this many milliseconds are looked at (default 3 days: GitHub keeps them that long). */
  readonly windowMs?: number;
  /** At most this many pages of 100 deliveries are read per sweep (default 10). */
  readonly maxPages?: number;
  /** At most this many redeliveries are asked for per sweep (default 50). */
  readonly maxRedeliveries?: number;
  readonly now?: () => number;
}

/** Delivery ids already redelivered by this process, and when: each is asked for once an hour at most. */
const asked = new Map<string, number>();
const ASK_AGAIN_AFTER_MS = 60 * 60 * 1000;

/** Lists the recent deliveries and asks for every undelivered one to be redelivered; returns how many were. */
export async function catchUp(options: CatchUpOptions): Promise<number> {
  const now = (options.now ?? Date.now)();
  const since = now - (options.windowMs ?? 3 * 24 * 60 * 60 * 1000);
  const octokit = await options.appClient();
  const attempts = new Map<string, DeliveryAttempt[]>();
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 10); page++) {
    const { data, headers } = await octokit.request('GET /app/hook/deliveries', { per_page: 100, ...(cursor ? { cursor } : {}) });
    let older = false;
    for (const attempt of data as DeliveryAttempt[]) {
      if (Date.parse(attempt.delivered_at) < since) older = true;
      else attempts.set(attempt.guid, [...(attempts.get(attempt.guid) ?? []), attempt]);
    }
    cursor = /[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"/.exec(String(headers.link ?? ''))?.[1];
    if (older || !cursor) break;
  }
  let redelivered = 0;
  for (const [guid, tries] of attempts) {
    if (redelivered >= (options.maxRedeliveries ?? 50)) break;
    const latest = tries.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) ? b : a));
    const event = latest.action ? `${latest.event}.${latest.action}` : latest.event;
    if (!options.acts(event) || tries.some(delivered) || (await options.handled(guid))) continue;
    if (now - (asked.get(guid) ?? -Infinity) < ASK_AGAIN_AFTER_MS) continue;
    asked.set(guid, now);
    try {
      await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: latest.id });
      redelivered++;
    } catch (error) {
      options.log.warn({ delivery: guid, err: error }, 'could not ask GitHub to redeliver a lost webhook');
    }
  }
  if (redelivered > 0) options.log.info({ redelivered }, 'asked GitHub to redeliver webhooks no attempt delivered');
  return redelivered;
}

function delivered(attempt: DeliveryAttempt): boolean {
  return attempt.status_code >= 200 && attempt.status_code < 300;
}

/** Runs {@link catchUp} now and then every `everyMs`, never two at once; returns a function that stops it. */
export function startCatchUp(options: CatchUpOptions & { readonly everyMs: number }): () => void {
  let running = false;
  const sweep = (): void => {
    if (running) return;
    running = true;
    catchUp(options)
      .catch((error: unknown) => options.log.warn({ err: error }, 'could not list the recent webhook deliveries'))
      .finally(() => (running = false));
  };
  const first = setTimeout(sweep, 0);
  const timer = setInterval(sweep, options.everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
