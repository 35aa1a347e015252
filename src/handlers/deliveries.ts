/**
 * DeliveryLog remembers recent webhook deliveries by their `X-GitHub-Delivery` id, so a delivery
 * GitHub sends again (a redelivery keeps its id) is handled once. A delivery whose handler failed is
 * forgotten, so a redelivery of it is handled again: nothing is lost.
 */
export class DeliveryLog {
  readonly #state = new Map<string, 'running' | 'done'>();
  readonly #limit: number;

  /** `limit`: how many delivery ids are kept (the oldest are dropped first). */
  constructor(limit = 5000) {
    this.#limit = limit;
  }

  /** begin returns false when `id` is running or was handled; otherwise it marks it running. */
  begin(id: string): boolean {
    if (this.#state.has(id)) return false;
    this.#state.set(id, 'running');
    while (this.#state.size > this.#limit) {
      const oldest = this.#state.keys().next().value;
      if (oldest === undefined) break;
      this.#state.delete(oldest);
    }
    return true;
  }

  /** end records the outcome: a handled delivery stays known, a failed one is forgotten. */
  end(id: string, ok: boolean): void {
    if (ok) {
      if (this.#state.has(id)) this.#state.set(id, 'done');
    } else {
      this.#state.delete(id);
    }
  }

  /** Whether `id` is being handled or was handled. */
  has(id: string): boolean {
    return this.#state.has(id);
  }

  /** The number of deliveries remembered. */
  get size(): number {
    return this.#state.size;
  }
}

/** The part of a Probot context {@link once} uses. */
export interface DeliveryContext {
  /** The delivery id (`X-GitHub-Delivery`). */
  readonly id: string;
  readonly log: { info(obj: object, msg?: string): void };
}

/** What {@link handleOnce} does with the work of a delivery. */
export interface DeliveryWork<C> {
  /**
   * Answer the webhook as soon as the delivery is accepted (verified, new) and run the handler
   * after the answer; `track` receives the work (for graceful shutdown), `failed` its error.
   * Without it the answer waits for the handler, and a failure fails the delivery.
   */
  readonly background?: {
    track(work: Promise<void>): void;
    failed(context: C, error: unknown): void;
  };
}

/**
 * handleOnce wraps a webhook handler so each delivery id is handled at most once (see
 * {@link DeliveryLog}), in the background when asked: GitHub waits at most 10 s for an answer and
 * marks a slower delivery failed, while a run's pacing alone can take longer.
 */
export function handleOnce<C extends DeliveryContext>(
  log: DeliveryLog,
  handler: (context: C) => Promise<void>,
  work: DeliveryWork<C> = {},
): (context: C) => Promise<void> {
  const background = work.background;
  if (!background) return once(log, handler);
  // once() checks the delivery id before its first await, so a duplicate is still refused at once.
  const handled = once(log, handler);
  return (context) => {
    background.track(handled(context).catch((error: unknown) => background.failed(context, error)));
    return Promise.resolve();
  };
}

/** once wraps a webhook handler so each delivery id is handled at most once (see {@link DeliveryLog}). */
export function once<C extends DeliveryContext>(log: DeliveryLog, handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    if (!log.begin(context.id)) return context.log.info({ delivery: context.id }, 'ignored: delivery already handled');
    let ok = false;
    try {
      await handler(context);
      ok = true;
    } finally {
      log.end(context.id, ok);
    }
  };
}
