import type { Fix } from '../analysis/model.js';
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
 * terminal diff show). The range covers every line an edit touches.
 */
export function lineChangeOf(source: string, fix: Fix): LineChange | undefined {
  if (fix.edits.length === 0) return undefined;
  const startLine = Math.min(...fix.edits.map((e) => e.startLine));
  const endLine = Math.max(...fix.edits.map((e) => e.endLine));
  const lines = source.split('\n');
  if (endLine > lines.length) return undefined;
  const fixed = applyEdits(source, fix.edits).split('\n');
  const added = fixed.length - lines.length;
  return {
    startLine,
    endLine,
    oldLines: lines.slice(startLine - 1, endLine),
    newLines: fixed.slice(startLine - 1, endLine + added),
  };
}
