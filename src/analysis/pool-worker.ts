/**
 * The worker side of {@link AnalysisPool}: a child process that runs `analyze` off the server's
 * event loop and reports a heartbeat before each file, so the pool can stop a file that exceeds
 * its time budget. (A process, not a worker thread: stopping a thread while it is inside the
 * native parser aborts the whole server; killing a process is safe.)
 */
import { matchExcluded } from '../config/excludes.js';
import { analyze, type AnalyzeOptions } from './analyze.js';
import type { SourceFile } from '../model.js';
import { RULE_IDS, RULES } from '../rules/index.js';

/** A task sent to the worker: analyse files, or match paths against exclude globs. */
export type WorkerTask =
  | { readonly id: number; readonly kind: 'analyze'; readonly files: readonly SourceFile[]; readonly options: SerializableOptions }
  | { readonly id: number; readonly kind: 'match'; readonly patterns: readonly string[]; readonly paths: readonly string[] };

/** The analyze options that survive structured cloning (no functions, no rule objects). */
export type SerializableOptions = Omit<AnalyzeOptions, 'rules' | 'goVersionOf' | 'onProgress'>;

/** Messages from the worker. */
export type WorkerMessage =
  | { readonly id: number; readonly type: 'progress'; readonly path: string }
  | { readonly id: number; readonly type: 'done'; readonly result: ReturnType<typeof analyze> }
  | { readonly id: number; readonly type: 'matched'; readonly matched: boolean[] }
  | { readonly id: number; readonly type: 'failed'; readonly error: string };

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

/** Above this resident size the worker collects garbage before its next task (the pool starts it with --expose-gc). */
const COLLECT_ABOVE_BYTES = 256 * 1024 * 1024;

/**
 * Frees what earlier tasks left behind before the next one. A syntax tree lives in native memory
 * that V8 does not see: it is freed by a finalizer when its JavaScript object is collected, and
 * Node runs those finalizers only when the event loop turns. Without this, the trees of earlier
 * slices could still be held when a large package is parsed, and the worker's peak grew with
 * whatever garbage happened to be left (issue #15: stdlib peaks from 330 to 490 MiB run to run).
 */
function releaseEarlierTrees(): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect || process.memoryUsage.rss() < COLLECT_ABOVE_BYTES) return Promise.resolve();
  collect();
  return new Promise((resolve) => setImmediate(resolve));
}

function handle(task: WorkerTask): void {
  try {
    if (task.kind === 'match') {
      send({ id: task.id, type: 'matched', matched: matchExcluded(task.patterns, task.paths) });
      return;
    }
    const result = analyze(task.files, RULES, {
      knownRuleIds: RULE_IDS,
      ...task.options,
      onProgress: (path) => send({ id: task.id, type: 'progress', path }),
    });
    send({ id: task.id, type: 'done', result });
  } catch (error) {
    send({ id: task.id, type: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
}

if (process.send) {
  process.on('message', (task: WorkerTask) => void releaseEarlierTrees().then(() => handle(task)));
  // The pool closing its end of the channel means this process is no longer needed.
  process.on('disconnect', () => process.exit(0));
}
