import type { Fix } from '../model.js';
import { applyEdits } from './edits.js';

/** A fix seen as whole lines: lines `startLine`..`endLine` of the original become `newLines`. */
export interface LineChange {
  readonly startLine: number;
  readonly endLine: number;
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
}

/**
 * lineChangeOf turns a fix's edits into a whole-line replacement (what a GitHub suggestion and a
 * terminal diff show): every line an edit touches, widened to include `anchorLine` when given (so a
 * comment sits on its finding). Undefined when the edits cannot be applied (overlapping, or outside
 * the file).
 */
export function lineChangeOf(source: string, fix: Fix, anchorLine?: number): LineChange | undefined {
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
  const strip = (l: string): string => l.replace(/\r$/, '');
  return {
    startLine,
    endLine,
    oldLines: lines.slice(startLine - 1, endLine).map(strip),
    newLines: fixed.slice(startLine - 1, endLine + added).map(strip),
  };
}
