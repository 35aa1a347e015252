/**
 * The server's logger: Probot's (pino, formatted by @probot/pino from LOG_FORMAT, LOG_LEVEL,
 * LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY), except that an error never carries a webhook's payload.
 * @octokit/webhooks attaches the whole delivery (`error.event`) to every error it raises (a bad
 * signature, a failing handler), and Probot logs those errors as they are: one unsigned POST put
 * its whole body in the log. Only the delivery's id and event name are kept.
 */
import { getTransformStream } from '@probot/pino';
import { pino, stdSerializers, type Logger } from 'pino';
import { messageOf } from '../review/stage.js';

type Serialized = Record<string, unknown>;

/** pino's error serializer, with each webhook event reduced to its id and name (nested errors too). */
export function payloadFreeError(error: unknown): Serialized {
  return strip(stdSerializers.err(error as Error) as unknown as Serialized);
}

function strip(serialized: Serialized): Serialized {
  const { event, ...rest } = serialized;
  if (event && typeof event === 'object') {
    const { id, name } = event as { id?: unknown; name?: unknown };
    rest.event = { id, name };
  }
  for (const key of ['aggregateErrors', 'errors']) {
    const nested = rest[key];
    if (Array.isArray(nested)) rest[key] = nested.map((e) => (e && typeof e === 'object' ? strip(e as Serialized) : e));
  }
  return rest;
}

type EventError = Error & { event?: { id?: unknown; name?: unknown }; errors?: unknown[] };

/**
 * Errors of the webhook layer, one concise line each: @octokit/webhooks and Probot log the same
 * delivery's error two or three times over (the error, its AggregateError, a hint), with stacks.
 * A step of a run that failed (StageError) was logged by the run itself and is not logged again; a
 * bad signature is said plainly; anything else gets its real cause (not "HTTP 500" for a request
 * that got no answer).
 */
export class EventErrorLog {
  /** The errors already logged (an AggregateError is logged after the error inside it). */
  readonly #seen = new WeakSet<Error>();

  /** The arguments to log instead of `args`, or null to log nothing. Other log calls pass through. */
  rewrite(args: unknown[]): unknown[] | null {
    const first = args[0];
    const error = (first instanceof Error ? first : (first as { err?: unknown } | null)?.err) as EventError | undefined;
    if (!(error instanceof Error) || !error.event) return args;
    const inner = (error.name === 'AggregateError' && error.errors?.[0] instanceof Error ? error.errors[0] : error) as EventError;
    if (this.#seen.has(inner)) return null;
    this.#seen.add(inner);
    if (inner.name === 'StageError') return null;
    const event = { id: (inner.event ?? error.event).id, name: (inner.event ?? error.event).name };
    if (/signature does not match/i.test(inner.message)) {
      return [{ event }, 'refused a webhook delivery: its signature does not match WEBHOOK_SECRET'];
    }
    return [{ event, error: inner.name }, `webhook handler failed: ${messageOf(inner)}`];
  }
}

/** The logger Probot would make from the environment, with {@link payloadFreeError} for errors. */
export async function createLog(env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const transform = await getTransformStream({
    logFormat: env.LOG_FORMAT === 'json' ? 'json' : 'pretty',
    logLevelInString: env.LOG_LEVEL_IN_STRING === 'true',
  });
  transform.pipe(process.stdout);
  const eventErrors = new EventErrorLog();
  return pino(
    {
      level: env.LOG_LEVEL || 'info',
      messageKey: env.LOG_MESSAGE_KEY || 'msg',
      serializers: { err: payloadFreeError },
      hooks: {
        logMethod(args, method) {
          const rewritten = eventErrors.rewrite(args);
          if (rewritten) method.apply(this, rewritten as Parameters<typeof method>);
        },
      },
    },
    transform,
  );
}
