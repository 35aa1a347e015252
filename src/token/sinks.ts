/**
 * Where token mode reports the check: a check run when the token may create one, else a commit
 * status plus workflow annotations, else (a read-only token) workflow annotations alone. Workflow
 * commands (`::warning file=…::`) need no permission: GitHub shows them on the pull request's diff.
 */
import { appendFileSync } from 'node:fs';
import { workflowCommand, workflowNotice } from '../format/annotation.js';
import type { CheckResult, CheckRunHandle, CheckSink, RunLog } from '../review/ports.js';
import { messageOf, statusOf } from '../review/stage.js';

/** One way of reporting the check, tried in order. */
export interface CheckWay {
  /** What it is, for the log ("a check run", "a commit status"). */
  readonly name: string;
  readonly sink: CheckSink;
}

/** What {@link firstWritableSink} found out. */
export interface Writability {
  /** Set once a way was refused for want of permission: why, in a sentence. */
  refused?: string;
  /** The way in use, once started. */
  used?: string;
}

/**
 * firstWritableSink starts the first way the token may write. A way refused with 403 (the token
 * lacks the permission) hands over to the next; any other error fails the run as usual.
 */
export function firstWritableSink(ways: readonly CheckWay[], log: RunLog, found: Writability): CheckSink {
  return {
    async start(headSha) {
      for (const [index, way] of ways.entries()) {
        const last = index === ways.length - 1;
        try {
          const handle = await way.sink.start(headSha);
          found.used = way.name;
          return handle;
        } catch (error) {
          if (last || statusOf(error) !== 403) throw error;
          found.refused ??= `the token may not create ${way.name} (HTTP 403: ${messageOf(error)})`;
          log.warn({ status: 403 }, `cannot create ${way.name} with this token; trying ${ways[index + 1]?.name ?? 'the next way'}`);
        }
      }
      throw new Error('no way to report the check');
    },
  };
}

/** Writes workflow commands and the job summary. */
export interface ActionsOutput {
  /** One line of stdout (workflow commands are read from there). */
  readonly line: (text: string) => void;
  /** The job summary file (GITHUB_STEP_SUMMARY), when running in GitHub Actions. */
  readonly summaryFile?: string;
}

/** Reports a check result as workflow annotations and the job summary. */
export function reportToActions(result: CheckResult, output: ActionsOutput, note?: string): void {
  if (note) output.line(workflowNotice(note));
  for (const annotation of result.annotations) output.line(workflowCommand(annotation));
  if (output.summaryFile) {
    const text = [`## leakhound: ${result.title}`, '', result.summary, ...(result.text ? ['', result.text] : []), ''].join('\n');
    try {
      appendFileSync(output.summaryFile, text);
    } catch {
      // The summary is a courtesy; the annotations and the exit code carry the result.
    }
  }
}

/** A check sink whose result goes to workflow annotations (plus whatever `inner` does with it). */
export function withActionsReport(inner: CheckSink | undefined, output: ActionsOutput, note: () => string | undefined): CheckSink {
  return {
    async start(headSha) {
      const handle: CheckRunHandle | undefined = await inner?.start(headSha);
      return {
        async complete(result) {
          reportToActions(result, output, note());
          await handle?.complete(result);
        },
      };
    },
  };
}
