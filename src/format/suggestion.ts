/**
 * GitHub suggestions replace whole lines of the RIGHT side of a diff. This module turns a fix's text
 * edits into such a replacement and decides whether it can be offered on a given diff.
 */
import type { Fix } from '../analysis/model.js';
import { hunkOf, type Hunk } from '../diff/parse.js';
import { applyEdits } from '../fix/edits.js';

/** Lines `startLine`..`endLine` of the new side become `newLines`. */
export interface LineReplacement {
  readonly startLine: number;
  readonly endLine: number;
  readonly newLines: readonly string[];
}

/** The longest suggestion we offer; a longer one is hard to review at a glance. */
export const MAX_SUGGESTION_LINES = 30;

/**
 * lineReplacementOf computes the whole-line replacement a fix amounts to: every line an edit
 * touches, widened to include `anchorLine` so the comment sits on the finding. Undefined when the
 * edits cannot be applied (overlapping, or outside the file).
 */
export function lineReplacementOf(source: string, fix: Fix, anchorLine?: number): LineReplacement | undefined {
  if (fix.edits.length === 0) return undefined;
  const lines = source.split('\n');
  let startLine = Math.min(...fix.edits.map((e) => e.startLine));
  let endLine = Math.max(...fix.edits.map((e) => e.endLine));
  if (anchorLine !== undefined) {
    startLine = Math.min(startLine, anchorLine);
    endLine = Math.max(endLine, anchorLine);
  }
  if (startLine < 1 || endLine > lines.length) return undefined;
  let fixed: string[];
  try {
    fixed = applyEdits(source, fix.edits).split('\n');
  } catch {
    return undefined;
  }
  const added = fixed.length - lines.length;
  const newLines = fixed.slice(startLine - 1, endLine + added).map((l) => l.replace(/\r$/, ''));
  return { startLine, endLine, newLines };
}

/**
 * placeSuggestion returns the replacement when it can be a one-click suggestion on this diff: all
 * its lines inside one hunk (so on added or context lines of the RIGHT side) and at most
 * {@link MAX_SUGGESTION_LINES} long. Otherwise the reason it cannot.
 */
export function placeSuggestion(
  replacement: LineReplacement | undefined,
  hunks: readonly Hunk[],
): { replacement: LineReplacement } | { reason: string } {
  if (!replacement) return { reason: 'the fix could not be turned into whole lines' };
  if (replacement.endLine - replacement.startLine + 1 > MAX_SUGGESTION_LINES) return { reason: 'the fix spans too many lines' };
  const first = hunkOf(hunks, replacement.startLine);
  const last = hunkOf(hunks, replacement.endLine);
  if (!first || first !== last) return { reason: 'the fix touches lines outside this change' };
  return { replacement };
}

/** fenceFor returns a backtick fence longer than any run of backticks inside `text` (at least three). */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** suggestionBlock renders a ```suggestion block for the new lines. */
export function suggestionBlock(newLines: readonly string[]): string {
  const text = newLines.join('\n');
  const fence = fenceFor(text);
  return `${fence}suggestion\n${text}${newLines.length > 0 ? '\n' : ''}${fence}`;
}
