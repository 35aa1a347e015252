/**
 * Control-flow questions from syntax: which ways out of a function can be reached from a statement
 * without passing a given set of "covering" nodes (a `cancel()` call, a receive from a channel).
 *
 * The answer follows the structure of the code, not a full control-flow graph, and errs towards
 * silence: a covering node inside a conditional still counts as covering what follows it. Two
 * things keep it honest where the old statement-list scan was not (issue #9):
 * - a `return` in another branch of the same `if`, `switch` or `select` as the starting statement
 *   is not reachable from it (the context made in one `case` does not leak through the `return` of
 *   its sibling case);
 * - a covering node in one branch does not cover a `return` in another branch.
 *
 * Cost: each function's returns are listed once and kept; a question then costs the number of
 * returns after the start times the depth of the tree times the covering nodes between them, with
 * no walk of the function body (issue #15: no rule superlinear in candidates per function).
 */
import type { SyntaxNode, Tree } from './parser.js';
import { walkSameFunction } from './syntax.js';

/** A way out of a function that {@link exitsWithout} found uncovered. */
export interface UncoveredExit {
  /** The return statement, or the function body when control falls off its end. */
  readonly node: SyntaxNode;
  readonly kind: 'return' | 'end';
}

/** Statement types that choose one of their children to run. */
const BRANCHING = new Set(['if_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']);
/** The children of a branching statement that are alternatives of each other. */
const ALTERNATIVES = new Set(['block', 'if_statement', 'expression_case', 'type_case', 'communication_case', 'default_case']);

const returnsCache = new WeakMap<Tree, Map<number, SyntaxNode[]>>();

/** The return statements of a function (outside nested literals), in source order; listed once per function. */
export function returnsOf(func: SyntaxNode): readonly SyntaxNode[] {
  let byFunc = returnsCache.get(func.tree);
  if (!byFunc) returnsCache.set(func.tree, (byFunc = new Map()));
  let returns = byFunc.get(func.startIndex);
  if (!returns) {
    returns = [];
    const body = func.childForFieldName('body');
    const found = returns;
    if (body) walkSameFunction(body, (node) => void (node.type === 'return_statement' && found.push(node)));
    byFunc.set(func.startIndex, returns);
  }
  return returns;
}

/**
 * exitsWithout lists the ways out of `func` reachable from `start` (a statement of it, or the
 * function's entry when null) that no
 * node of `covers` precedes: its `return` statements after `start` that are not in a branch
 * alternative to it, and falling off the end of the body when that can follow `start`. A covering
 * node covers a return when it comes between them and does not sit in a branch alternative to the
 * return's own; a return containing a covering node (`return <-ch`) is covered.
 */
export function exitsWithout(func: SyntaxNode, start: SyntaxNode | null, covers: readonly SyntaxNode[]): UncoveredExit[] {
  const body = func.childForFieldName('body');
  if (!body) return [];
  // From the function's entry when no start is given: every return can follow it.
  const from = start ?? body;
  const after = start ? start.endIndex : body.startIndex;
  const sorted = [...covers].filter((c) => c.startIndex >= after).sort((a, b) => a.startIndex - b.startIndex);
  const exits: UncoveredExit[] = [];
  for (const ret of returnsOf(func)) {
    if (ret.startIndex < after || (start && !reachableFrom(start, ret))) continue;
    const covered = sorted.some(
      (c) => contains(ret, c) || (c.startIndex < ret.startIndex && precedes(c, ret) && coversPast(c, ret, from, sorted)),
    );
    if (!covered) exits.push({ node: ret, kind: 'return' });
  }
  if (fallsOffEnd(body) && (!start || endReachableFrom(start, body)) && sorted.length === 0) exits.push({ node: body, kind: 'end' });
  return exits;
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** The child of `ancestor` on the way down to `node`, and whether `ancestor` was found. */
function childToward(node: SyntaxNode, ancestor: SyntaxNode): SyntaxNode | undefined {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent)
    if (parent.startIndex === ancestor.startIndex && parent.endIndex === ancestor.endIndex && parent.type === ancestor.type) return child;
  return undefined;
}

/** The lowest common ancestor of two nodes. */
function commonAncestor(a: SyntaxNode, b: SyntaxNode): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = b; n; n = n.parent) if (contains(n, a)) return n;
  return undefined;
}

/** Whether `a` and `b` lie in two different alternatives of the same branching statement (so never both run in one pass). */
export function inAlternatives(a: SyntaxNode, b: SyntaxNode): boolean {
  const common = commonAncestor(a, b);
  if (!common || !BRANCHING.has(common.type)) return false;
  const ca = childToward(a, common);
  const cb = childToward(b, common);
  return !!ca && !!cb && ca.id !== cb.id && ALTERNATIVES.has(ca.type) && ALTERNATIVES.has(cb.type);
}

/** A return can follow `start` unless it sits in a branch alternative to start's (loops are not followed: silence). */
function reachableFrom(start: SyntaxNode, ret: SyntaxNode): boolean {
  return !inAlternatives(start, ret);
}

/** A covering node before `ret` covers it unless it sits in a branch alternative to the return's. */
function precedes(cover: SyntaxNode, ret: SyntaxNode): boolean {
  return !inAlternatives(cover, ret);
}

/**
 * Two places where a covering node that comes first still does not cover a return:
 * - a receive that is the range of a loop covers what follows the loop (it ends when the channel
 *   is closed), not a return from the loop's body, which leaves early (issue #11);
 * - a covering node in one case of a `select` covers what follows the `select` only when every
 *   case control can take from the start has one: the other cases are other ways past it.
 */
function coversPast(cover: SyntaxNode, ret: SyntaxNode, start: SyntaxNode, covers: readonly SyntaxNode[]): boolean {
  for (let n = cover.parent; n; n = n.parent) {
    if (n.type === 'func_literal' || n.type === 'function_declaration' || n.type === 'method_declaration') break;
    if (n.type === 'range_clause' || (n.type === 'for_statement' && cover.type === 'range_clause')) {
      const loop = n.type === 'for_statement' ? n : n.parent;
      const body = loop?.childForFieldName('body');
      if (body && contains(body, ret)) return false;
    }
    if ((n.type === 'communication_case' || n.type === 'default_case') && n.parent && !contains(n.parent, ret)) {
      // The cases control can take from the start: its own, when it is inside one; else all of them.
      const cases = n.parent.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case');
      const taken = cases.filter((c) => contains(c, start));
      if (!(taken.length > 0 ? taken : cases).every((c) => covers.some((x) => contains(c, x)))) return false;
    }
  }
  if (cover.type === 'range_clause') {
    const body = cover.parent?.childForFieldName('body');
    if (body && contains(body, ret)) return false;
  }
  return true;
}

/** Whether control can run past the last statement of a body. */
function fallsOffEnd(body: SyntaxNode): boolean {
  const list = body.namedChildren.find((c) => c.type === 'statement_list');
  const statements = list?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const last = statements[statements.length - 1];
  return !last || !terminates(last);
}

/** Whether the end of `body` can follow `start`: no statement after it (at any level up) always leaves the function. */
function endReachableFrom(start: SyntaxNode, body: SyntaxNode): boolean {
  for (let child = start, parent = start.parent; parent && child.id !== body.id; child = parent, parent = parent.parent) {
    if (parent.type !== 'statement_list') continue;
    for (let s = child.nextNamedSibling; s; s = s.nextNamedSibling) if (terminates(s)) return false;
  }
  return true;
}

/** A statement after which control never continues: `return`, `panic(…)`, an endless `for` with no break, `select {}`. */
function terminates(statement: SyntaxNode): boolean {
  switch (statement.type) {
    case 'return_statement':
      return true;
    case 'expression_statement': {
      const call = statement.namedChildren[0];
      return call?.type === 'call_expression' && call.childForFieldName('function')?.text === 'panic';
    }
    case 'for_statement':
      return statement.namedChildren.every((c) => c.type === 'block' || c.type === 'comment') && !hasBreakFor(statement);
    case 'select_statement':
      return statement.namedChildren.every((c) => c.type === 'comment');
    default:
      return false;
  }
}

/** Whether an unlabelled `break` aimed at this loop, or any labelled break, occurs in it. */
function hasBreakFor(loop: SyntaxNode): boolean {
  let found = false;
  walkSameFunction(loop, (node) => {
    if (found) return false;
    if (node.type !== 'break_statement') return true;
    if (node.namedChildren.some((c) => c.type === 'label_name')) {
      found = true;
      return false;
    }
    for (let n = node.parent; n && n.id !== loop.id; n = n.parent) {
      if (n.type === 'for_statement' || n.type === 'select_statement' || n.type.endsWith('switch_statement')) return false;
    }
    found = true;
    return false;
  });
  return found;
}
