import type { FileProblem, Finding } from '../model.js';
import { lineChangeOf } from '../fix/line-change.js';
import { byteColumn } from './columns.js';
import { plural, severityCounts } from './counts.js';
import { printable } from './safe-text.js';

/** Options of {@link formatText}. */
export interface TextOptions {
  /** The text of each file, to show fixes as a small diff. */
  readonly sources?: ReadonlyMap<string, string>;
  /** ANSI colours for a terminal. */
  readonly color?: boolean;
}

const COLORS = {
  error: '\u001b[31m',
  warning: '\u001b[33m',
  notice: '\u001b[36m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  reset: '\u001b[0m',
};

/**
 * formatText renders findings like a compiler does (`path:line:col: severity: message [rule-id]`,
 * the column in bytes when the source is given),
 * each followed by its fix as a small diff, or its hint.
 */
export function formatText(findings: readonly Finding[], options: TextOptions = {}): string {
  const paint = (color: keyof typeof COLORS, text: string): string => (options.color ? `${COLORS[color]}${text}${COLORS.reset}` : text);
  const out: string[] = [];
  for (const f of findings) {
    const tag = f.confidence === 'high' ? f.rule : `${f.rule}, ${f.confidence} confidence`;
    const source = options.sources?.get(f.path);
    // Go's convention (go vet, gopls): the column counts bytes.
    const column = byteColumn(source?.split('\n', f.line)[f.line - 1], f.column);
    out.push(`${printable(f.path)}:${f.line}:${column}: ${paint(f.severity, f.severity)}: ${printable(f.message)} [${tag}]`);
    const change = f.fix && source !== undefined ? lineChangeOf(source, f.fix) : undefined;
    if (f.fix && change) {
      out.push(paint('dim', `    fix: ${printable(f.fix.message)}`));
      for (const line of change.oldLines) out.push(paint('red', `    - ${printable(line, true)}`));
      for (const line of change.newLines) out.push(paint('green', `    + ${printable(line, true)}`));
    } else if (f.fix) {
      out.push(paint('dim', `    fix: ${printable(f.fix.message)}`));
    }
    if (f.hint) out.push(paint('dim', `    hint: ${printable(f.hint)}`));
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** What the output leaves out, for the summary line: findings for their confidence, files skipped on purpose. */
export interface HiddenFindings {
  readonly hidden: number;
  /** Generated or binary files skipped and not listed (`--verbose` lists them). */
  readonly skipped?: number;
}

/**
 * A one-line count of findings by severity, e.g. "3 findings (1 error, 2 warnings) in 12 files",
 * and how many less sure findings were left out and how to see them.
 */
export function summaryLine(findings: readonly Finding[], filesAnalysed: number, left?: HiddenFindings): string {
  const files = plural(filesAnalysed, 'Go file');
  const line =
    findings.length === 0
      ? `no leaks found in ${files}`
      : `${plural(findings.length, 'finding')} (${severityCounts(findings)}) in ${files}`;
  const notes: string[] = [];
  if (left?.skipped) notes.push(`${plural(left.skipped, 'generated or binary file')} skipped (--verbose lists them)`);
  if (left?.hidden)
    notes.push(`${plural(left.hidden, 'less certain finding')} not shown (--confidence low to see ${left.hidden === 1 ? 'it' : 'them'})`);
  return [line, ...notes].join('; ');
}

/** One line per file that was skipped or only partly analysed. */
export function formatProblems(problems: readonly FileProblem[]): string {
  return problems
    .map((p) => `leakhound: ${printable(p.path)}: ${p.kind === 'skipped' ? 'skipped' : 'partly analysed'}: ${printable(p.reason)}\n`)
    .join('');
}
