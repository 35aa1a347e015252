import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnalysisResult, FileProblem, SourceFile } from './model.js';
import type { SerializableOptions, WorkerMessage, WorkerTask } from './pool-worker.js';

/** Options of {@link AnalysisPool}. */
export interface PoolOptions {
  /** Worker processes (default 1: analyses run one at a time, off the server's event loop). */
  readonly size?: number;
  /** How long one file may take (parse or rules) before it is skipped (default 10 s). */
  readonly fileBudgetMs?: number;
}

interface Job {
  readonly files: readonly SourceFile[];
  readonly options: SerializableOptions;
  readonly skipped: FileProblem[];
  resolve(result: AnalysisResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: ChildProcess | undefined;
  job: Job | undefined;
  taskId: number;
  current: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

const WORKER_URL = new URL('./pool-worker.js', import.meta.url);
/** How long a worker may take to start and take its first file. */
const STARTUP_MS = 30_000;

/**
 * AnalysisPool runs analyses in worker processes so the event loop stays free while a large pull
 * request is analysed, and enforces a per-file time budget: when one file takes longer (a
 * pathological input), its worker is stopped, the file is reported as skipped, and the analysis
 * is run again without it. Nothing that can be analysed is lost.
 */
export class AnalysisPool {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly budgetMs: number;
  private nextId = 1;
  private closed = false;

  constructor(options: PoolOptions = {}) {
    this.budgetMs = options.fileBudgetMs ?? 10_000;
    this.slots = Array.from({ length: Math.max(1, options.size ?? 1) }, () => ({
      worker: undefined,
      job: undefined,
      taskId: 0,
      current: undefined,
      timer: undefined,
    }));
  }

  /** Analyses files in a worker; resolves with the same result shape as `analyze`. */
  analyze(files: readonly SourceFile[], options: SerializableOptions = {}): Promise<AnalysisResult> {
    if (this.closed) return Promise.reject(new Error('the analysis pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ files, options, skipped: [], resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; pending analyses are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the analysis pool was closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.timer);
        slot.job?.reject(new Error('the analysis pool was closed'));
        slot.job = undefined;
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

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift();
      if (job) this.start(slot, job);
    }
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.taskId = this.nextId++;
    slot.current = undefined;
    const worker = slot.worker ?? this.spawn(slot);
    this.busy(worker);
    const task: WorkerTask = { id: slot.taskId, files: job.files, options: job.options };
    // A fresh worker first loads the parser; the per-file budget starts with the first file.
    this.arm(slot, Math.max(this.budgetMs, STARTUP_MS));
    worker.send(task);
  }

  private spawn(slot: Slot): ChildProcess {
    const worker = fork(fileURLToPath(WORKER_URL), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
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

  private arm(slot: Slot, ms = this.budgetMs): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.onTimeout(slot), ms);
    slot.timer.unref();
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const job = slot.job;
    if (!job || message.id !== slot.taskId) return;
    if (message.type === 'progress') {
      slot.current = message.path;
      this.arm(slot);
      return;
    }
    clearTimeout(slot.timer);
    slot.job = undefined;
    if (slot.worker) this.idle(slot.worker);
    if (message.type === 'done') {
      job.resolve({ ...message.result, problems: [...job.skipped, ...message.result.problems] });
    } else {
      job.reject(new Error(`analysis failed: ${message.error}`));
    }
    this.dispatch();
  }

  /** A file overran its budget: stop the worker, skip that file, run the rest again. */
  private onTimeout(slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    const worker = slot.worker;
    slot.worker = undefined;
    slot.job = undefined;
    worker?.kill('SIGKILL');
    const culprit = slot.current;
    if (!culprit) {
      job.reject(new Error('the analysis did not start within its time budget'));
      this.dispatch();
      return;
    }
    const skipped = [
      ...job.skipped,
      {
        path: culprit,
        reason: `analysis took longer than the ${this.budgetMs < 1000 ? `${this.budgetMs} ms` : `${Math.round(this.budgetMs / 1000)} s`} per-file budget`,
        kind: 'skipped' as const,
      },
    ];
    this.start(slot, { ...job, files: job.files.filter((f) => f.path !== culprit), skipped });
  }

  private onCrash(slot: Slot, worker: ChildProcess, error: Error): void {
    if (slot.worker !== worker) return;
    clearTimeout(slot.timer);
    slot.worker = undefined;
    const job = slot.job;
    slot.job = undefined;
    job?.reject(error);
    this.dispatch();
  }
}
