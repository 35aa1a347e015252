import type { GoFile } from './go-file.js';

/** Suppression comments of one file. */
export interface Suppressions {
  /** Rule ids suppressed for the whole file. */
  readonly fileWide: ReadonlySet<string>;
  /** Rule ids suppressed per 1-based line. */
  readonly byLine: ReadonlyMap<number, ReadonlySet<string>>;
}

/** A file without suppression comments. */
export const NO_SUPPRESSIONS: Suppressions = { fileWide: new Set(), byLine: new Map() };

const IGNORE = /^\/\/\s*leakhound:ignore(-file)?\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/;

/**
 * readSuppressions finds `//leakhound:ignore <ids> <reason>` (which covers its own line and the
 * next one) and `//leakhound:ignore-file <ids>` (the whole file).
 */
export function readSuppressions(file: GoFile): Suppressions {
  const fileWide = new Set<string>();
  const byLine = new Map<number, Set<string>>();
  for (const comment of file.nodes('comment')) {
    const match = IGNORE.exec(comment.text);
    if (!match) continue;
    const ids = (match[2] ?? '').split(',').map((s) => s.trim());
    if (match[1]) {
      for (const id of ids) fileWide.add(id);
      continue;
    }
    const line = file.line(comment);
    for (const target of [line, line + 1]) {
      const set = byLine.get(target) ?? new Set<string>();
      for (const id of ids) set.add(id);
      byLine.set(target, set);
    }
  }
  return { fileWide, byLine };
}

/** Whether a rule is suppressed on a line. */
export function isSuppressed(suppressions: Suppressions, rule: string, line: number): boolean {
  return suppressions.fileWide.has(rule) || (suppressions.byLine.get(line)?.has(rule) ?? false);
}

/** Whether a file carries Go's generated-code marker (`// Code generated … DO NOT EDIT.`) before its package clause. */
export function isGenerated(source: string): boolean {
  const head = source.slice(0, Math.max(0, source.search(/^package\s/m)) || 4096);
  return /^\/\/ Code generated .* DO NOT EDIT\.$/m.test(head);
}
