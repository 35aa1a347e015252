import type { FileProblem, Finding } from '../analysis/model.js';
import { lineChangeOf } from '../fix/line-change.js';
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
 * formatText renders findings like a compiler does (`path:line:col: severity: message [rule-id]`),
 * each followed by its fix as a small diff, or its hint.
 */
export function formatText(findings: readonly Finding[], options: TextOptions = {}): string {
  const paint = (color: keyof typeof COLORS, text: string): string => (options.color ? `${COLORS[color]}${text}${COLORS.reset}` : text);
  const out: string[] = [];
  for (const f of findings) {
    const tag = f.confidence === 'high' ? f.rule : `${f.rule}, ${f.confidence} confidence`;
    out.push(`${printable(f.path)}:${f.line}:${f.column}: ${paint(f.severity, f.severity)}: ${printable(f.message)} [${tag}]`);
    const source = options.sources?.get(f.path);
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

/** Findings left out of the output for their confidence, for the summary line. */
export interface HiddenFindings {
  readonly hidden: number;
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
  if (!left || left.hidden === 0) return line;
  return `${line}; ${plural(left.hidden, 'less certain finding')} not shown (--confidence low to see ${left.hidden === 1 ? 'it' : 'them'})`;
}

/** One line per file that was skipped or only partly analysed. */
export function formatProblems(problems: readonly FileProblem[]): string {
  return problems
    .map((p) => `leakhound: ${printable(p.path)}: ${p.kind === 'skipped' ? 'skipped' : 'partly analysed'}: ${printable(p.reason)}\n`)
    .join('');
}
