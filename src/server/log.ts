/**
 * The server's logger: Probot's (pino, formatted by @probot/pino from LOG_FORMAT, LOG_LEVEL,
 * LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY), except that an error never carries a webhook's payload.
 * @octokit/webhooks attaches the whole delivery (`error.event`) to every error it raises (a bad
 * signature, a failing handler), and Probot logs those errors as they are: one unsigned POST put
 * its whole body in the log. Only the delivery's id and event name are kept.
 */
import { getTransformStream } from '@probot/pino';
import { pino, stdSerializers, type Logger } from 'pino';

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

/** The logger Probot would make from the environment, with {@link payloadFreeError} for errors. */
export async function createLog(env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const transform = await getTransformStream({
    logFormat: env.LOG_FORMAT === 'json' ? 'json' : 'pretty',
    logLevelInString: env.LOG_LEVEL_IN_STRING === 'true',
  });
  transform.pipe(process.stdout);
  return pino(
    {
      level: env.LOG_LEVEL || 'info',
      messageKey: env.LOG_MESSAGE_KEY || 'msg',
      serializers: { err: payloadFreeError },
    },
    transform,
  );
}
