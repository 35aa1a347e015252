import type { SyntaxNode } from './parser.js';
import type { Binding, Scope } from './scope.js';
import { wordsBetween } from './words.js';

/**
 * Visits the nodes of a subtree in source order with a tree cursor. Return `false` from the
 * visitor to skip a node's children. Used on small subtrees (one function), never whole files.
 */
export function walk(root: SyntaxNode, visit: (node: SyntaxNode) => boolean | void): void {
  // Only named nodes are materialised (each node object costs native calls); the cursor's own
  // depth tells when the walk is back at the root.
  const cursor = root.walk();
  let depth = 0;
  for (;;) {
    const descend = cursor.nodeIsNamed ? visit(cursor.currentNode) !== false : true;
    if (descend && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    for (;;) {
      if (depth === 0) return;
      if (cursor.gotoNextSibling()) break;
      cursor.gotoParent();
      depth--;
    }
  }
}

/** Like {@link walk}, but does not enter function literals below the root. */
export function walkSameFunction(root: SyntaxNode, visit: (node: SyntaxNode) => boolean | void): void {
  walk(root, (node) => {
    if (node.type === 'func_literal' && node.id !== root.id) return false;
    return visit(node);
  });
}

/** Whether a func literal lies between `node` and its ancestor `stop` (exclusive; null: the file). */
export function insideFuncLiteral(node: SyntaxNode, stop: SyntaxNode | null): boolean {
  for (let n = node.parent; n && n.id !== stop?.id; n = n.parent) if (n.type === 'func_literal') return true;
  return false;
}

/** Whether `node` is the identifier of a builtin (`make`, `delete`, …) that nothing in scope shadows. */
export function isBuiltin(scope: Scope, node: SyntaxNode | null | undefined, name: string): boolean {
  return !!node && node.type === 'identifier' && node.text === name && !scope.resolve(name, node) && !scope.pkg.funcs.has(name);
}

/** The arguments of a call expression. */
export function argumentsOf(call: SyntaxNode): SyntaxNode[] {
  return call.childForFieldName('arguments')?.namedChildren.filter((n) => n.type !== 'comment') ?? [];
}

/** Unwraps parentheses. */
export function unparen(node: SyntaxNode | null | undefined): SyntaxNode | null {
  let n = node ?? null;
  while (n && n.type === 'parenthesized_expression') n = n.namedChildren[0] ?? null;
  return n;
}

/** Whether two bindings are the same declaration. */
export function sameBinding(a: Binding | undefined, b: Binding | undefined): boolean {
  return !!a && !!b && a.declNode.id === b.declNode.id;
}

/** The identifiers in a subtree that refer to `binding`. */
export function referencesTo(scope: Scope, root: SyntaxNode, binding: Binding): SyntaxNode[] {
  // A text search for the name inside the subtree finds the candidates; only those are looked up
  // in the tree and resolved, so the cost follows the mentions, not the size of the function.
  const refs: SyntaxNode[] = [];
  const source = scope.file.source;
  const name = binding.name;
  const within = scopeBlockWithin(root, binding.declNode);
  for (const at of wordsBetween(source, name, within.startIndex, within.endIndex, { notSelected: true })) {
    const node = within.namedDescendantForIndex(at, at + name.length);
    if (node.type !== 'identifier' || node.startIndex !== at || node.endIndex !== at + name.length) continue;
    if (node.id !== binding.declNode.id && sameBinding(scope.resolveIdent(node), binding)) refs.push(node);
  }
  return refs;
}

/**
 * The calls of the builtin `name` (`append`, `clear`, …) in `root` outside nested function
 * literals, starting at or after `from`, in source order. Found by text, confirmed in the tree:
 * the cost follows the mentions of the name, not the size of the function.
 */
export function builtinCallsIn(scope: Scope, root: SyntaxNode, name: string, from = root.startIndex): SyntaxNode[] {
  const calls: SyntaxNode[] = [];
  for (const at of wordsBetween(scope.file.source, name, Math.max(from, root.startIndex), root.endIndex, { notSelected: true })) {
    const ident = root.namedDescendantForIndex(at, at + name.length);
    const call = ident.parent;
    if (ident.startIndex !== at || call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== ident.id) continue;
    if (isBuiltin(scope, ident, name) && !insideFuncLiteral(call, root)) calls.push(call);
  }
  return calls;
}

/**
 * Where a name declared at `decl` can be referred to, as far as it lies within `root`: the innermost
 * block around the declaration (a Go variable is visible only to the end of its block), or `root`
 * when the declaration is outside it (a parameter, a package variable). Searching there instead of
 * the whole function keeps a function of many `ctx, cancel :=` blocks linear (issue #15).
 */
function scopeBlockWithin(root: SyntaxNode, decl: SyntaxNode): SyntaxNode {
  if (decl.startIndex < root.startIndex || decl.endIndex > root.endIndex) return root;
  for (let n = decl.parent; n && !(n.startIndex === root.startIndex && n.endIndex === root.endIndex); n = n.parent)
    if (n.type === 'block') return n;
  return root;
}

/** The statement containing `node` whose parent is a statement list (the node itself if it is one). */
export function statementOf(node: SyntaxNode): SyntaxNode | null {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.parent?.type === 'statement_list') return n;
    if (n.type === 'func_literal' || n.type === 'function_declaration' || n.type === 'method_declaration') return null;
  }
  return null;
}

/** The `for` statements between `node` and its ancestor `stop`, innermost first. */
export function loopsBetween(node: SyntaxNode, stop: SyntaxNode): SyntaxNode[] {
  const loops: SyntaxNode[] = [];
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) if (n.type === 'for_statement') loops.push(n);
  return loops;
}

/** The body block of a function declaration, method or literal. */
export function bodyOf(func: SyntaxNode): SyntaxNode | null {
  return func.childForFieldName('body');
}

/** Whether a subtree (outside nested function literals) contains a node for which `test` holds. */
export function someInSameFunction(root: SyntaxNode, test: (node: SyntaxNode) => boolean): boolean {
  let found = false;
  walkSameFunction(root, (node) => {
    if (found) return false;
    if (test(node)) found = true;
    return !found;
  });
  return found;
}

/** A `for { … }` with no condition or clause. */
export function isEndless(forStatement: SyntaxNode): boolean {
  return forStatement.type === 'for_statement' && forStatement.namedChildren.every((c) => c.type === 'block' || c.type === 'comment');
}

/** Collapses whitespace so expressions can be compared by text. */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The outermost function literal between `node` and the function `func` that holds it, or null. */
export function outermostLiteral(node: SyntaxNode, func: SyntaxNode | null): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  for (let n = node.parent; n && n.id !== func?.id; n = n.parent) if (n.type === 'func_literal') found = n;
  return found;
}
