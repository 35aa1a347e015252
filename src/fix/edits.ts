import type { GoFile } from '../analysis/go-file.js';
import type { TextEdit } from '../model.js';
import type { SyntaxNode } from '../analysis/parser.js';

/** An edit that replaces a node's text. */
export function replaceNode(file: GoFile, node: SyntaxNode, newText: string): TextEdit {
  return replaceRange(file, node.startIndex, node.endIndex, newText);
}

/** An edit that replaces the string index range [start, end). */
export function replaceRange(file: GoFile, start: number, end: number, newText: string): TextEdit {
  const from = file.position(start);
  const to = file.position(end);
  return { startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column, newText };
}

/** An edit that inserts a new line after 1-based `line`, indented like `indentLine` (default: `line`). */
export function insertLineAfter(file: GoFile, line: number, text: string, indentLine = line): TextEdit {
  const column = file.lineText(line).length + 1;
  return { startLine: line, startColumn: column, endLine: line, endColumn: column, newText: `\n${file.indentOf(indentLine)}${text}` };
}

/**
 * An edit that inserts `text` as a new line after a statement, indented like it, or null when the
 * statement is not alone on its lines in a block (code before it, or code other than a comment
 * after it): inserting there would not be a clean whole-line change.
 */
export function insertLineAfterStatement(file: GoFile, statement: SyntaxNode, text: string): TextEdit | null {
  if (statement.parent?.type !== 'statement_list') return null;
  const firstLine = file.line(statement);
  const lastLine = statement.endPosition.row + 1;
  const before = file.lineText(firstLine).slice(0, statement.startPosition.column);
  const after = file
    .lineText(lastLine)
    .slice(statement.endPosition.column)
    .replace(/^\s*\/\/.*$/, '');
  if (/\S/.test(before) || /\S/.test(after)) return null;
  return insertLineAfter(file, lastLine, text, firstLine);
}

/** An edit that inserts a new line before 1-based `line`, with that line's indentation. */
export function insertLineBefore(file: GoFile, line: number, text: string): TextEdit {
  return { startLine: line, startColumn: 1, endLine: line, endColumn: 1, newText: `${file.indentOf(line)}${text}\n` };
}

/** An edit that replaces whole lines `first`..`last` with `lines` (each given without indentation, indented like `first`). */
export function replaceLines(file: GoFile, first: number, last: number, lines: readonly string[]): TextEdit {
  const indent = file.indentOf(first);
  return {
    startLine: first,
    startColumn: 1,
    endLine: last,
    endColumn: file.lineText(last).length + 1,
    newText: lines.map((l) => (l === '' ? '' : indent + l)).join('\n'),
  };
}

/**
 * An edit that adds `import "path"` to a file, or null when the file already imports it. It
 * extends a parenthesised import block (in sorted position among the standard-library imports),
 * or adds an import declaration of its own after the last one (or after the package clause).
 * It only ever inserts, and the same path always gets the same edit, so the fixes of one file
 * compose: identical edits are applied once, and different imports never overlap.
 */
export function addImport(file: GoFile, importPath: string): TextEdit | null {
  if ([...file.imports.values()].includes(importPath)) return null;
  const decls = file.root.namedChildren.filter((d) => d.type === 'import_declaration');
  const quoted = `"${importPath}"`;
  const block = decls.find((d) => d.namedChildren.some((c) => c.type === 'import_spec_list'));
  if (block) {
    const list = block.namedChildren.find((c) => c.type === 'import_spec_list');
    const specs = list?.namedChildren.filter((c) => c.type === 'import_spec') ?? [];
    const std = specs.filter((s) => !s.childForFieldName('path')?.text.includes('.'));
    const after = [...std].reverse().find((s) => (s.childForFieldName('path')?.text ?? '') < quoted);
    if (after) return insertLineAfter(file, after.endPosition.row + 1, quoted, file.line(after));
    const first = specs[0];
    if (first) return insertLineBefore(file, file.line(first), quoted);
  }
  const anchor = decls[decls.length - 1] ?? file.root.namedChildren.find((d) => d.type === 'package_clause');
  if (!anchor) return null;
  const line = anchor.endPosition.row + 1;
  const column = file.lineText(line).length + 1;
  const separator = anchor.type === 'package_clause' ? '\n\n' : '\n';
  return { startLine: line, startColumn: column, endLine: line, endColumn: column, newText: `${separator}import ${quoted}` };
}

/**
 * applyEdits returns `source` with the edits applied. Edits are applied from the end so earlier
 * positions stay valid; identical edits are applied once; overlapping edits throw, since the result
 * would be ambiguous.
 */
export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  const toIndex = (line: number, column: number): number => (starts[line - 1] ?? source.length) + column - 1;
  const ranges = edits
    .map((e) => ({ start: toIndex(e.startLine, e.startColumn), end: toIndex(e.endLine, e.endColumn), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = source;
  let limit = Infinity;
  let previous: { start: number; end: number; text: string } | undefined;
  for (const r of ranges) {
    // Independent fixes may carry the same edit (each adds the same import): apply it once.
    if (previous && r.start === previous.start && r.end === previous.end && r.text === previous.text) continue;
    previous = r;
    if (r.end > limit) throw new Error('overlapping edits');
    result = result.slice(0, r.start) + r.text + result.slice(r.end);
    limit = r.start;
  }
  return result;
}
