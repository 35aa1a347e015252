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

/** A way out of a function that {@link firstExitWithout} found uncovered. */
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

const returnPlacesCache = new WeakMap<readonly SyntaxNode[], readonly Place[]>();

/** The places of a function's returns, read once per function (a candidate's question then asks the tree nothing for them). */
function returnPlacesOf(func: SyntaxNode): readonly Place[] {
  const returns = returnsOf(func);
  let places = returnPlacesCache.get(returns);
  if (!places) returnPlacesCache.set(returns, (places = returns.map(placeOf)));
  return places;
}

/** Options of {@link firstExitWithout}. */
export interface ExitSearch {
  /** Only `return` statements count: falling off the end of the body is not looked at. */
  readonly returnsOnly?: boolean;
}

/**
 * firstExitWithout finds the first way out of `func` reachable from `start` (a statement of it, or
 * the function's entry when null) that no node of `covers` precedes: its `return` statements after
 * `start` that are not in a branch alternative to it, in source order, then falling off the end of
 * the body when that can follow `start`. A covering node covers a return when it comes between
 * them and does not sit in a branch alternative to the return's own; a return containing a
 * covering node (`return <-ch`) is covered. The search stops at the first uncovered exit: every
 * rule reports one, and in a function of many candidates the later returns are not looked at.
 */
export function firstExitWithout(
  func: SyntaxNode,
  start: SyntaxNode | null,
  covers: readonly SyntaxNode[],
  search: ExitSearch = {},
): UncoveredExit | undefined {
  const body = func.childForFieldName('body');
  if (!body) return undefined;
  // From the function's entry when no start is given: every return can follow it.
  const from = placeOf(start ?? body);
  const after = start ? from.end : from.start;
  const sorted = covers
    .map(placeOf)
    .filter((c) => c.start >= after)
    .sort((a, b) => a.start - b.start);
  // Every return after an unconditional covering node is covered: the search ends there.
  const coveredFrom = sorted.find((c) => unconditional(c, body))?.start ?? Infinity;
  const returns = returnPlacesOf(func);
  for (let i = firstAtOrAfter(returns, after); i < returns.length; i++) {
    const ret = returns[i] as Place;
    if (ret.start > coveredFrom) break;
    if (start && !reachableFrom(from, ret)) continue;
    const covered = sorted.some((c) => holds(ret, c) || (c.start < ret.start && precedes(c, ret) && coversPast(c, ret, from, sorted)));
    if (!covered) return { node: ret.node, kind: 'return' };
  }
  if (search.returnsOnly || sorted.length > 0 || !fallsOffEnd(body) || (start && !endReachableFrom(start, body))) return undefined;
  return { node: body, kind: 'end' };
}

/** The index of the first place (in source order) that starts at or after `offset` (a binary search). */
function firstAtOrAfter(places: readonly Place[], offset: number): number {
  let low = 0;
  let high = places.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((places[mid] as Place).start < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Where a covering node stops covering what follows it: a branch, a case, a loop, a function literal. */
const CONDITIONAL = new Set([
  ...BRANCHING,
  ...ALTERNATIVES,
  'for_statement',
  'range_clause',
  'func_literal',
  'defer_statement',
  'go_statement',
]);

/**
 * Whether a covering node covers every return after it: nothing between it and the function body
 * is conditional, so no return after it is in a branch alternative to it and none of the exceptions
 * of {@link coversPast} (a loop's range, a case of a select) applies.
 */
function unconditional(cover: Place, body: SyntaxNode): boolean {
  if (cover.type === 'range_clause') return false;
  for (const place of chainOf(cover.node).slice(1)) {
    if (place.id === body.id) return true;
    if (CONDITIONAL.has(place.type)) return false;
  }
  return false;
}

/** Whether `outer` spans `inner`. */
function holds(outer: Place, inner: Place): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** A node's place (from its chain). */
function placeOf(node: SyntaxNode): Place {
  return chainOf(node)[0] as Place;
}

/** A node with the fields the questions here ask, read from the native tree once. */
interface Place {
  readonly node: SyntaxNode;
  readonly id: number;
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

const chainCache = new WeakMap<Tree, Map<number, readonly Place[]>>();

/**
 * A node and its ancestors, nearest first, each read from the tree once per tree. Every question
 * below walks up from returns and covering nodes, once per candidate: asked of the native tree that
 * was a call per step (issue #15: 200 candidates in one function took 3 s, most of it in `parent`).
 */
function chainOf(node: SyntaxNode): readonly Place[] {
  let byId = chainCache.get(node.tree);
  if (!byId) chainCache.set(node.tree, (byId = new Map()));
  const pending: SyntaxNode[] = [];
  let known: readonly Place[] = [];
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    const cached = byId.get(n.id);
    if (cached) {
      known = cached;
      break;
    }
    pending.push(n);
  }
  for (let i = pending.length - 1; i >= 0; i--) {
    const n = pending[i] as SyntaxNode;
    known = [{ node: n, id: n.id, type: n.type, start: n.startIndex, end: n.endIndex }, ...known];
    byId.set(n.id, known);
  }
  return known;
}

/** The child of `ancestor` on the way down to `node` (a place of `node`'s chain), when `ancestor` is above it. */
function childToward(chain: readonly Place[], ancestor: Place): Place | undefined {
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i] as Place;
    if (parent.start === ancestor.start && parent.end === ancestor.end && parent.type === ancestor.type) return chain[i - 1];
  }
  return undefined;
}

/** The lowest common ancestor of two nodes (from `b`'s chain, the first place that holds `a`). */
function commonAncestor(a: Place, bChain: readonly Place[]): Place | undefined {
  return bChain.find((p) => p.start <= a.start && a.end <= p.end);
}

/** Whether `a` and `b` lie in two different alternatives of the same branching statement (so never both run in one pass). */
export function inAlternatives(a: SyntaxNode, b: SyntaxNode): boolean {
  return alternatives(placeOf(a), placeOf(b));
}

function alternatives(a: Place, b: Place): boolean {
  const aChain = chainOf(a.node);
  const bChain = chainOf(b.node);
  const common = commonAncestor(aChain[0] as Place, bChain);
  if (!common || !BRANCHING.has(common.type)) return false;
  const ca = childToward(aChain, common);
  const cb = childToward(bChain, common);
  return !!ca && !!cb && ca.id !== cb.id && ALTERNATIVES.has(ca.type) && ALTERNATIVES.has(cb.type);
}

/** A return can follow `start` unless it sits in a branch alternative to start's (loops are not followed: silence). */
function reachableFrom(start: Place, ret: Place): boolean {
  return !alternatives(start, ret);
}

/** A covering node before `ret` covers it unless it sits in a branch alternative to the return's. */
function precedes(cover: Place, ret: Place): boolean {
  return !alternatives(cover, ret);
}

/**
 * Two places where a covering node that comes first still does not cover a return:
 * - a receive that is the range of a loop covers what follows the loop (it ends when the channel
 *   is closed), not a return from the loop's body, which leaves early (issue #11);
 * - a covering node in one case of a `select` covers what follows the `select` only when every
 *   case control can take from the start has one: the other cases are other ways past it.
 */
function coversPast(cover: Place, ret: Place, start: Place, covers: readonly Place[]): boolean {
  for (const place of chainOf(cover.node).slice(1)) {
    if (place.type === 'func_literal' || place.type === 'function_declaration' || place.type === 'method_declaration') break;
    if (place.type === 'range_clause' || (place.type === 'for_statement' && cover.type === 'range_clause')) {
      const loop = place.type === 'for_statement' ? place.node : place.node.parent;
      const body = loop?.childForFieldName('body');
      if (body && holds(placeOf(body), ret)) return false;
    }
    if (place.type === 'communication_case' || place.type === 'default_case') {
      const select = chainOf(place.node)[1];
      if (!select || holds(select, ret)) continue;
      // The cases control can take from the start: its own, when it is inside one; else all of them.
      const cases = casesOf(select);
      const taken = cases.filter((c) => holds(c, start));
      if (!(taken.length > 0 ? taken : cases).every((c) => covers.some((x) => holds(c, x)))) return false;
    }
  }
  if (cover.type === 'range_clause') {
    const body = cover.node.parent?.childForFieldName('body');
    if (body && holds(placeOf(body), ret)) return false;
  }
  return true;
}

const casesCache = new WeakMap<Tree, Map<number, readonly Place[]>>();

/** The cases of a `select`, read once per statement. */
function casesOf(select: Place): readonly Place[] {
  let byId = casesCache.get(select.node.tree);
  if (!byId) casesCache.set(select.node.tree, (byId = new Map()));
  let cases = byId.get(select.id);
  if (!cases) {
    cases = select.node.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case').map(placeOf);
    byId.set(select.id, cases);
  }
  return cases;
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
