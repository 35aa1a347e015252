import Parser from 'tree-sitter';
import Go from 'tree-sitter-go';

/** A node of a tree-sitter syntax tree. */
export type SyntaxNode = Parser.SyntaxNode;
/** A tree-sitter syntax tree. */
export type Tree = Parser.Tree;

let shared: Parser | undefined;

function parser(): Parser {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(Go as unknown as Parser.Language);
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
