/**
 * Loop questions shared by the goroutine rules: is a loop infinite, and can control ever leave it
 * (a `return`, a `break`/`continue`/`goto` that reaches past it, a call that ends the goroutine,
 * or a `select` case that waits on a cancellation source).
 */
import type { GoFile } from '../../analysis/go-file.js';
import type { PackageIndex, PackageFunc } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { contains, enclosingFunction, isFunctionNode, type Scope } from '../../analysis/scope.js';
import { channelFieldOf } from '../../analysis/channels.js';
import { isBuiltin, unparen, walkSameFunction } from '../../analysis/syntax.js';

/** What loop questions need: the file a loop is in, a scope over that file, and its package. */
export interface LoopEnv {
  readonly file: GoFile;
  readonly scope: Scope;
  readonly pkg: PackageIndex;
}

/** A plain `break` inside a loop whose target is a `select` or `switch`, not the loop: the classic way to believe a loop ends. */
export interface TrappedBreak {
  readonly node: SyntaxNode;
  readonly construct: 'select' | 'switch';
}

/** The result of {@link loopWayOut}. */
export interface LoopExits {
  /** The first node found that lets control leave the loop or end the goroutine; undefined when there is none. */
  readonly way: SyntaxNode | undefined;
  /** A plain `break` that only leaves a `select` or `switch` inside the loop. */
  readonly trappedBreak: TrappedBreak | undefined;
  /** A `select` case waiting on a channel field that nothing in the package ever closes or sends on. */
  readonly deadSignal: SyntaxNode | undefined;
}

/**
 * Selector calls that end the goroutine or the process: `os.Exit`, `runtime.Goexit`, `log.Fatal…`,
 * `log.Panic…`, the same-named methods of loggers (zap, logrus, klog) and `t.FailNow`/`t.SkipNow`.
 * Matching the method name alone errs towards silence.
 */
const EXIT_SELECTORS = new Set(['Exit', 'Goexit', 'Fatal', 'Fatalf', 'Fatalln', 'Panic', 'Panicf', 'Panicln', 'FailNow', 'SkipNow']);
/** Print calls that may sit in a `select` case without making it a way out. */
const PRINTS = new Set(['Print', 'Printf', 'Println']);
const BREAK_TARGETS = new Set(['for_statement', 'select_statement', 'expression_switch_statement', 'type_switch_statement']);

/**
 * Whether a `for` statement can only end by leaving it from inside: `for { … }`, `for ;; { … }`,
 * `for true { … }`, or `for range time.Tick(d)` (the tick channel is never closed).
 */
export function isInfiniteLoop(file: GoFile, loop: SyntaxNode): boolean {
  if (loop.type !== 'for_statement') return false;
  const header = loop.namedChildren.filter((c) => c.type !== 'block' && c.type !== 'comment');
  if (header.length === 0) return true;
  const [clause] = header;
  if (header.length !== 1 || !clause) return false;
  if (clause.type === 'true') return true;
  if (clause.type === 'for_clause') return clause.childForFieldName('condition') === null;
  if (clause.type === 'range_clause') {
    const right = unparen(clause.childForFieldName('right'));
    return right?.type === 'call_expression' && file.isQualified(right.childForFieldName('function'), 'time', 'Tick');
  }
  return false;
}

/** The statement a labelled statement labels. */
function labelledInner(labelled: SyntaxNode): SyntaxNode | undefined {
  return labelled.namedChildren.find((c) => c.type !== 'label_name' && c.type !== 'comment');
}

function labelName(statement: SyntaxNode): string | undefined {
  return statement.namedChildren.find((c) => c.type === 'label_name')?.text;
}

/** The labelled statement named `label` that encloses `node` within its function. */
function labelledAncestor(node: SyntaxNode, label: string): SyntaxNode | undefined {
  for (let n = node.parent; n && !isFunctionNode(n); n = n.parent) {
    if (n.type === 'labeled_statement' && labelName(n) === label) return n;
  }
  return undefined;
}

/** The labelled statement named `label` anywhere in the function around `node` (goto labels are function-scoped). */
function labelInFunction(node: SyntaxNode, label: string): SyntaxNode | undefined {
  const body = enclosingFunction(node)?.childForFieldName('body');
  let found: SyntaxNode | undefined;
  if (body) {
    walkSameFunction(body, (n) => {
      if (found) return false;
      if (n.type === 'labeled_statement' && labelName(n) === label) found = n;
      return true;
    });
  }
  return found;
}

/** The `for`, `select` or `switch` an unlabelled `break` leaves. */
function breakTarget(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n && !isFunctionNode(n); n = n.parent) if (BREAK_TARGETS.has(n.type)) return n;
  return undefined;
}

/** Whether a labelled statement lies outside `loop` (so jumping to it leaves the loop), and does not label the loop itself. */
function leavesTo(labelled: SyntaxNode | undefined, loop: SyntaxNode): boolean {
  if (!labelled) return true; // an unresolvable label: err towards silence
  if (labelledInner(labelled)?.id === loop.id) return false;
  return !contains(loop, labelled);
}

/**
 * loopWayOut looks, inside `loop` (not in nested function literals), for a way control can leave
 * the loop or end the goroutine: a `return`; a `break` that targets the loop or a label outside it
 * (a plain `break` inside a `select` or `switch` only leaves that statement); a `continue L` or
 * `goto L` to a label outside the loop; a call that ends the goroutine (`panic`, `os.Exit`,
 * `log.Fatal…`, a package function whose body makes such a call); or a `select` case that receives
 * from a cancellation source (see {@link cancellationReceive}) and does more than stay in the loop.
 * `ignoreCase` discounts `select` cases, with everything in them.
 */
export function loopWayOut(env: LoopEnv, loop: SyntaxNode, ignoreCase?: (caseNode: SyntaxNode) => boolean): LoopExits {
  const body = loop.childForFieldName('body');
  let way: SyntaxNode | undefined;
  let trappedBreak: TrappedBreak | undefined;
  let deadSignal: SyntaxNode | undefined;
  if (!body) return { way: loop, trappedBreak, deadSignal };
  walkSameFunction(body, (node) => {
    if (way) return false;
    switch (node.type) {
      case 'return_statement':
        way = node;
        return false;
      case 'break_statement': {
        const label = labelName(node);
        if (label) {
          const target = labelledAncestor(node, label);
          if (!target || contains(target, loop)) way = node;
          return false;
        }
        const target = breakTarget(node);
        if (!target || target.id === loop.id) way = node;
        else if (target.type !== 'for_statement' && !trappedBreak && contains(body, target))
          trappedBreak = { node, construct: target.type === 'select_statement' ? 'select' : 'switch' };
        return false;
      }
      case 'continue_statement': {
        const label = labelName(node);
        if (label && leavesTo(labelledAncestor(node, label), loop)) way = node;
        return false;
      }
      case 'goto_statement': {
        const label = labelName(node);
        if (!label || leavesTo(labelInFunction(node, label), loop)) way = node;
        return false;
      }
      case 'call_expression':
        if (isExitCall(env, node, true)) way = node;
        return true;
      case 'communication_case': {
        // A case the caller discounts (the receive being judged): nothing in it is a way out.
        if (ignoreCase?.(node)) return false;
        const channel = cancellationReceive(env, node);
        if (!channel || staysInLoop(env, node)) return true;
        if (!neverSignalled(env, channel)) {
          way = node;
          return true;
        }
        // A case that can never fire: what its body does (a return) is no way out.
        deadSignal ??= channel;
        return false;
      }
      default:
        return true;
    }
  });
  return { way, trappedBreak, deadSignal };
}

/**
 * The channel of a `select` case in the loop (outside nested literals) that waits on a
 * cancellation source that can fire and leaves the loop: `case <-s.stop: return`. Cases for which
 * `ignore` holds are skipped.
 */
export function cancellationWayOut(env: LoopEnv, loop: SyntaxNode, ignore?: (caseNode: SyntaxNode) => boolean): SyntaxNode | undefined {
  const body = loop.childForFieldName('body');
  let found: SyntaxNode | undefined;
  if (!body) return undefined;
  walkSameFunction(body, (node) => {
    if (found) return false;
    if (node.type !== 'communication_case' || ignore?.(node)) return true;
    const channel = cancellationReceive(env, node);
    if (channel && !staysInLoop(env, node) && !neverSignalled(env, channel)) found = channel;
    return !found;
  });
  return found;
}

/**
 * Whether a channel waited on in a `select` can never fire: a channel field of a package type,
 * in a closed world (unexported, or a package nothing imports), that nothing in the package
 * closes, sends on, or lets escape (issue #11: `case <-s.stop:` where nothing closes s.stop).
 */
export function neverSignalled(env: LoopEnv, channel: SyntaxNode): boolean {
  if (channel.type !== 'selector_expression') return false;
  const census = channelFieldOf(env.pkg, env.file, channel);
  if (!census || !census.closedWorld) return false;
  return census.uses.every((u) => u.kind === 'make' || u.kind === 'receive' || u.kind === 'nil');
}

/**
 * Whether a call ends the goroutine or the process. With `followPackageFuncs`, a call to a function
 * declared in the package counts when that function's own body makes such a call (one level deep,
 * so `fatalf(…)` and `must(err)` helpers count).
 */
export function isExitCall(env: LoopEnv, call: SyntaxNode, followPackageFuncs: boolean): boolean {
  const fn = unparen(call.childForFieldName('function'));
  if (!fn) return false;
  if (fn.type === 'selector_expression') {
    if (EXIT_SELECTORS.has(fn.childForFieldName('field')?.text ?? '')) return true;
    // testify's require.X(t, …) calls t.FailNow (runtime.Goexit) when the check fails.
    const operand = unparen(fn.childForFieldName('operand'));
    return operand?.type === 'identifier' && env.file.imports.get(operand.text) === 'github.com/stretchr/testify/require';
  }
  if (fn.type !== 'identifier') return false;
  if (isBuiltin(env.scope, fn, 'panic')) return true;
  if (!followPackageFuncs || env.scope.resolve(fn.text, fn)) return false;
  const decl = env.pkg.funcs.get(fn.text);
  return decl !== undefined && funcExits(env.pkg, decl);
}

const exitingFuncs = new WeakMap<PackageIndex, Map<string, boolean>>();

/** Whether a package function's body (outside nested literals) calls something that ends the goroutine. Cached per package. */
function funcExits(pkg: PackageIndex, decl: PackageFunc): boolean {
  let cache = exitingFuncs.get(pkg);
  if (!cache) exitingFuncs.set(pkg, (cache = new Map()));
  const key = `${decl.file.path}:${decl.node.startIndex}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  cache.set(key, false); // recursion guard
  const env: LoopEnv = { file: decl.file, scope: pkg.scopeOf(decl.file), pkg };
  const body = decl.node.childForFieldName('body');
  let exits = false;
  if (body) {
    walkSameFunction(body, (node) => {
      if (exits) return false;
      if (node.type === 'call_expression' && isExitCall(env, node, false)) exits = true;
      return !exits;
    });
  }
  cache.set(key, exits);
  return exits;
}

/**
 * The channel expression of a `select` case that waits on a cancellation source, or undefined.
 * Counted: `<-x.Done()` (a context), any other call except timers (`time.After`, `….Tick`), and a
 * channel variable, parameter or field, provided the received value is not kept (`case v := <-jobs:`
 * receives work, not a signal). Not counted: timer channels (`<-t.C` unless the package declares
 * the field as a channel, a variable holding `time.Tick`/`time.After`).
 */
export function cancellationReceive(env: LoopEnv, caseNode: SyntaxNode): SyntaxNode | undefined {
  if (caseNode.type !== 'communication_case') return undefined;
  const comm = caseNode.childForFieldName('communication');
  if (!comm) return undefined;
  let receive: SyntaxNode | null = comm;
  if (comm.type === 'receive_statement') {
    const left = comm.childForFieldName('left')?.namedChildren ?? [];
    if (left.some((n) => n.type === 'identifier' && n.text !== '_')) return undefined;
    receive = unparen(comm.childForFieldName('right'));
  }
  if (receive?.type !== 'unary_expression' || receive.childForFieldName('operator')?.text !== '<-') return undefined;
  const channel = unparen(receive.childForFieldName('operand'));
  if (!channel) return undefined;
  switch (channel.type) {
    case 'call_expression':
      return isTimerCall(env, channel) ? undefined : channel;
    case 'identifier': {
      const binding = env.scope.resolveIdent(channel);
      const value = unparen(binding?.valueNode);
      return value?.type === 'call_expression' && isTimerCall(env, value) ? undefined : channel;
    }
    case 'selector_expression': {
      const field = channel.childForFieldName('field')?.text;
      if (field !== 'C') return channel;
      const declared = env.scope.fieldOf(env.scope.typeOf(channel.childForFieldName('operand')), field);
      return declared && env.pkg.underlying(declared).kind === 'chan' ? channel : undefined;
    }
    default:
      return channel;
  }
}

function isTimerCall(env: LoopEnv, call: SyntaxNode): boolean {
  const fn = unparen(call.childForFieldName('function'));
  if (fn?.type !== 'selector_expression') return false;
  const name = fn.childForFieldName('field')?.text ?? '';
  return ['After', 'Tick'].includes(name) || env.file.isQualified(fn, 'time', ['NewTimer', 'NewTicker', 'AfterFunc']);
}

/**
 * Whether a `select` case certainly stays in the loop: its body is empty or only prints, or
 * leaves the `select` with a plain `break`/`continue`.
 */
function staysInLoop(env: LoopEnv, caseNode: SyntaxNode): boolean {
  const list = caseNode.namedChildren.find((c) => c.type === 'statement_list');
  const statements = list?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
  return statements.every((s) => {
    if (s.type === 'empty_statement') return true;
    if (s.type === 'break_statement' || s.type === 'continue_statement') return !labelName(s);
    if (s.type !== 'expression_statement') return false;
    const call = s.namedChildren[0];
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
    const name = fn?.childForFieldName('field')?.text ?? '';
    return PRINTS.has(name) && (env.file.isQualified(fn, 'log', name) || env.file.isQualified(fn, 'fmt', name));
  });
}
