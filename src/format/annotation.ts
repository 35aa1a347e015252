/** Findings as check-run annotations, and annotations as GitHub Actions workflow commands. */
import type { Finding } from '../model.js';
import type { Annotation } from '../review/ports.js';
import { ruleTitle } from './markdown.js';

/** annotationOf turns a finding into a check-run annotation. */
export function annotationOf(finding: Finding): Annotation {
  // A finding the evidence does not settle is a notice whatever its severity: it is advice.
  const level = finding.confidence !== 'high' ? 'notice' : finding.severity === 'error' ? 'failure' : finding.severity;
  const sameLine = finding.line === finding.endLine;
  const extra = finding.fix ? `Fix: ${finding.fix.message}.` : finding.hint ? finding.hint : undefined;
  return {
    path: finding.path,
    startLine: finding.line,
    endLine: finding.endLine,
    ...(sameLine ? { startColumn: finding.column, endColumn: Math.max(finding.column, finding.endColumn) } : {}),
    level,
    title: `${ruleTitle(finding.rule)} (${finding.rule})`.slice(0, 255),
    message: finding.message,
    ...(extra ? { rawDetails: extra } : {}),
  };
}

/** The workflow command of each annotation level (`::error`, `::warning`, `::notice`). */
const COMMAND = { failure: 'error', warning: 'warning', notice: 'notice' } as const;

/**
 * workflowCommand renders an annotation as a GitHub Actions workflow command
 * (`::warning file=a.go,line=3,endLine=3,title=…::message`), which GitHub shows on the pull
 * request's diff without any write permission. Values are escaped as the runner expects: `%`, CR
 * and LF everywhere, and `:` and `,` in properties too, so no text can end the command early or
 * start another.
 */
export function workflowCommand(annotation: Annotation): string {
  const properties = [
    `file=${property(annotation.path)}`,
    `line=${annotation.startLine}`,
    `endLine=${annotation.endLine}`,
    ...(annotation.startColumn !== undefined ? [`col=${annotation.startColumn}`] : []),
    ...(annotation.endColumn !== undefined ? [`endColumn=${annotation.endColumn}`] : []),
    `title=${property(annotation.title)}`,
  ];
  const details = annotation.rawDetails ? `\n${annotation.rawDetails}` : '';
  return `::${COMMAND[annotation.level]} ${properties.join(',')}::${data(`${annotation.message}${details}`)}`;
}

/** A `::notice` workflow command titled leakhound, its message escaped as {@link workflowCommand}'s are. */
export function workflowNotice(message: string): string {
  return `::notice title=leakhound::${data(message)}`;
}

/** formatGithub renders findings as workflow commands, one line each (`--format github`). */
export function formatGithub(findings: readonly Finding[]): string {
  return findings.map((f) => `${workflowCommand(annotationOf(f))}\n`).join('');
}

function data(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(text: string): string {
  return data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
