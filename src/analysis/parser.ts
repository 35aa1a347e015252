import Parser from 'tree-sitter';
import Go from 'tree-sitter-go';
import { speedUpNodeAccess } from './node-access.js';

/** A node of a tree-sitter syntax tree. */
export type SyntaxNode = Parser.SyntaxNode;
/** A tree-sitter syntax tree. */
export type Tree = Parser.Tree;

let shared: Parser | undefined;

function parser(): Parser {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(Go as unknown as Parser.Language);
    const base = (Parser as unknown as { SyntaxNode: new (...args: never[]) => SyntaxNode }).SyntaxNode;
    speedUpNodeAccess(base, shared.getLanguage(), (source) => parseGo(source));
  }
  return shared;
}

/**
 * parseGo parses Go source text. tree-sitter never throws on bad syntax: broken regions become
 * ERROR or MISSING nodes, which callers find with {@link errorRanges}.
 * The optional timeout (microseconds) bounds the parse; on expiry it returns undefined.
 */
export function parseGo(source: string, timeoutMicros?: number): Tree | undefined {
  const p = parser();
  p.setTimeoutMicros(timeoutMicros ?? 0);
  try {
    const tree = p.parse(source);
    return tree ?? undefined;
  } catch {
    return undefined;
  } finally {
    p.reset();
  }
}

/** parseGoOrThrow is {@link parseGo} for callers that have no way to degrade (tests, goldens). */
export function parseGoOrThrow(source: string): Tree {
  const tree = parseGo(source);
  if (!tree) throw new Error('tree-sitter failed to parse the source');
  return tree;
}

/** The [start, end) string index ranges of ERROR and MISSING nodes in a tree. */
export function errorRanges(root: SyntaxNode): Array<[number, number]> {
  if (!root.hasError) return [];
  const ranges: Array<[number, number]> = [];
  const cursor = root.walk();
  let descend = true;
  for (;;) {
    const node = cursor.currentNode;
    if (descend && (node.type === 'ERROR' || node.isMissing)) {
      ranges.push([node.startIndex, Math.max(node.endIndex, node.startIndex + 1)]);
      descend = false;
    }
    if (descend && node.hasError && cursor.gotoFirstChild()) continue;
    descend = true;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return ranges;
    }
  }
}

/** `new(` at a word boundary. */
const NEW_CALL = /\bnew\s*\(/g;

/**
 * Whether the text of `new(…)`'s argument can only be an expression (Go 1.26: `new(int32(3))`,
 * `new("x")`, `new(a.b.c)`, `new([]string{"x"})`): tree-sitter-go only knows `new(T)`, and its
 * error recovery can then give up on the whole enclosing function. Types are kept: names,
 * `pkg.T`, pointers, slices, arrays, maps, channels, generic instantiations, func/struct/interface.
 */
function isExpressionArgument(argument: string): boolean {
  const a = argument.trim();
  if (a === '' || /^(?:func|struct|interface|chan|map)\b/.test(a)) return false;
  if (/^[0-9.]/.test(a) || /^(?:true|false|nil|iota)$/.test(a)) return true;
  if (/[(){}"'`+\-/%<>=!|^&,]/.test(a.replace(/^(?:\*|\[[^\]]*\])+/, '').replace(/\[[^\]]*\]$/, ''))) return true;
  return /^[^.]*\.[^.]*\./.test(a.replace(/\[[^\]]*\]/g, ''));
}

/** The text between the `(` at `open` and its matching `)`, or undefined past the end of the line's statement. */
function argumentText(source: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < source.length && i < open + 2000; i++) {
    const c = source[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return source.slice(open + 1, i);
    } else if (c === '"' || c === '`' || c === "'") {
      const close = source.indexOf(c, i + 1);
      if (close < 0) return undefined;
      i = close;
    }
  }
  return undefined;
}

/**
 * parseGoRecovering parses like {@link parseGo}; when the tree has errors, it retries once with
 * newer syntax the grammar does not know rewritten in place to an equivalent it does, with every
 * string index unchanged: `new(expr)` becomes a call of `n3w`, an identifier no rule knows. The
 * retry is kept only when it leaves fewer characters in error. Returns the tree and the text it
 * was parsed from (node.text reads from it), or undefined when parsing ran out of time.
 */
export function parseGoRecovering(source: string, timeoutMicros?: number): { tree: Tree; text: string } | undefined {
  const tree = parseGo(source, timeoutMicros);
  if (!tree || !tree.rootNode.hasError) return tree ? { tree, text: source } : undefined;
  let rewritten = source;
  for (const match of source.matchAll(NEW_CALL)) {
    const at = match.index ?? 0;
    const argument = argumentText(source, at + match[0].length - 1);
    if (argument === undefined || !isExpressionArgument(argument)) continue;
    rewritten = `${rewritten.slice(0, at)}n3w${rewritten.slice(at + 3)}`;
  }
  if (rewritten === source) return { tree, text: source };
  const retry = parseGo(rewritten, timeoutMicros);
  if (!retry) return { tree, text: source };
  return errorLength(retry.rootNode) < errorLength(tree.rootNode) ? { tree: retry, text: rewritten } : { tree, text: source };
}

function errorLength(root: SyntaxNode): number {
  return errorRanges(root).reduce((sum, [start, end]) => sum + end - start, 0);
}
