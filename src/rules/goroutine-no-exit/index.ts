import { posix } from 'node:path';
import type { GoFile } from '../../analysis/go-file.js';
import type { Fix } from '../../analysis/model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingFunction, isFunctionNode, Scope, type Binding } from '../../analysis/scope.js';
import { defineRule } from '../define-rule.js';
import { isInfiniteLoop, loopWayOut, type LoopEnv, type TrappedBreak } from '../shared/loops.js';
import { unparen, walkSameFunction } from '../shared/syntax.js';

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
}

/**
 * A cheap text filter run before walking a started function: the spellings of an infinite loop
 * (`for {`, `for ;; {`, `for i := 0; ; i++ {`, `for true {`, `for range time.Tick(…)`).
 */
const MAYBE_INFINITE = /\bfor\s*\{|\bfor\b[^{\n]*;\s*;|\bfor\s+true\s*\{|\.Tick\(/;

/** Constructors whose first result is a context.Context. */
const CONTEXT_FUNCS = [
  'Background',
  'TODO',
  'WithCancel',
  'WithCancelCause',
  'WithTimeout',
  'WithTimeoutCause',
  'WithDeadline',
  'WithDeadlineCause',
  'WithValue',
  'WithoutCancel',
];

export default defineRule({
  id: 'goroutine-no-exit',
  meta: {
    title: 'goroutine loops forever with no way to stop it',
    family: 'goroutines',
    severity: 'warning',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      noExit:
        '{{goroutine}} never exits: the loop at {{where}} has no return, break or cancellation case, so its stack and everything it references stay reachable forever',
      selectBreak:
        '{{goroutine}} never exits: the break at {{where}} only leaves the {{construct}}, not the loop, so its stack and everything it references stay reachable forever',
    },
    hint: 'Give the goroutine a way to stop: pass it a context.Context (or a done channel) and return when it is closed, with `case <-ctx.Done(): return` in its select or `select { case <-ctx.Done(): return; default: }` at the top of the loop',
    docs: {
      description:
        'A goroutine is a GC root: its stack, and everything its stack and closure point to, stay reachable until the goroutine returns. A goroutine whose function runs an infinite loop (`for { … }` or `for range time.Tick(…)`) with no `return`, no `break` or `goto` that leaves the loop, no call that ends it (`panic`, `os.Exit`, `log.Fatal`) and no `select` case on a cancellation source never returns. Started once per request or per connection, such goroutines accumulate until the process runs out of memory. The rule follows the `go` statement into a function literal, or into a function or method declared in any file of the same package. A plain `break` inside a `select` or `switch` is a common trap: it leaves only the `select`, and the loop goes on.',
      bad: 'func (s *Server) handle(ctx context.Context, conn net.Conn) {\n\tgo func() {\n\t\tfor {\n\t\t\ts.ping(conn)\n\t\t\ttime.Sleep(time.Second)\n\t\t}\n\t}()\n}',
      good: 'func (s *Server) handle(ctx context.Context, conn net.Conn) {\n\tgo func() {\n\t\tfor {\n\t\t\tselect {\n\t\t\tcase <-ctx.Done():\n\t\t\t\treturn\n\t\t\tdefault:\n\t\t\t}\n\t\t\ts.ping(conn)\n\t\t\ttime.Sleep(time.Second)\n\t\t}\n\t}()\n}',
      notReported: [
        'Goroutines started from `func main()` of package `main` or from an `init` function: they run once and are meant to live as long as the process. A goroutine started inside a function literal within `main` (a handler) is still checked.',
        'Loops over a channel (`for v := range ch`): they end when the channel is closed; see range-unclosed-channel.',
        'A `select` case that receives from a cancellation source counts as a way out (the rule does not check that the case body really leaves the loop), unless the case body is empty, only prints, or is a plain `break`/`continue`: those certainly stay in the loop. Cancellation sources are `x.Done()`, other calls except timers, and channel variables, parameters and fields whose received value is not kept; `case v := <-jobs:` receives work and is not one, nor are timer channels (`time.After`, `time.Tick`, and `t.C` unless the package declares that field as a channel).',
        '(A deliberate choice in the other direction.) A blocking receive outside a `select` (`<-done` or `v := <-in` as a statement in the loop) is not a way out: it ends one wait and the loop goes on (spinning once the channel is closed), so such loops are reported.',
        'Calls that may end the goroutine count as a way out when their method name says so (`Exit`, `Goexit`, `Fatal…`, `Panic…`, `FailNow`, `SkipNow`, whatever the receiver), and so does a call to a package function whose own body makes such a call; deeper call chains are not followed.',
        'Goroutines that run a function value (`go f()` with `f` a variable or parameter), a function from another package, or a method whose receiver type the declarations do not settle: the body cannot be seen.',
        'Loops in functions the started function calls: only the body of the function named in the `go` statement is searched.',
        'The suggestion is offered only when a `context.Context` is in scope at the loop (for a function literal) or is a parameter of the started function, the loop is in the same file as the `go` statement, the function has no unnamed results, and the loop body starts on a line of its own; otherwise the finding carries a hint.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['go '],
  check({ file, scope, pkg, report }) {
    for (const go of file.nodesMatching(/\bgo\b/g, 'go_statement')) {
      if (startedForTheProcess(file, go)) continue;
      const call = go.namedChildren.find((c) => c.type === 'call_expression');
      const started = call ? startedFunction(file, scope, pkg, call) : undefined;
      if (!started) continue;
      const trapped = firstTrappedLoop(started);
      if (!trapped) continue;
      const sameFile = started.env.file.path === file.path;
      const where = (node: SyntaxNode): string =>
        sameFile ? `line ${file.line(node)}` : `${posix.basename(started.env.file.path)}:${started.env.file.line(node)}`;
      const goroutine = started.name === undefined ? 'this goroutine' : `the goroutine running ${started.name}`;
      const ctxName = sameFile ? contextInScope(started, trapped.loop) : undefined;
      const fix = ctxName ? selectFix(file, started.func, trapped.loop, ctxName) : null;
      const hint = hintFor(started, trapped, fix !== null);
      const data: Record<string, string> = trapped.trappedBreak
        ? { goroutine, where: where(trapped.trappedBreak.node), construct: trapped.trappedBreak.construct }
        : { goroutine, where: where(trapped.loop) };
      report({ node: go, messageId: trapped.trappedBreak ? 'selectBreak' : 'noExit', data, fix, ...(hint ? { hint } : {}) });
    }
  },
});

/** Whether a `go` statement sits directly in `main` of package main or in an `init` function. */
function startedForTheProcess(file: GoFile, go: SyntaxNode): boolean {
  const func = enclosingFunction(go);
  if (func?.type !== 'function_declaration') return false;
  const name = func.childForFieldName('name')?.text;
  return name === 'init' || (name === 'main' && file.packageName === 'main');
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
          env: decl.file.path === file.path ? here : { file: decl.file, scope: new Scope(decl.file, pkg), pkg },
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
      if (!exits.way) found = { loop: node, trappedBreak: exits.trappedBreak };
    }
    return !found;
  });
  return found;
}

/**
 * The name of a context.Context the loop can use: for a function literal, a parameter or local of
 * an enclosing function visible at the loop; for a named function, one of its parameters.
 */
function contextInScope(started: Started, loop: SyntaxNode): string | undefined {
  const { file, scope } = started.env;
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  const candidates: string[] = [];
  const funcs: SyntaxNode[] = [];
  if (started.name !== undefined) funcs.push(started.func);
  else for (let n: SyntaxNode | null = loop; n; n = n.parent) if (isFunctionNode(n)) funcs.push(n);
  for (const func of funcs) {
    for (const param of func.childForFieldName('parameters')?.namedChildren ?? []) {
      if (param.type !== 'parameter_declaration' || !isContextType(file, param.childForFieldName('type'))) continue;
      for (const name of param.childrenForFieldName('name')) candidates.push(name.text);
    }
  }
  if (started.name === undefined) candidates.push('ctx');
  for (const name of candidates) {
    if (name === '_') continue;
    const binding = scope.resolve(name, body);
    if (!binding || binding.kind === 'package') continue;
    if (started.name !== undefined && (binding.kind !== 'param' || binding.func?.id !== started.func.id)) continue;
    if (isContextBinding(file, binding)) return name;
  }
  return undefined;
}

function isContextType(file: GoFile, typeNode: SyntaxNode | null): boolean {
  if (typeNode?.type !== 'qualified_type') return false;
  const pkgName = typeNode.childForFieldName('package')?.text ?? '';
  return file.imports.get(pkgName) === 'context' && typeNode.childForFieldName('name')?.text === 'Context';
}

/** A binding declared as context.Context, or the first result of a context constructor or a `.Context()` call. */
function isContextBinding(file: GoFile, binding: Binding): boolean {
  if (binding.typeNode) return isContextType(file, binding.typeNode);
  const list = binding.declNode.parent;
  const statement = list?.parent;
  if (list?.type !== 'expression_list' || statement?.type !== 'short_var_declaration') return false;
  if (list.namedChildren[0]?.id !== binding.declNode.id) return false;
  const values = statement.childForFieldName('right')?.namedChildren ?? [];
  const value = values.length === 1 ? unparen(values[0]) : null;
  if (value?.type !== 'call_expression') return false;
  const fn = value.childForFieldName('function');
  if (file.isQualified(fn, 'context', CONTEXT_FUNCS)) return true;
  return fn?.type === 'selector_expression' && fn.childForFieldName('field')?.text === 'Context' && list.namedChildren.length === 1;
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
