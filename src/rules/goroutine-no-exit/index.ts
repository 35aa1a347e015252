import { posix } from 'node:path';
import type { GoFile } from '../../analysis/go-file.js';
import type { Fix } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingDeclaration, enclosingFunction, type Scope } from '../../analysis/scope.js';
import { defineRule } from '../define-rule.js';
import { isInfiniteLoop, loopWayOut, type LoopEnv, type TrappedBreak } from '../shared/loops.js';
import { frequencyModel, isLifecycleName, type Frequency } from '../../analysis/frequency.js';
import type { Confidence } from '../../model.js';
import { argumentsOf, unparen, walk, walkSameFunction } from '../../analysis/syntax.js';
import { isTestCode } from '../../analysis/test-code.js';

/** The function a `go` statement runs, with the file and scope it is declared in. */
interface Started {
  readonly func: SyntaxNode;
  readonly env: LoopEnv;
  /** `undefined` for a function literal; the callee as written (`worker`, `s.loop`) for a named function or method. */
  readonly name: string | undefined;
}

/** An infinite loop with no way out. */
interface Trapped {
  readonly loop: SyntaxNode;
  readonly trappedBreak: TrappedBreak | undefined;
  /** A `select` case waiting on a channel field that nothing closes or sends on. */
  readonly deadSignal: SyntaxNode | undefined;
}

/**
 * A cheap text filter run before walking a started function: the spellings of an infinite loop
 * (`for {`, `for ;; {`, `for i := 0; ; i++ {`, `for true {`, `for range time.Tick(…)`).
 */
const MAYBE_INFINITE = /\bfor\s*\{|\bfor\b[^{\n]*;\s*;|\bfor\s+true\s*\{|\.Tick\(/;

export default defineRule({
  id: 'goroutine-no-exit',
  meta: {
    title: 'goroutine loops forever with no way to stop it',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'medium',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      noExit:
        '{{goroutine}} never exits: the loop at {{where}} has no return, break or cancellation case, so its stack and everything it references stay reachable forever',
      selectBreak:
        '{{goroutine}} never exits: the break at {{where}} only leaves the {{construct}}, not the loop, so its stack and everything it references stay reachable forever',
      deadSignal:
        '{{goroutine}} never exits: the loop at {{where}} waits on {{chan}}, but nothing in the package closes it or sends on it, so its stack and everything it references stay reachable forever',
      spins:
        '{{goroutine}} never exits: the loop at {{where}} has no return, break or cancellation case, and once {{call}} starts failing (its source closed) it spins, burning a CPU while its stack and everything it references stay reachable',
    },
    hint: 'Give the goroutine a way to stop: pass it a context.Context (or a done channel) and return when it is closed, with `case <-ctx.Done(): return` in its select or `select { case <-ctx.Done(): return; default: }` at the top of the loop',
    docs: {
      description:
        'A goroutine is a GC root: its stack, and everything its stack and closure point to, stay reachable until the goroutine returns. A goroutine whose function runs an infinite loop (`for { … }` or `for range time.Tick(…)`) with no `return`, no `break` or `goto` that leaves the loop, no call that ends it (`panic`, `os.Exit`, `log.Fatal`) and no `select` case on a cancellation source never returns. Started once per request or per connection, such goroutines accumulate until the process runs out of memory. The rule follows the `go` statement into a function literal, or into a function or method declared in any file of the same package. A plain `break` inside a `select` or `switch` is a common trap: it leaves only the `select`, and the loop goes on.',
      bad: 'func (s *Server) handle(ctx context.Context, conn net.Conn) {\n\tgo func() {\n\t\tfor {\n\t\t\ts.ping(conn)\n\t\t\ttime.Sleep(time.Second)\n\t\t}\n\t}()\n}',
      good: 'func (s *Server) handle(ctx context.Context, conn net.Conn) {\n\tgo func() {\n\t\tfor {\n\t\t\tselect {\n\t\t\tcase <-ctx.Done():\n\t\t\t\treturn\n\t\t\tdefault:\n\t\t\t}\n\t\t\ts.ping(conn)\n\t\t\ttime.Sleep(time.Second)\n\t\t}\n\t}()\n}',
      confidence:
        'High when the `go` statement runs again and again (it is in an event loop, a request handler, or a function called from one: one more goroutine per request), or the loop spins once its source is closed (an `Accept` or `Read` whose error it ignores). Medium when how often it starts is unknown but the goroutine is handed data of the call that starts it (a parameter or local), which suggests one per call. Low for a background loop started by a constructor or a lifecycle method (`New…`, `Start`, `Run`, `Serve`, `Init`…) or with nothing of the call, and in test code (medium there if it spins). Not reported at all when start-up code starts it: `main`, `init`, a `sync.Once`, or a function only those call.',
      notReported: [
        "Goroutines started by start-up code: `main` of package `main`, `init`, a `sync.Once` callback, or a function that only those call (followed across the package): one goroutine for the life of the process is the design. A `go` statement inside an event loop of such code (main's accept loop), or in a function literal registered as a handler, is still checked.",
        'Loops over a channel (`for v := range ch`): they end when the channel is closed; see range-unclosed-channel.',
        'A `select` case that receives from a cancellation source counts as a way out (the rule does not check that the case body really leaves the loop), unless the case body is empty, only prints, or is a plain `break`/`continue`: those certainly stay in the loop. Cancellation sources are `x.Done()`, other calls except timers, and channel variables, parameters and fields whose received value is not kept; `case v := <-jobs:` receives work and is not one, nor are timer channels (`time.After`, `time.Tick`, and `t.C` unless the package declares that field as a channel).',
        '(A deliberate choice in the other direction.) A blocking receive outside a `select` (`<-done` or `v := <-in` as a statement in the loop) is not a way out: it ends one wait and the loop goes on (spinning once the channel is closed), so such loops are reported.',
        'Calls that may end the goroutine count as a way out when their method name says so (`Exit`, `Goexit`, `Fatal…`, `Panic…`, `FailNow`, `SkipNow`, whatever the receiver), as do testify `require.…(t, …)` checks (they call `t.FailNow`), and so does a call to a package function whose own body makes such a call; deeper call chains are not followed.',
        'Goroutines that run a function value (`go f()` with `f` a variable or parameter), a function from another package, or a method whose receiver type the declarations do not settle: the body cannot be seen.',
        'Loops in functions the started function calls: only the body of the function named in the `go` statement is searched.',
        'The suggestion is offered only when waiting on the context provably ends the goroutine: a function literal started by a function that makes the context itself (`ctx, cancel := context.WithCancel/WithTimeout/WithDeadline(…)` before the `go` statement) and defers its cancel, with a loop that never blocks outside a `select` (a goroutine parked in a send or a read never reaches the check), no unnamed results, and a loop body that starts on a line of its own. A context from the caller may be `context.Background()`, whose Done channel never closes; then, and in every other case, the finding carries a hint.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['go '],
  check({ file, scope, pkg, report }) {
    const frequencies = frequencyModel(pkg);
    for (const go of file.nodesMatching(/\bgo\b/g, 'go_statement')) {
      const call = go.namedChildren.find((c) => c.type === 'call_expression');
      const started = call ? startedFunction(file, scope, pkg, call) : undefined;
      if (!call || !started) continue;
      // Started by start-up code (main, init, a sync.Once, a function only they call): one goroutine
      // for the life of the process is the design, not a leak.
      const trapped = firstTrappedLoop(started);
      if (!trapped) continue;
      const frequency = frequencies.frequencyAt(file, go);
      if (frequency.frequency === 'once') continue;
      const sameFile = started.env.file.path === file.path;
      const where = (node: SyntaxNode): string =>
        sameFile ? `line ${file.line(node)}` : `${posix.basename(started.env.file.path)}:${started.env.file.line(node)}`;
      const goroutine = started.name === undefined ? 'this goroutine' : `the goroutine running ${started.name}`;
      const spin = trapped.trappedBreak ? undefined : spinningCall(started.env, trapped.loop);
      const ctxName = sameFile && started.name === undefined ? cancellableContext(file, scope, go, trapped.loop) : undefined;
      const fix = ctxName ? selectFix(file, started.func, trapped.loop, ctxName) : null;
      const hint = hintFor(started, trapped, fix !== null);
      const data: Record<string, string> = trapped.trappedBreak
        ? { goroutine, where: where(trapped.trappedBreak.node), construct: trapped.trappedBreak.construct }
        : spin
          ? { goroutine, where: where(trapped.loop), call: spin }
          : { goroutine, where: where(trapped.loop), chan: trapped.deadSignal?.text ?? '' };
      const messageId = trapped.trappedBreak ? 'selectBreak' : spin ? 'spins' : trapped.deadSignal ? 'deadSignal' : 'noExit';
      report({
        node: go,
        messageId,
        data,
        fix,
        confidence: raisedForDeadSignal(
          confidenceOf(file, scope, go, call, started, frequency.frequency, spin !== undefined),
          trapped.deadSignal !== undefined && !isTestCode(file),
        ),
        ...(hint ? { hint } : {}),
      });
    }
  },
});

/**
 * How sure the evidence makes the leak. High: the goroutine is started by code that runs again and
 * again (a loop, a request handler, a function called from one), or it spins once its input is
 * closed. Medium: how often it starts is unknown, but it is handed per-call data (the starter's
 * parameters or locals), which suggests one goroutine per call. Low: a background loop started by
 * a constructor or lifecycle method, or test code (unless it spins: medium).
 */
function confidenceOf(
  file: GoFile,
  scope: Scope,
  go: SyntaxNode,
  call: SyntaxNode,
  started: Started,
  frequency: Frequency,
  spins: boolean,
): Confidence {
  if (isTestCode(file)) return spins ? 'medium' : 'low';
  if (frequency === 'repeated' || spins) return 'high';
  const starter = enclosingDeclaration(go) ?? enclosingFunction(go);
  const starterName = starter?.childForFieldName('name')?.text ?? '';
  if (isLifecycleName(starterName)) return 'low';
  return takesCallData(scope, go, call, started) ? 'medium' : 'low';
}

/** A stop channel that can never fire is a broken shutdown, worth listing even for a once-per-component goroutine. */
function raisedForDeadSignal(confidence: Confidence, dead: boolean): Confidence {
  return dead && confidence === 'low' ? 'medium' : confidence;
}

/**
 * Whether the goroutine is handed data of the call that starts it: a literal refers to a parameter
 * or local of the starter (the receiver and package-level names do not count), or a named function
 * gets one as an argument.
 */
function takesCallData(scope: Scope, go: SyntaxNode, call: SyntaxNode, started: Started): boolean {
  const starter = enclosingFunction(go);
  if (!starter) return false;
  const isCallData = (ident: SyntaxNode): boolean => {
    const binding = scope.resolveIdent(ident);
    return !!binding && (binding.kind === 'param' || binding.kind === 'local') && binding.func?.id === starter.id;
  };
  const passed = argumentsOf(call).some((arg) => {
    const root = unparen(arg);
    return root?.type === 'identifier' && isCallData(root);
  });
  if (passed || started.name !== undefined) return passed;
  let captured = false;
  walk(started.func, (node) => {
    if (captured) return false;
    if (node.type === 'identifier' && isCallData(node)) captured = true;
    return !captured;
  });
  return captured;
}

/**
 * The call that makes an endless loop spin once its source is closed: an `Accept`, `Read…` or
 * `Recv…` whose error the loop never leaves on (the loop has no way out at all). After
 * `l.Close()` such calls fail at once, forever, and the goroutine burns a CPU.
 */
function spinningCall(env: LoopEnv, loop: SyntaxNode): string | undefined {
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  let found: string | undefined;
  walkSameFunction(body, (node) => {
    if (found) return false;
    if (node.type !== 'call_expression') return true;
    const fn = unparen(node.childForFieldName('function'));
    const name = fn?.type === 'selector_expression' ? (fn.childForFieldName('field')?.text ?? '') : '';
    if (!SPINNING.test(name)) return true;
    const operand = fn?.childForFieldName('operand');
    if (operand?.type === 'identifier' && env.file.imports.has(operand.text)) return true;
    if (returnsError(node)) found = `${operand?.text ?? ''}.${name}`;
    return !found;
  });
  return found;
}

const SPINNING = /^(?:Accept|AcceptTCP|AcceptUnix|Read|ReadFrom|ReadFromUDP|ReadMsgUDP|ReadMessage|Recv|RecvMsg)$/;

/** Whether a call's results are assigned with an error among them (`c, err := l.Accept()`). */
function returnsError(call: SyntaxNode): boolean {
  const list = call.parent;
  const statement = list?.parent;
  if (list?.type !== 'expression_list' || !statement) return false;
  if (statement.type !== 'short_var_declaration' && statement.type !== 'assignment_statement') return false;
  return (statement.childForFieldName('left')?.namedChildren ?? []).some((n) => /^err/.test(n.text));
}

/** The function a `go` call runs: a literal, a package function, or a method declared in the package. */
function startedFunction(file: GoFile, scope: Scope, pkg: PackageIndex, call: SyntaxNode): Started | undefined {
  const fn = unparen(call.childForFieldName('function'));
  if (!fn) return undefined;
  const here: LoopEnv = { file, scope, pkg };
  if (fn.type === 'func_literal') return { func: fn, env: here, name: undefined };
  const declared = (decl: { file: GoFile; node: SyntaxNode } | undefined, name: string): Started | undefined =>
    decl
      ? {
          func: decl.node,
          env: decl.file.path === file.path ? here : { file: decl.file, scope: pkg.scopeOf(decl.file), pkg },
          name,
        }
      : undefined;
  if (fn.type === 'identifier') {
    if (scope.resolve(fn.text, fn)) return undefined; // a function value
    return declared(pkg.funcs.get(fn.text), fn.text);
  }
  if (fn.type !== 'selector_expression') return undefined;
  const operand = unparen(fn.childForFieldName('operand'));
  const method = fn.childForFieldName('field')?.text;
  if (!operand || !method) return undefined;
  if (operand.type === 'identifier' && file.imports.has(operand.text) && !scope.resolve(operand.text, operand)) return undefined;
  let type = scope.typeOf(operand);
  if (type.kind === 'pointer') type = type.elem;
  if (type.kind !== 'named') return undefined;
  return declared(pkg.method(type.name, method), `${operand.text}.${method}`);
}

/** The first infinite loop of the started function (outside nested literals) that nothing leaves. */
function firstTrappedLoop(started: Started): Trapped | undefined {
  const body = started.func.childForFieldName('body');
  let found: Trapped | undefined;
  if (!body || !MAYBE_INFINITE.test(started.env.file.source.slice(body.startIndex, body.endIndex))) return undefined;
  walkSameFunction(body, (node) => {
    if (found) return false;
    if (node.type === 'for_statement' && isInfiniteLoop(started.env.file, node)) {
      const exits = loopWayOut(started.env, node);
      if (!exits.way) found = { loop: node, trappedBreak: exits.trappedBreak, deadSignal: exits.deadSignal };
    }
    return !found;
  });
  return found;
}

/**
 * The name of a context the fix can wait on, only when waiting on it provably ends the goroutine
 * (issue #9: a `ctx.Done()` case on a context whose callers pass `context.Background()` never
 * fires): a local of the function that starts the goroutine, made there by
 * `context.WithCancel/WithTimeout/WithDeadline(…)` before the `go` statement, whose cancel function
 * that function defers, so the context is done at the latest when the starter returns. The loop
 * must also not block outside a `select`: a goroutine parked in a send or a read never reaches a
 * check at the top of the loop.
 */
function cancellableContext(file: GoFile, scope: Scope, go: SyntaxNode, loop: SyntaxNode): string | undefined {
  const starter = enclosingFunction(go);
  const body = loop.childForFieldName('body');
  const starterBody = starter?.childForFieldName('body');
  if (!starter || !body || !starterBody || blocksOutsideSelect(body)) return undefined;
  for (const statement of statementsBefore(go, starterBody)) {
    if (statement.type !== 'short_var_declaration') continue;
    const left = statement.childForFieldName('left')?.namedChildren ?? [];
    const right = statement.childForFieldName('right')?.namedChildren ?? [];
    const value = right.length === 1 ? unparen(right[0]) : null;
    const [ctx, cancel] = left;
    if (left.length !== 2 || !ctx || !cancel || value?.type !== 'call_expression') continue;
    if (!file.isQualified(value.childForFieldName('function'), 'context', CANCELLABLE)) continue;
    const visible = scope.resolve(ctx.text, body);
    if (visible?.declNode.id !== ctx.id || !defersCall(starterBody, cancel.text)) continue;
    return ctx.text;
  }
  return undefined;
}

const CANCELLABLE = ['WithCancel', 'WithTimeout', 'WithDeadline'];

/** The statements of the starter's own body that precede `node`'s statement (top level only). */
function statementsBefore(node: SyntaxNode, body: SyntaxNode): SyntaxNode[] {
  const list = body.namedChildren.find((c) => c.type === 'statement_list');
  return (list?.namedChildren ?? []).filter((s) => s.endIndex <= node.startIndex);
}

/** `defer cancel()` directly in the body (not in a nested block or literal). */
function defersCall(body: SyntaxNode, name: string): boolean {
  const list = body.namedChildren.find((c) => c.type === 'statement_list');
  return (list?.namedChildren ?? []).some((s) => s.type === 'defer_statement' && /^defer\s+(\w+)\s*\(\s*\)$/.exec(s.text)?.[1] === name);
}

/** Calls that commonly block until something outside the goroutine happens. */
const BLOCKING_CALL = /^(?:Accept\w*|Read\w*|Recv\w*|Wait\w*|Lock|RLock|Dial\w*|Do|Get|Post|Write\w*|Send\w*)$/;

/** Whether a loop body may block outside a `select`: a send, a receive, or a blocking call. */
function blocksOutsideSelect(body: SyntaxNode): boolean {
  let blocks = false;
  walkSameFunction(body, (node) => {
    if (blocks || node.type === 'select_statement') return false;
    if (node.type === 'send_statement') blocks = true;
    else if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '<-') blocks = true;
    else if (node.type === 'call_expression') {
      const fn = unparen(node.childForFieldName('function'));
      const name = fn?.type === 'selector_expression' ? (fn.childForFieldName('field')?.text ?? '') : '';
      if (BLOCKING_CALL.test(name)) blocks = true;
    }
    return !blocks;
  });
  return blocks;
}

/**
 * Inserts `select { case <-ctx.Done(): return; default: }` as the first statement of the loop body,
 * when the body starts on a line of its own and a bare `return` is valid in the function.
 */
function selectFix(file: GoFile, func: SyntaxNode, loop: SyntaxNode, ctxName: string): Fix | null {
  const result = func.childForFieldName('result');
  if (result && !(result.type === 'parameter_list' && result.namedChildren.every((p) => p.childrenForFieldName('name').length > 0)))
    return null;
  const body = loop.childForFieldName('body');
  if (!body || body.endPosition.row === body.startPosition.row) return null;
  const braceLine = body.startPosition.row + 1;
  const rest = file.lineText(braceLine).slice(body.startPosition.column + 1);
  if (!/^\s*(\/\/.*)?$/.test(rest)) return null;
  const indent = `${file.indentOf(file.line(loop))}\t`;
  const lines = ['select {', `case <-${ctxName}.Done():`, '\treturn', 'default:', '}'].map((l) => indent + l);
  const column = file.lineText(braceLine).length + 1;
  return {
    message: `Return when ${ctxName} is done`,
    edits: [{ startLine: braceLine, startColumn: column, endLine: braceLine, endColumn: column, newText: `\n${lines.join('\n')}` }],
  };
}

function hintFor(started: Started, trapped: Trapped, fixed: boolean): string | undefined {
  const parts: string[] = [];
  if (trapped.trappedBreak)
    parts.push(
      `A plain break inside a ${trapped.trappedBreak.construct} leaves only the ${trapped.trappedBreak.construct}: use return, or label the loop and break to the label`,
    );
  if (!fixed) {
    if (started.name === undefined) {
      parts.push(
        'Give the goroutine a way to stop: pass it a context.Context (or a done channel) and return when it is closed, with `case <-ctx.Done(): return` in its select or `select { case <-ctx.Done(): return; default: }` at the top of the loop',
      );
    } else {
      parts.push(
        `Give ${started.name} a ctx context.Context parameter (or a done channel), pass the caller's context at the go statement, and return from the loop when ctx.Done() is closed`,
      );
    }
  }
  return parts.length > 0 ? parts.join('. ') : undefined;
}
