/**
 * The server's edges that the app has a say in: readiness (`/ready` asks every registered check)
 * and shutdown (on SIGTERM, after in-flight webhooks had their grace period, every registered task
 * runs: the App completes the check runs it still holds and stops its workers).
 */
import { envNumber } from './dotenv.js';

/** A readiness check: resolves when ready, throws (with the reason) when not. */
export type ReadinessCheck = () => Promise<void>;

/** What `/ready` answers. */
export interface Readiness {
  readonly ready: boolean;
  /** Set when an optional check failed: the server still works, with less (what, and why). */
  readonly degraded?: readonly string[];
  /** Each check's outcome: "ok", or why not. */
  readonly checks: Record<string, string>;
}

/** Options of a readiness check. */
export interface ReadinessCheckOptions {
  /**
   * The check is optional: when it fails the server is still ready, degraded, and this says how
   * (e.g. "webhooks are handled in this process").
   */
  readonly degradedMeans?: string;
}

/** Registered readiness checks and shutdown tasks. */
export class Lifecycle {
  readonly #checks = new Map<string, { readonly check: ReadinessCheck; readonly degradedMeans?: string }>();
  readonly #shutdown: Array<() => Promise<void>> = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  #cached: { at: number; readiness: Promise<Readiness> } | undefined;

  /** Adds (or replaces) a named readiness check. */
  addReadinessCheck(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): void {
    this.#checks.set(name, { check, ...options });
    this.#cached = undefined;
  }

  /** Adds a task to run on shutdown. */
  onShutdown(task: () => Promise<void>): void {
    this.#shutdown.push(task);
  }

  /** Runs every check (each within `timeoutMs`), reusing a ready answer younger than `maxAgeMs`. */
  ready(options: { timeoutMs?: number; maxAgeMs?: number; now?: () => number } = {}): Promise<Readiness> {
    const now = (options.now ?? Date.now)();
    if (this.#cached && now - this.#cached.at < (options.maxAgeMs ?? 10_000)) return this.#cached.readiness;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const readiness = (async (): Promise<Readiness> => {
      const checks: Record<string, string> = {};
      const degraded: string[] = [];
      let ready = true;
      await Promise.all(
        [...this.#checks].map(async ([name, { check, degradedMeans }]) => {
          let timer: NodeJS.Timeout | undefined;
          const limit = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          });
          try {
            await Promise.race([check(), limit]);
            checks[name] = 'ok';
          } catch (error) {
            checks[name] = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed';
            if (degradedMeans === undefined) ready = false;
            else degraded.push(`${name}: ${degradedMeans}`);
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      return { ready, ...(degraded.length > 0 ? { degraded } : {}), checks };
    })();
    // A ready answer is reused for a while (each check costs a GitHub request); a failing one is asked again next time.
    this.#cached = { at: now, readiness };
    void readiness.then((answer) => {
      if ((!answer.ready || answer.degraded) && this.#cached?.readiness === readiness) this.#cached = undefined;
    });
    return readiness;
  }

  /** Tracks work that outlives the request that started it (a run after its webhook was answered). */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
  }

  /** Resolves once no tracked work is left (work tracked while waiting is waited for too). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** How much tracked work is in flight. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Runs every shutdown task, the last added first (as defers run); one failing does not stop the others. */
  async shutdown(): Promise<void> {
    for (const task of [...this.#shutdown].reverse()) await task().catch(() => undefined);
  }
}

/** The process's lifecycle: the server reads it, the app registers into it. */
export const lifecycle = new Lifecycle();

/** How long in-flight work may take after SIGTERM: LEAKHOUND_SHUTDOWN_GRACE_MS, default 20 s (orchestrators kill at 30 s). */
export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  return envNumber('LEAKHOUND_SHUTDOWN_GRACE_MS', env) ?? 20_000;
}

/** Options of {@link stopOnSignals}. */
export interface GracefulStop {
  /** Stops taking new work and resolves once the work in hand is done. */
  readonly drain: () => Promise<unknown>;
  /** The work the grace period is for, as the log names it ("in-flight runs"). */
  readonly inFlight: string;
  readonly log: { info(message: string): void };
  readonly graceMs?: number;
}

/**
 * On SIGTERM or SIGINT: drain within the grace period, then run the lifecycle's shutdown tasks
 * (complete the check runs still held, stop the analysis workers) and exit, 0 or 1 if they failed.
 */
export function stopOnSignals(options: GracefulStop): void {
  const graceMs = options.graceMs ?? shutdownGraceMs();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    options.log.info(`${signal}: stopping; ${options.inFlight} have ${graceMs} ms to finish`);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    void Promise.race([options.drain().catch(() => undefined), grace])
      .then(() => lifecycle.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
