/** StageError is an error of one step of a run, named so logs and summaries say where it broke. */
export class StageError extends Error {
  /** The HTTP status GitHub answered with, when the failure was an API error. */
  readonly status: number | undefined;

  /** The step that failed ("list pull request files"). */
  readonly stage: string;

  constructor(stage: string, cause: unknown) {
    const status = answered(cause) ? statusOf(cause) : undefined;
    super(`${stage} failed: ${status !== undefined ? `HTTP ${status}, ` : ''}${messageOf(cause)}`, { cause });
    this.stage = stage;
    this.name = 'StageError';
    this.status = status;
  }
}

/** stage runs one step and wraps whatever it throws in a {@link StageError} naming the step. */
export async function stage<T>(name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw error instanceof StageError ? error : new StageError(name, error);
  }
}

/** statusOf returns the HTTP status of an Octokit RequestError (or anything with a numeric `status`). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Whether an error is a request that got no answer: Octokit reports a DNS failure, a refused
 * connection or a time limit as status 500 without a response. That is not an HTTP 500, and is
 * not called one.
 */
function unanswered(error: unknown): boolean {
  return error instanceof Error && 'request' in error && (error as { response?: unknown }).response === undefined;
}

/** Whether an error carries an HTTP status GitHub answered with. */
export function answered(error: unknown): boolean {
  return statusOf(error) !== undefined && !unanswered(error);
}

/** For a request that got no answer, its innermost cause ("getaddrinfo ENOTFOUND api.github.com"); else the error. */
function realCause(error: unknown): unknown {
  if (!unanswered(error)) return error;
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  return current;
}

/**
 * messageOf returns the first line of an error's message (for a request that got no answer, its
 * real cause's), without anything that looks like a token.
 */
export function messageOf(error: unknown): string {
  const cause = realCause(error);
  // An Error, or an error-like object (an EventSource ErrorEvent carries a message but is no Error).
  const text =
    cause instanceof Error
      ? cause.message
      : cause && typeof cause === 'object' && 'message' in cause
        ? String(cause.message)
        : String(cause);
  const first = text.split('\n')[0] ?? text;
  return first.replace(/\b(gh[pousr]_[A-Za-z0-9_]{10,}|v1\.[0-9a-f]{20,})\b/g, '[redacted]').slice(0, 300);
}
