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

if (process.send) {
  process.on('message', (task: WorkerTask) => {
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
  });
  // The pool closing its end of the channel means this process is no longer needed.
  process.on('disconnect', () => process.exit(0));
}
