/**
 * The webhook receiver of the fleet mode: a verified delivery is queued for the workers
 * (src/fleet/event-queue.ts) and answered. When Redis cannot take it, the receiver handles the
 * delivery itself, as the single-process server does, and says so; nothing is dropped.
 */
import { messageOf } from '../review/stage.js';
import type { EventQueue } from './event-queue.js';

/** The part of a Probot context the receiver uses. */
export interface ReceivedContext {
  readonly id: string;
  readonly name: string;
  readonly payload: unknown;
  readonly log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

/** What `/ready` says while Redis is unreachable. */
export const DEGRADED_WITHOUT_REDIS = 'Redis is unreachable: webhooks are handled in this process until it is back';

/**
 * viaQueue wraps a delivery's handling in this process (`local`) into the receiver's: queue it, or
 * run `local` when the queue cannot take it.
 */
export function viaQueue<C extends ReceivedContext>(
  queue: EventQueue,
  local: (context: C) => Promise<void>,
): (context: C) => Promise<void> {
  return async (context) => {
    const action = (context.payload as { action?: unknown }).action;
    const fields = { delivery: context.id, event: typeof action === 'string' ? `${context.name}.${action}` : context.name };
    let outcome: 'queued' | 'duplicate';
    try {
      outcome = await queue.enqueue({ id: context.id, name: context.name, payload: context.payload });
    } catch (error) {
      context.log.warn(fields, `could not queue the delivery (${messageOf(error)}): handling it in this process`);
      return local(context);
    }
    context.log.info(fields, outcome === 'queued' ? 'queued for a worker' : 'ignored: delivery already handled');
  };
}
