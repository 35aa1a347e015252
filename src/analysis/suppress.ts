import type { GoFile } from './go-file.js';
import type { SyntaxNode } from './parser.js';

/** The verbs a `//leakhound:` directive may have. */
export const DIRECTIVE_VERBS = ['ignore', 'ignore-file'] as const;

/** One `//leakhound:…` comment of a file, as written. */
export interface Directive {
  /** The comment node (the anchor of any finding about the directive). */
  readonly node: SyntaxNode;
  /** 1-based line of the comment. */
  readonly line: number;
  /** The word after `leakhound:` (`ignore`, `ignore-file`, or a misspelling). */
  readonly verb: string;
  /** The rule ids named, as written. */
  readonly ids: readonly string[];
  /** The text after the ids, up to a nested `//` comment; empty when none was given. */
  readonly reason: string;
}

/** A rule id a directive names, and whether a finding of that rule was suppressed by it. */
interface Entry {
  readonly directive: Directive;
  readonly id: string;
  used: boolean;
}

const DIRECTIVE = /^\/\/\s*leakhound:(\S*)(.*)$/s;

/**
 * Reads the `//leakhound:` directives of a file. After the verb come the rule ids (comma-separated)
 * and then the reason. A nested `//` ends the directive: what follows is a comment on it (as in
 * `//leakhound:ignore x-leak cache lives for the process // see #12`), not part of the reason.
 */
export function readDirectives(file: GoFile): Directive[] {
  const directives: Directive[] = [];
  for (const node of file.nodes('comment')) {
    const match = DIRECTIVE.exec(node.text);
    if (!match) continue;
    const rest = (match[2] ?? '').split(/(?:^|\s)\/\//)[0] ?? '';
    const named = /^\s*([^\s,]+(?:\s*,\s*[^\s,]+)*)?\s*(.*)$/s.exec(rest);
    const ids = (named?.[1] ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    directives.push({ node, line: file.line(node), verb: match[1] ?? '', ids, reason: (named?.[2] ?? '').trim() });
  }
  return directives;
}

/**
 * The suppressions of one file: `//leakhound:ignore <ids> <reason>` covers its own line and the
 * next one, `//leakhound:ignore-file <ids>` the whole file. It remembers which directive
 * suppressed something, so the ones that matched nothing can be reported.
 */
export class Suppressions {
  readonly directives: readonly Directive[];
  private readonly fileWide = new Map<string, Entry[]>();
  private readonly byLine = new Map<number, Map<string, Entry[]>>();
  private readonly entries: Entry[] = [];

  constructor(directives: readonly Directive[]) {
    this.directives = directives;
    for (const directive of directives) {
      if (directive.verb !== 'ignore' && directive.verb !== 'ignore-file') continue;
      for (const id of directive.ids) {
        const entry: Entry = { directive, id, used: false };
        this.entries.push(entry);
        if (directive.verb === 'ignore-file') push(this.fileWide, id, entry);
        else for (const line of [directive.line, directive.line + 1]) push(lineMap(this.byLine, line), id, entry);
      }
    }
  }

  /** Whether a rule is suppressed on a line; every directive that covers it counts as used. */
  suppresses(rule: string, line: number): boolean {
    const covering = [...(this.fileWide.get(rule) ?? []), ...(this.byLine.get(line)?.get(rule) ?? [])];
    for (const entry of covering) entry.used = true;
    return covering.length > 0;
  }

  /** The directives with ids that suppressed nothing, restricted to ids `counts` accepts, each with those ids. */
  unused(counts: (id: string) => boolean): Array<{ directive: Directive; ids: string[] }> {
    const byDirective = new Map<Directive, string[]>();
    for (const entry of this.entries) {
      if (entry.used || !counts(entry.id)) continue;
      const ids = byDirective.get(entry.directive) ?? [];
      if (!ids.includes(entry.id)) ids.push(entry.id);
      byDirective.set(entry.directive, ids);
    }
    return [...byDirective].map(([directive, ids]) => ({ directive, ids }));
  }
}

function push(map: Map<string, Entry[]>, id: string, entry: Entry): void {
  const list = map.get(id) ?? [];
  list.push(entry);
  map.set(id, list);
}

function lineMap(byLine: Map<number, Map<string, Entry[]>>, line: number): Map<string, Entry[]> {
  const map = byLine.get(line) ?? new Map<string, Entry[]>();
  byLine.set(line, map);
  return map;
}

/** Whether a file carries Go's generated-code marker (`// Code generated … DO NOT EDIT.`) before its package clause. */
export function isGenerated(source: string): boolean {
  const head = source.slice(0, Math.max(0, source.search(/^package\s/m)) || 4096);
  return /^\/\/ Code generated .* DO NOT EDIT\.$/m.test(head);
}
