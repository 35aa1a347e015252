/**
 * The filter stage of every front end (the App, token mode and the CLI): which findings belong to
 * the change, which are sure enough to show, and whether they fail the check.
 */
import { meetsConfidence, severityRank, type Confidence, type Finding, type Severity } from '../model.js';
import { lineInHunks, type ChangedFile } from '../diff/parse.js';

/** A finding marked with where it stands relative to the change. */
export interface MarkedFinding extends Finding {
  /** The anchor line was added or modified by the change. */
  readonly inDiff: boolean;
  /** The anchor line lies inside a hunk (context lines included). */
  readonly inHunk: boolean;
}

/**
 * markFindings marks every finding `inDiff`/`inHunk` against the changed files rather than
 * dropping any, so a summary can still count what lies outside the change.
 */
export function markFindings(findings: readonly Finding[], changed: ReadonlyMap<string, ChangedFile>): MarkedFinding[] {
  return findings.map((finding) => {
    const file = changed.get(finding.path);
    if (!file || file.status === 'removed') return { ...finding, inDiff: false, inHunk: false };
    return { ...finding, inDiff: file.addedLines.has(finding.line), inHunk: lineInHunks(file.hunks, finding.line) };
  });
}

/** The findings sure enough to show, and how many were left out for being less sure. */
export function atLeastAsSure<F extends Finding>(findings: readonly F[], minimum: Confidence): { shown: F[]; hidden: number } {
  const shown = findings.filter((f) => meetsConfidence(f, minimum));
  return { shown, hidden: findings.length - shown.length };
}

/**
 * failsAt: whether the findings fail a check whose threshold is `failOn`. Only what the evidence
 * settles can fail it: a high-confidence finding at least that severe. Medium and low findings are
 * advice.
 */
export function failsAt(findings: readonly Finding[], failOn: Severity | 'never'): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => f.confidence === 'high' && severityRank(f.severity) >= severityRank(failOn));
}
