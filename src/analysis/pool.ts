import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { groupByDirectory } from './directories.js';
import type { AnalysisResult, FileProblem, Finding, SourceFile } from '../model.js';
import type { SerializableOptions, WorkerMessage, WorkerTask } from './pool-worker.js';

/** Options of {@link AnalysisPool}. */
export interface PoolOptions {
  /** Worker processes (default 1: analyses run one at a time, off the server's event loop). */
  readonly size?: number;
  /** How long one file may take (parse or rules) before it is skipped (default 10 s). */
  readonly fileBudgetMs?: number;
  /** How long all of one analysis may take; the files it did not reach are skipped and named (default: no limit). */
  readonly runBudgetMs?: number;
  /** How much Go source one analysis reads; packages past it are skipped and named (default: no limit). */
  readonly runMaxBytes?: number;
  /** Packages are analysed in slices of about this many bytes, the unit analyses take turns by (default 1 MiB). */
  readonly sliceBytes?: number;
  /** How long matching paths against exclude patterns may take (default 2 s). */
  readonly matchBudgetMs?: number;
}

/** Whose analysis it is: analyses of different tenants (the App's installations) take turns, slice by slice. */
export interface Schedule {
  readonly tenant?: string;
}

/** One analysis: its slices, what they found, and the budget it has used. */
interface Run {
  readonly tenant: string;
  readonly options: SerializableOptions;
  readonly pending: SourceFile[][];
  running: number;
  spentMs: number;
  readonly findings: Finding[];
  readonly problems: FileProblem[];
  filesAnalysed: number;
  settled: boolean;
  resolve(result: AnalysisResult): void;
  reject(error: Error): void;
}

/** A slice in a worker; `chargedAt` is when its time was last added to its run's budget. */
interface SliceJob {
  readonly kind: 'slice';
  readonly run: Run;
  readonly files: readonly SourceFile[];
  chargedAt: number;
}

type Job =
  | SliceJob
  | {
      readonly kind: 'match';
      readonly patterns: readonly string[];
      readonly paths: readonly string[];
      resolve(matched: boolean[]): void;
      reject(error: Error): void;
    };

type MatchJob = Extract<Job, { kind: 'match' }>;

interface Slot {
  worker: ChildProcess | undefined;
  job: Job | undefined;
  taskId: number;
  current: string | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Which budget the timer ends: the file's, or the run's (sooner). */
  armedFor: 'file' | 'run';
}

const WORKER_URL = new URL('./pool-worker.js', import.meta.url);
/** How long a worker may take to start and take its first file. */
const STARTUP_MS = 30_000;
const DEFAULT_SLICE_BYTES = 1024 * 1024;

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round(n / 1024 / 1024)} MiB`;
  return n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}

function sizeOf(files: readonly SourceFile[]): number {
  return files.reduce((sum, file) => sum + file.content.length, 0);
}

/**
 * AnalysisPool runs analyses in worker processes so the event loop stays free while a large pull
 * request is analysed.
 *
 * - **Per-file budget.** When one file takes longer (a pathological input), its worker is
 *   stopped, the file is reported as skipped, and the rest of its slice is analysed again.
 * - **Slices and turns.** An analysis is cut into slices of whole packages (about `sliceBytes`
 *   each; a larger package is one slice). Tenants (installations) take turns slice by slice, and so
 *   do the analyses of one tenant, so a small pull request waits for one slice of a big one per
 *   tenant ahead of it, not for all of it.
 * - **Several workers.** A tenant with nothing running is served before one that has a slice in
 *   a worker, so one heavy package (a package is never split) holds one worker, not all of them.
 * - **Per-run budget.** With `runBudgetMs` / `runMaxBytes`, the packages an analysis does not
 *   reach in time or within its bytes are named as skipped: bounded work, and nothing lost silently.
 * - **Matching off the event loop.** `match` runs exclude globs (which can backtrack
 *   exponentially) in the worker, under `matchBudgetMs`.
 */
export class AnalysisPool {
  private readonly slots: Slot[];
  /** Runs with slices waiting, by tenant; tenants take turns in `turns` order. */
  private readonly waiting = new Map<string, Run[]>();
  private turns: string[] = [];
  private readonly matches: MatchJob[] = [];
  private readonly budgetMs: number;
  private readonly matchBudgetMs: number;
  private readonly options: PoolOptions;
  private nextId = 1;
  private closed = false;

  constructor(options: PoolOptions = {}) {
    this.options = options;
    this.budgetMs = options.fileBudgetMs ?? 10_000;
    this.matchBudgetMs = options.matchBudgetMs ?? 2000;
    this.slots = Array.from({ length: Math.max(1, options.size ?? 1) }, () => ({
      worker: undefined,
      job: undefined,
      taskId: 0,
      current: undefined,
      timer: undefined,
      armedFor: 'file' as const,
    }));
  }

  /** Analyses files in a worker; resolves with the same result shape as `analyze`. */
  analyze(files: readonly SourceFile[], options: SerializableOptions = {}, schedule: Schedule = {}): Promise<AnalysisResult> {
    if (this.closed) return Promise.reject(new Error('the analysis pool is closed'));
    return new Promise((resolve, reject) => {
      const run: Run = {
        tenant: schedule.tenant ?? '',
        options,
        pending: [],
        running: 0,
        spentMs: 0,
        findings: [],
        problems: [],
        filesAnalysed: 0,
        settled: false,
        resolve,
        reject,
      };
      this.slice(run, files);
      if (run.pending.length === 0) return this.finishSlice(run);
      this.enqueue(run);
      this.dispatch();
    });
  }

  /** For each path, whether it matches one of `patterns`: in a worker, under the match budget. */
  match(patterns: readonly string[], paths: readonly string[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new Error('the analysis pool is closed'));
    if (patterns.length === 0 || paths.length === 0) return Promise.resolve(paths.map(() => false));
    return new Promise((resolve, reject) => {
      this.matches.push({ kind: 'match', patterns, paths, resolve, reject });
      this.dispatch();
    });
  }

  /** Slices and matches waiting for a worker (for the queue-depth metric). */
  queued(): number {
    let slices = this.matches.length;
    for (const runs of this.waiting.values()) for (const run of runs) slices += run.pending.length;
    return slices;
  }

  /** Stops every worker; pending analyses are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('the analysis pool was closed');
    for (const runs of this.waiting.values()) for (const run of runs) this.fail(run, error);
    this.waiting.clear();
    this.turns = [];
    for (const job of this.matches.splice(0)) job.reject(error);
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.timer);
        const job = slot.job;
        slot.job = undefined;
        if (job?.kind === 'match') job.reject(error);
        if (job?.kind === 'slice') this.fail(job.run, error);
        const worker = slot.worker;
        slot.worker = undefined;
        if (worker && worker.exitCode === null && worker.signalCode === null) {
          this.busy(worker);
          const exited = new Promise((resolve) => worker.once('exit', resolve));
          worker.kill('SIGKILL');
          await exited;
        }
      }),
    );
  }

  /** Cuts a run's files into slices of whole directories, skipping those past its bytes budget. */
  private slice(run: Run, files: readonly SourceFile[]): void {
    const maxBytes = this.options.runMaxBytes ?? Infinity;
    const sliceBytes = this.options.sliceBytes ?? DEFAULT_SLICE_BYTES;
    let total = 0;
    let current: SourceFile[] = [];
    let currentBytes = 0;
    for (const dir of groupByDirectory(files)) {
      const size = sizeOf(dir);
      if (total + size > maxBytes) {
        const reason = `not analysed: the pull request's Go packages exceed the ${bytes(maxBytes)} one run may read`;
        for (const file of dir) run.problems.push({ path: file.path, reason, kind: 'skipped' });
        continue;
      }
      total += size;
      if (current.length > 0 && currentBytes + size > sliceBytes) {
        run.pending.push(current);
        current = [];
        currentBytes = 0;
      }
      current.push(...dir);
      currentBytes += size;
    }
    if (current.length > 0) run.pending.push(current);
  }

  private enqueue(run: Run): void {
    const runs = this.waiting.get(run.tenant);
    if (runs) runs.push(run);
    else {
      this.waiting.set(run.tenant, [run]);
      this.turns.push(run.tenant);
    }
  }

  /** The next slice: from the tenant whose turn it is, from the run whose turn it is; both go to the back. */
  private nextSlice(): { run: Run; files: SourceFile[] } | undefined {
    // With several workers, a tenant with nothing running goes before one already being served:
    // one heavy package (never split) then holds one worker, not every worker.
    const busy = new Set(this.slots.flatMap((slot) => (slot.job?.kind === 'slice' ? [slot.job.run.tenant] : [])));
    const idleTurn = this.turns.findIndex((tenant) => !busy.has(tenant));
    if (idleTurn > 0) this.turns.push(...this.turns.splice(0, idleTurn));
    while (this.turns.length > 0) {
      const tenant = this.turns.shift() as string;
      const runs = this.waiting.get(tenant) ?? [];
      while (runs.length > 0 && (runs[0]?.pending.length ?? 0) === 0) runs.shift();
      const run = runs[0];
      if (!run) {
        this.waiting.delete(tenant);
        continue;
      }
      const files = run.pending.shift() as SourceFile[];
      // Within a tenant its runs take turns too: the run goes to the back while it has slices left.
      runs.shift();
      if (run.pending.length > 0) runs.push(run);
      if (runs.length > 0) this.turns.push(tenant);
      else this.waiting.delete(tenant);
      return { run, files };
    }
    return undefined;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (!slot.job) {
        const job = this.nextJob();
        if (!job) return;
        this.start(slot, job);
      }
    }
  }

  /** Matches first (they are small), then the next slice whose run still has budget. */
  private nextJob(): Job | undefined {
    const match = this.matches.shift();
    if (match) return match;
    for (;;) {
      const next = this.nextSlice();
      if (!next) return undefined;
      const { run, files } = next;
      if (run.settled) continue;
      const runBudget = this.options.runBudgetMs;
      if (runBudget !== undefined && run.spentMs >= runBudget) {
        this.skipAll(run, files, this.runBudgetSpent());
        this.finishSlice(run);
        continue;
      }
      run.running++;
      return { kind: 'slice', run, files, chargedAt: Date.now() };
    }
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.taskId = this.nextId++;
    slot.current = undefined;
    const fresh = slot.worker === undefined;
    const worker = slot.worker ?? this.spawn(slot);
    this.busy(worker);
    const task: WorkerTask =
      job.kind === 'match'
        ? { id: slot.taskId, kind: 'match', patterns: job.patterns, paths: job.paths }
        : { id: slot.taskId, kind: 'analyze', files: job.files, options: job.run.options };
    // A fresh worker first loads the parser; the budgets start with its first file.
    if (job.kind === 'match') this.arm(slot, Math.max(this.matchBudgetMs, fresh ? STARTUP_MS : 0), 'file');
    else this.armSlice(slot, job.run, fresh ? STARTUP_MS : 0);
    worker.send(task);
  }

  /** Arms a slice's timer: the per-file budget, or the rest of the run's budget when that ends sooner. */
  private armSlice(slot: Slot, run: Run, atLeast = 0): void {
    const runLeft = this.options.runBudgetMs === undefined ? Infinity : this.options.runBudgetMs - run.spentMs;
    if (runLeft < this.budgetMs && runLeft >= atLeast) this.arm(slot, Math.max(1, runLeft), 'run');
    else this.arm(slot, Math.max(this.budgetMs, atLeast), 'file');
  }

  private spawn(slot: Slot): ChildProcess {
    const worker = fork(fileURLToPath(WORKER_URL), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // gc() lets the worker free earlier slices' syntax trees before the next (pool-worker.ts).
      execArgv: ['--expose-gc'],
    });
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error) => this.onCrash(slot, worker, error));
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) this.onCrash(slot, worker, new Error(`analysis worker exited (${signal ?? `code ${code}`})`));
    });
    this.idle(worker);
    slot.worker = worker;
    return worker;
  }

  /** An idle worker must not keep the server (or a test run) alive. */
  private idle(worker: ChildProcess): void {
    worker.unref();
    worker.channel?.unref();
  }

  private busy(worker: ChildProcess): void {
    worker.ref();
    worker.channel?.ref();
  }

  private arm(slot: Slot, ms: number, armedFor: Slot['armedFor']): void {
    clearTimeout(slot.timer);
    slot.armedFor = armedFor;
    slot.timer = setTimeout(() => this.onTimeout(slot), ms);
    slot.timer.unref();
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const job = slot.job;
    if (!job || message.id !== slot.taskId) return;
    if (message.type === 'progress') {
      if (job.kind === 'slice') {
        this.charge(job, Date.now());
        slot.current = message.path;
        this.armSlice(slot, job.run);
      }
      return;
    }
    clearTimeout(slot.timer);
    slot.job = undefined;
    if (slot.worker) this.idle(slot.worker);
    if (job.kind === 'match') {
      if (message.type === 'matched') job.resolve(message.matched);
      else job.reject(new Error(`matching the exclude patterns failed: ${message.type === 'failed' ? message.error : 'no answer'}`));
    } else {
      const run = job.run;
      this.charge(job, Date.now());
      run.running--;
      if (message.type === 'done') {
        run.findings.push(...message.result.findings);
        run.problems.push(...message.result.problems);
        run.filesAnalysed += message.result.filesAnalysed;
        this.finishSlice(run);
      } else {
        this.fail(run, new Error(`analysis failed: ${message.type === 'failed' ? message.error : 'no answer'}`));
      }
    }
    this.dispatch();
  }

  /** Adds the time a slice has run since it was last charged to its run's budget. */
  private charge(job: SliceJob, now: number): void {
    job.run.spentMs += now - job.chargedAt;
    job.chargedAt = now;
  }

  /** Resolves a run once its last slice is done. */
  private finishSlice(run: Run): void {
    if (run.settled || run.running > 0 || run.pending.length > 0) return;
    run.settled = true;
    run.findings.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
    run.resolve({ findings: run.findings, problems: run.problems, filesAnalysed: run.filesAnalysed });
  }

  private fail(run: Run, error: Error): void {
    if (run.settled) return;
    run.settled = true;
    run.pending.length = 0;
    run.reject(error);
  }

  /** Why a file the run's time budget did not reach was not analysed. */
  private runBudgetSpent(): string {
    return `not analysed: the run used up its ${seconds(this.options.runBudgetMs ?? 0)} analysis budget`;
  }

  private skipAll(run: Run, files: readonly SourceFile[], reason: string): void {
    for (const file of files) run.problems.push({ path: file.path, reason, kind: 'skipped' });
  }

  /**
   * A budget ran out. For a match: it fails. For a slice: when the run's budget is used up, the
   * slice's files are skipped; otherwise the file in progress overran the per-file budget and is
   * skipped, and the rest of the slice is analysed again.
   */
  private onTimeout(slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    const worker = slot.worker;
    slot.worker = undefined;
    slot.job = undefined;
    worker?.kill('SIGKILL');
    if (job.kind === 'match') {
      job.reject(new Error(`the exclude patterns took longer than ${seconds(this.matchBudgetMs)} to match ${job.paths.length} paths`));
      this.dispatch();
      return;
    }
    const run = job.run;
    this.charge(job, Date.now());
    run.running--;
    const culprit = slot.current;
    if (slot.armedFor === 'run') {
      this.skipAll(run, job.files, this.runBudgetSpent());
      this.finishSlice(run);
    } else if (!culprit) {
      this.fail(run, new Error('the analysis did not start within its time budget'));
    } else {
      run.problems.push({
        path: culprit,
        reason: `analysis took longer than the ${seconds(this.budgetMs)} per-file budget`,
        kind: 'skipped',
      });
      run.running++;
      this.start(slot, { kind: 'slice', run, files: job.files.filter((f) => f.path !== culprit), chargedAt: Date.now() });
      return;
    }
    this.dispatch();
  }

  private onCrash(slot: Slot, worker: ChildProcess, error: Error): void {
    if (slot.worker !== worker) return;
    clearTimeout(slot.timer);
    slot.worker = undefined;
    const job = slot.job;
    slot.job = undefined;
    if (job?.kind === 'match') job.reject(error);
    if (job?.kind === 'slice') {
      job.run.running--;
      this.fail(job.run, error);
    }
    this.dispatch();
  }
}
