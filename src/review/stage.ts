/** StageError is an error of one step of a run, named so logs and summaries say where it broke. */
export class StageError extends Error {
  /** The HTTP status GitHub answered with, when the failure was an API error. */
  readonly status: number | undefined;

  /** The step that failed ("list pull request files"). */
  readonly stage: string;

  constructor(stage: string, cause: unknown) {
    const status = statusOf(cause);
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

/** messageOf returns the first line of an error's message, without anything that looks like a token. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n')[0] ?? text;
  return first.replace(/\b(gh[pousr]_[A-Za-z0-9_]{10,}|v1\.[0-9a-f]{20,})\b/g, '[redacted]').slice(0, 300);
}
