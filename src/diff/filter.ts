import type { Finding } from '../model.js';
import { lineInHunks, type ChangedFile } from './parse.js';

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
