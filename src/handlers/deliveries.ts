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
