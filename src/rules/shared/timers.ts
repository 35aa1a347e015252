/**
 * Helpers shared by the timer rules (ticker-not-stopped, time-tick-leak, time-after-in-loop):
 * recognising calls into package time, and the function shapes where a timer cannot leak
 * (code that runs once, functions that never return).
 */
import type { GoFile } from '../../analysis/go-file.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { contains, enclosingDeclaration, type Scope } from '../../analysis/scope.js';
import { bodyOf, isBuiltin, isEndless, someInSameFunction, unparen, walkSameFunction } from '../../analysis/syntax.js';

/**
 * timeCall returns the function name when `call` calls `time.<name>` for one of `names`, through
 * this file's import of "time" (under any alias) that no local declaration shadows.
 */
export function timeCall(file: GoFile, scope: Scope, call: SyntaxNode, names: readonly string[]): string | undefined {
  const fn = unparen(call.childForFieldName('function'));
  if (!file.isQualified(fn, 'time', names)) return undefined;
  const operand = fn?.childForFieldName('operand');
  if (!operand || scope.resolve(operand.text, operand)) return undefined;
  return fn?.childForFieldName('field')?.text;
}

/** The local name of the "time" import as written in `call`'s function (`time` or an alias). */
export function timeQualifier(call: SyntaxNode): string {
  return unparen(call.childForFieldName('function'))?.childForFieldName('operand')?.text ?? 'time';
}

/** Whether a file holds tests (`_test.go`), whose processes are short-lived. */
export function isTestFile(file: GoFile): boolean {
  return file.path.endsWith('_test.go');
}

/**
 * Whether `func` is, or lies inside, code that runs once per process: `func main()` of package
 * main, or a `func init()`. A timer leaked there is one timer, not a growing number.
 */
export function runsOnce(file: GoFile, func: SyntaxNode): boolean {
  const decl = func.type === 'function_declaration' ? func : enclosingDeclaration(func);
  if (decl?.type !== 'function_declaration') return false;
  const name = decl.childForFieldName('name')?.text;
  return name === 'init' || (name === 'main' && file.packageName === 'main');
}

/** How a function is named in messages: its name, or "the function literal". */
export function functionLabel(func: SyntaxNode): string {
  if (func.type === 'func_literal') return 'the function literal';
  return func.childForFieldName('name')?.text ?? 'the function';
}

/** The `for` statements between `node` and `func` (exclusive) whose body contains `node`: it runs once per iteration. */
export function loopBodiesAround(node: SyntaxNode, func: SyntaxNode): SyntaxNode[] {
  const loops: SyntaxNode[] = [];
  for (let n = node.parent; n && n.id !== func.id; n = n.parent) {
    if (n.type !== 'for_statement') continue;
    const body = n.childForFieldName('body');
    if (body && contains(body, node)) loops.push(n);
  }
  return loops;
}

/**
 * neverReturns tells whether a function can never hand control back to its caller: it has no
 * `return` of its own, and its body ends in a statement that does not complete — a loop with no
 * condition (or a range over `time.Tick`, whose channel is never closed) that no `break` leaves, `select {}`, `panic`, `os.Exit` or `log.Fatal…`. A function that falls off its end returns.
 * Such "endless" functions (servers, pollers) keep their timers for as long as they run anyway.
 */
export function neverReturns(file: GoFile, scope: Scope, func: SyntaxNode): boolean {
  const body = bodyOf(func);
  if (!body) return false;
  if (someInSameFunction(body, (n) => n.type === 'return_statement')) return false;
  const statements = body.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const last = statements[statements.length - 1];
  return !!last && doesNotComplete(file, scope, last);
}

function doesNotComplete(file: GoFile, scope: Scope, statement: SyntaxNode): boolean {
  switch (statement.type) {
    case 'labeled_statement': {
      const inner = statement.namedChildren.find((c) => c.type !== 'label_name' && c.type !== 'comment');
      return !!inner && doesNotComplete(file, scope, inner);
    }
    case 'for_statement':
      return isForever(file, scope, statement) && !leavesLoop(statement);
    case 'select_statement':
      return statement.namedChildren.every((c) => c.type === 'comment');
    case 'expression_statement':
      return isTerminatingCall(file, scope, statement.namedChildren[0]);
    default:
      return false;
  }
}

/** A call that never returns: `panic(…)`, `os.Exit(…)`, `log.Fatal…(…)`, `log.Panic…(…)`. */
export function isTerminatingCall(file: GoFile, scope: Scope, node: SyntaxNode | null | undefined): boolean {
  if (node?.type !== 'call_expression') return false;
  const fn = node.childForFieldName('function');
  return (
    isBuiltin(scope, fn, 'panic') ||
    file.isQualified(fn, 'os', 'Exit') ||
    file.isQualified(fn, 'log', ['Fatal', 'Fatalf', 'Fatalln', 'Panic', 'Panicf', 'Panicln'])
  );
}

/**
 * `for { … }`, or a range over a ticker's channel, which is never closed: `for … range time.Tick(…)`,
 * or `for … range t.C` where `t` was initialised with `time.NewTicker(…)`.
 */
function isForever(file: GoFile, scope: Scope, loop: SyntaxNode): boolean {
  if (isEndless(loop)) return true;
  const clause = loop.namedChildren.find((c) => c.type === 'range_clause');
  const right = unparen(clause?.childForFieldName('right'));
  if (right?.type === 'call_expression') return timeCall(file, scope, right, ['Tick']) !== undefined;
  if (right?.type !== 'selector_expression' || right.childForFieldName('field')?.text !== 'C') return false;
  const operand = right.childForFieldName('operand');
  const value = operand?.type === 'identifier' ? scope.resolveIdent(operand)?.valueNode : undefined;
  return value?.type === 'call_expression' && timeCall(file, scope, value, ['NewTicker']) !== undefined;
}

const BREAKABLE = new Set(['for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']);

/**
 * Whether a `break` (unlabelled and aimed at this loop, or naming its label) can leave the loop.
 * A `goto` is not followed: when unsure the loop counts as endless, which keeps the rules silent.
 */
function leavesLoop(loop: SyntaxNode): boolean {
  const label =
    loop.parent?.type === 'labeled_statement' ? loop.parent.namedChildren.find((c) => c.type === 'label_name')?.text : undefined;
  let leaves = false;
  walkSameFunction(loop, (node) => {
    if (leaves) return false;
    if (node.type === 'break_statement') {
      const target = node.namedChildren.find((c) => c.type === 'label_name')?.text;
      if (target !== undefined) leaves = target === label;
      else leaves = innermostBreakable(node)?.id === loop.id;
    }
    return !leaves;
  });
  return leaves;
}

function innermostBreakable(node: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) if (BREAKABLE.has(n.type)) return n;
  return null;
}
