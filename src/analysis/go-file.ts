import { errorRanges, type SyntaxNode, type Tree } from './parser.js';
import { wordsBetween } from './words.js';

/** A position as 1-based line and 1-based column (UTF-16 code units). */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/** Sibling nodes in source order with their offsets, read from the tree once. */
export interface NodeList {
  readonly nodes: readonly SyntaxNode[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** Reads a node's named children and their offsets. */
export function namedChildList(parent: SyntaxNode): NodeList {
  const nodes = parent.namedChildren;
  return { nodes, starts: nodes.map((n) => n.startIndex), ends: nodes.map((n) => n.endIndex) };
}

/** The position in a {@link NodeList} of the node that contains an offset, or -1 (a binary search). */
export function indexContaining(list: NodeList, offset: number): number {
  const { starts, ends } = list;
  let low = 0;
  let high = ends.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ends[mid] ?? 0) <= offset) low = mid + 1;
    else high = mid;
  }
  return low < ends.length && (starts[low] ?? Infinity) <= offset ? low : -1;
}

/**
 * GoFile is one parsed Go file with everything rules share: the tree, the nodes of the types any
 * rule asked for (gathered in one native pass), imports, and position helpers.
 */
export class GoFile {
  readonly path: string;
  readonly source: string;
  readonly tree: Tree;
  readonly root: SyntaxNode;
  /** String index ranges covered by ERROR/MISSING nodes. */
  readonly errors: ReadonlyArray<[number, number]>;
  private readonly lineStarts: number[];
  private nodeTypes: readonly string[];
  private byType: Map<string, SyntaxNode[]> | undefined;
  private header: { packageName: string; imports: Map<string, string> } | undefined;
  private topLevelList: NodeList | undefined;

  /**
   * `nodeTypes` are the node types rules may ask for; they are gathered lazily, all in one native
   * pass, the first time a rule asks for any of them (see {@link GoFile.requestNodeTypes}).
   */
  constructor(path: string, source: string, tree: Tree, nodeTypes: readonly string[] = []) {
    this.path = path;
    this.source = source;
    this.tree = tree;
    this.root = tree.rootNode;
    this.lineStarts = computeLineStarts(source);
    this.errors = errorRanges(this.root);
    this.nodeTypes = nodeTypes;
  }

  /** Sets the node types to gather (before the first {@link GoFile.nodes} call): only those of the rules that will run. */
  requestNodeTypes(types: readonly string[]): void {
    if (this.byType) throw new Error('node types must be requested before the first nodes() call');
    this.nodeTypes = types;
  }

  /** The package clause's name. */
  get packageName(): string {
    return this.readHeader().packageName;
  }

  /** Import path by the name it is referred to in this file (`_` and `.` imports are left out). */
  get imports(): ReadonlyMap<string, string> {
    return this.readHeader().imports;
  }

  private readHeader(): { packageName: string; imports: Map<string, string> } {
    this.header ??= readHeader(this.root);
    return this.header;
  }

  /** The file's top-level nodes (package clause, imports, declarations, comments) with their offsets. */
  get topLevel(): NodeList {
    this.topLevelList ??= namedChildList(this.root);
    return this.topLevelList;
  }

  /** The top-level node (a declaration, usually) that contains an offset. */
  topLevelAt(offset: number): SyntaxNode | undefined {
    return this.topLevel.nodes[indexContaining(this.topLevel, offset)];
  }

  /**
   * The start offsets of the top-level declarations whose text has `word` as a whole word (in code,
   * comments or strings alike): a text filter that names the declarations worth reading from the tree.
   */
  declarationsMentioning(word: string): Set<number> {
    const starts = new Set<number>();
    for (const at of wordsBetween(this.source, word, 0, this.source.length)) {
      const i = indexContaining(this.topLevel, at);
      if (i >= 0) starts.add(this.topLevel.starts[i] ?? -1);
    }
    return starts;
  }

  /** All nodes of a type that was requested when the file was built, in source order. */
  nodes(type: string): readonly SyntaxNode[] {
    if (!this.byType) {
      this.byType = new Map(this.nodeTypes.map((t) => [t, []]));
      if (this.nodeTypes.length > 0) {
        for (const node of this.root.descendantsOfType(this.nodeTypes as string[])) this.byType.get(node.type)?.push(node);
      }
    }
    const list = this.byType.get(type);
    if (!list) throw new Error(`node type "${type}" was not requested by any rule; add it to the rule's nodeTypes`);
    return list;
  }

  /**
   * The nodes of type `nodeType` found where a regular expression matches the source: for each
   * match, the smallest named node that spans it, kept when it has that type. A cheap way to find
   * rare candidates (`make(chan`, `.WithCancel(`) without listing every node of a common type;
   * matches inside comments and strings come back as other node types and are dropped. The pattern
   * must have the global flag, and must match the text of every node a rule wants to see; `accept`
   * may reject a match by its text before any tree lookup.
   */
  nodesMatching(pattern: RegExp, nodeType: string, accept?: (match: RegExpMatchArray) => boolean): SyntaxNode[] {
    const nodes: SyntaxNode[] = [];
    const seen = new Set<number>();
    for (const match of this.source.matchAll(pattern)) {
      if (accept && !accept(match)) continue;
      const start = match.index ?? 0;
      const node = this.root.namedDescendantForIndex(start, start + Math.max(1, match[0].length));
      if (node.type !== nodeType || seen.has(node.startIndex)) continue;
      seen.add(node.startIndex);
      nodes.push(node);
    }
    return nodes;
  }

  /** The local name under which an import path is visible, if imported. */
  importName(importPath: string): string | undefined {
    for (const [name, path] of this.imports) if (path === importPath) return name;
    return undefined;
  }

  /** Whether `node` is a selector `pkg.name` where pkg is the import of `importPath`. */
  isQualified(node: SyntaxNode | null | undefined, importPath: string, names: readonly string[] | string): boolean {
    if (!node || node.type !== 'selector_expression') return false;
    const operand = node.childForFieldName('operand');
    const field = node.childForFieldName('field');
    if (!operand || !field || operand.type !== 'identifier') return false;
    if (this.imports.get(operand.text) !== importPath) return false;
    return typeof names === 'string' ? field.text === names : names.includes(field.text);
  }

  /** 1-based line and column of a string index. */
  position(index: number): LineColumn {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - (this.lineStarts[lo] ?? 0) + 1 };
  }

  /** 1-based line of a node's start. */
  line(node: SyntaxNode): number {
    return node.startPosition.row + 1;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    const end = next === undefined ? this.source.length : next - 1;
    return this.source.slice(start, end).replace(/\r$/, '');
  }

  /** The leading whitespace of a 1-based line. */
  indentOf(line: number): string {
    return /^[\t ]*/.exec(this.lineText(line))?.[0] ?? '';
  }

  /** Number of lines in the file. */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Whether a node overlaps a region tree-sitter could not parse. */
  inError(node: SyntaxNode): boolean {
    return this.errors.some(([start, end]) => node.startIndex < end && start < node.endIndex);
  }
}

function computeLineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * Reads the package clause and imports, which precede every other declaration, with a cursor
 * that stops at the first declaration after them (no node list of the whole file).
 */
function readHeader(root: SyntaxNode): { packageName: string; imports: Map<string, string> } {
  const imports = new Map<string, string>();
  let packageName = '';
  const cursor = root.walk();
  if (!cursor.gotoFirstChild()) return { packageName, imports };
  do {
    const type = cursor.nodeType;
    if (type === 'package_clause') packageName = cursor.currentNode.namedChildren[0]?.text ?? '';
    else if (type === 'import_declaration') {
      for (const spec of cursor.currentNode.descendantsOfType('import_spec')) {
        const pathNode = spec.childForFieldName('path');
        if (!pathNode) continue;
        const path = pathNode.text.replace(/^["`]|["`]$/g, '');
        const alias = spec.childForFieldName('name')?.text;
        if (alias === '_' || alias === '.') continue;
        imports.set(alias ?? defaultImportName(path), path);
      }
    } else if (cursor.nodeIsNamed && type !== 'comment' && type !== 'ERROR' && packageName !== '') break;
  } while (cursor.gotoNextSibling());
  return { packageName, imports };
}

/** The package name Go gives an import path by default: its last element, without a major-version suffix. */
export function defaultImportName(importPath: string): string {
  const parts = importPath.split('/');
  let last = parts[parts.length - 1] ?? importPath;
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2] ?? last;
  return last.replace(/^go-/, '').replace(/[.-].*$/, '');
}
