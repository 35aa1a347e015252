/**
 * The check runs this server created and has not completed yet, kept in a small file so that a
 * server that died mid-run (or whose final update GitHub kept refusing) can complete them later:
 * a check run left `in_progress` blocks a pull request's merge box forever. The file lives in
 * LEAKHOUND_STATE_DIR; {@link sweepStaleCheckRuns} reads it on start and periodically.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

/** A check run created and not completed yet, with what is needed to complete it from anywhere. */
export interface OpenCheckRun {
  readonly installationId: number;
  readonly owner: string;
  readonly repo: string;
  readonly checkRunId: number;
  /** When it was created (ms since the epoch). */
  readonly startedAt: number;
  /** The process that created it: `host:pid:token`. */
  readonly createdBy: string;
}

/** The most runs the file keeps; past it the oldest are dropped (and a sweep would have completed them long ago). */
export const MAX_OPEN_CHECK_RUNS = 5000;

/** This process's identity in the file: the token tells a restarted server apart from its predecessor with the same pid. */
export const THIS_PROCESS = `${hostname()}:${process.pid}:${randomUUID()}`;

/** Whether the process named by a `createdBy` is still running (only answerable on this host). */
export function processAlive(createdBy: string): boolean {
  if (createdBy === THIS_PROCESS) return true;
  const [host, pidText] = createdBy.split(':');
  const pid = Number(pidText);
  // Another host's process, or our own pid reused by a previous server (a container's pid 1): not ours to judge / dead.
  if (host !== hostname()) return true;
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isOpenCheckRun(value: unknown): value is OpenCheckRun {
  const run = value as Partial<OpenCheckRun> | null;
  return (
    typeof run === 'object' &&
    run !== null &&
    Number.isInteger(run.installationId) &&
    Number.isInteger(run.checkRunId) &&
    typeof run.owner === 'string' &&
    typeof run.repo === 'string' &&
    typeof run.startedAt === 'number' &&
    typeof run.createdBy === 'string'
  );
}

/**
 * OpenCheckRuns is the record of open check runs. Without a file it lives in memory only (a stuck
 * final update is still completed later, a crash is not). Writes replace the file atomically.
 */
export class OpenCheckRuns {
  readonly #runs = new Map<number, OpenCheckRun>();
  readonly #file: string | undefined;
  /** Why the file could not be read or written, last time it failed (for the log). */
  problem: string | undefined;

  constructor(file?: string) {
    this.#file = file;
    if (!file) return;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      for (const run of Array.isArray(parsed) ? parsed : []) {
        if (isOpenCheckRun(run)) this.#runs.set(run.checkRunId, run);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `could not read ${file}: ${(error as Error).message}`;
    }
  }

  /** Records a check run this process just created. */
  opened(run: Omit<OpenCheckRun, 'createdBy' | 'startedAt'> & { startedAt?: number }): void {
    this.#runs.set(run.checkRunId, { ...run, startedAt: run.startedAt ?? Date.now(), createdBy: THIS_PROCESS });
    while (this.#runs.size > MAX_OPEN_CHECK_RUNS) {
      const oldest = this.#runs.keys().next();
      if (oldest.done) break;
      this.#runs.delete(oldest.value);
    }
    this.#save();
  }

  /** Forgets a check run: it was completed. */
  closed(checkRunId: number): void {
    if (this.#runs.delete(checkRunId)) this.#save();
  }

  /** Every open check run, oldest first. */
  list(): OpenCheckRun[] {
    return [...this.#runs.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  #save(): void {
    if (!this.#file) return;
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      const temporary = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify([...this.#runs.values()]));
      renameSync(temporary, this.#file);
      this.problem = undefined;
    } catch (error) {
      this.problem = `could not write ${this.#file}: ${(error as Error).message}`;
    }
  }
}
