/**
 * GitHub suggestions replace whole lines of the RIGHT side of a diff. This module turns a fix's text
 * edits into such a replacement and decides whether it can be offered on a given diff.
 */
import { hunkOf, type Hunk } from '../diff/parse.js';
import type { LineChange } from '../fix/line-change.js';

/** Lines `startLine`..`endLine` of the new side become `newLines` (see lineChangeOf in src/fix/line-change.ts). */
export type LineReplacement = Pick<LineChange, 'startLine' | 'endLine' | 'newLines'>;

/** The longest suggestion we offer; a longer one is hard to review at a glance. */
export const MAX_SUGGESTION_LINES = 30;

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
