/**
 * Go tools count columns in bytes (1-based: `6:27` is the 27th byte of line 6); the analyzer counts
 * UTF-16 units, as JavaScript strings do. The CLI's text and JSON outputs use Go's convention, so a
 * position from leakhound and one from go vet name the same place; SARIF keeps UTF-16 units and
 * says so (`columnKind`).
 */
import type { Finding } from '../model.js';

/** The 1-based byte column of a 1-based UTF-16 column on a line. */
export function byteColumn(lineText: string | undefined, utf16Column: number): number {
  if (lineText === undefined) return utf16Column;
  return Buffer.byteLength(lineText.slice(0, Math.max(0, utf16Column - 1)), 'utf8') + 1;
}

/** Findings with every column (their own and their fix's edits) in bytes, read from the sources by path. */
export function withByteColumns(findings: readonly Finding[], sources: ReadonlyMap<string, string>): Finding[] {
  const lines = new Map<string, string[]>();
  const lineOf = (path: string, line: number): string | undefined => {
    let split = lines.get(path);
    if (!split) {
      split = (sources.get(path) ?? '').split('\n');
      lines.set(path, split);
    }
    return sources.has(path) ? split[line - 1] : undefined;
  };
  return findings.map((f) => ({
    ...f,
    column: byteColumn(lineOf(f.path, f.line), f.column),
    endColumn: byteColumn(lineOf(f.path, f.endLine), f.endColumn),
    fix: f.fix && {
      ...f.fix,
      edits: f.fix.edits.map((e) => ({
        ...e,
        startColumn: byteColumn(lineOf(f.path, e.startLine), e.startColumn),
        endColumn: byteColumn(lineOf(f.path, e.endLine), e.endColumn),
      })),
    },
  }));
}
