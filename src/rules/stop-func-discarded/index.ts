import { calledFunction } from '../../analysis/channels.js';
import { frequencyModel } from '../../analysis/frequency.js';
import type { GoFile } from '../../analysis/go-file.js';
import type { PackageFunc, PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import type { Scope } from '../../analysis/scope.js';
import { isTestCode } from '../../analysis/test-code.js';
import { typeFromNode } from '../../analysis/types.js';
import { someInSameFunction, unparen, walk, walkSameFunction } from '../../analysis/syntax.js';
import { defineRule } from '../define-rule.js';

const CANCELLABLE = ['WithCancel', 'WithTimeout', 'WithDeadline', 'WithCancelCause', 'WithTimeoutCause', 'WithDeadlineCause'];

export default defineRule({
  id: 'stop-func-discarded',
  meta: {
    title: 'stop function of a started goroutine is discarded',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.2.0',
    fix: 'hint',
    messages: {
      discarded:
        '{{func}} starts a goroutine and returns the only way to stop it, which is discarded here; the goroutine runs until its context is done, and everything it references stays reachable',
    },
    hint: 'Keep the stop function and call it when the work is done (often `defer stop()`), or store it where the owner of the work can call it',
    docs: {
      description:
        "A function that starts a goroutine and returns a stop function (a context cancel function, or a function that closes the goroutine's done channel) hands its caller the only way to end that goroutine. A caller that discards it (`_ = startWatcher(…)`, or the call as a statement) makes the goroutine run until something else ends it, often never: the goroutine, its stack and everything it references stay reachable.",
      bad: 'func watch(ctx context.Context, path string) (stop func()) {\n\tctx, cancel := context.WithCancel(ctx)\n\tgo poll(ctx, path)\n\treturn cancel\n}\n\nfunc serve(ctx context.Context) {\n\t_ = watch(ctx, "/etc/app.conf") // the poller can never be stopped\n}',
      good: 'func serve(ctx context.Context) {\n\tstop := watch(ctx, "/etc/app.conf")\n\tdefer stop()\n}',
      confidence:
        'High when the discarded stop function is a cancel function the callee made with context.WithCancel/WithTimeout/WithDeadline, or a function literal that cancels or closes something: the goroutine it started has no other way to end through this caller. Low when the call runs once, at start-up (one goroutine for the life of the process), and in test code.',
      notReported: [
        'Functions of other packages: their bodies are not visible.',
        'Stop functions that are kept (assigned to a variable, stored, returned, passed on, deferred): the owner decides when to call them.',
        'Functions whose returned function is not made from a cancel function or a literal that calls cancel or close, or that start no goroutine: there may be no goroutine to stop.',
      ],
    },
  },
  nodeTypes: [],
  check({ file, scope, pkg, report }) {
    const names = stopperNames(pkg);
    if (names.size === 0) return;
    const pattern = new RegExp(`\\b(?:${[...names].join('|')})\\s*\\(`, 'g');
    for (const call of file.nodesMatching(pattern, 'call_expression')) {
      const position = discardedFuncResult(scope, call);
      if (position === undefined) continue;
      const callee = unparen(call.childForFieldName('function'));
      const target = callee ? calledFunction(pkg, file, callee) : undefined;
      if (!target || !returnsStopFor(pkg, target, position)) continue;
      const once = frequencyModel(pkg).frequencyAt(file, call).frequency === 'once';
      report({
        node: call,
        messageId: 'discarded',
        data: { func: target.name },
        confidence: once || isTestCode(file) ? 'low' : 'high',
      });
    }
  },
});

const stoppers = new WeakMap<PackageIndex, Set<string>>();

/** Names of package functions and methods that start a goroutine and return a stop function (found once per package). */
function stopperNames(pkg: PackageIndex): Set<string> {
  let names = stoppers.get(pkg);
  if (!names) {
    names = new Set();
    // Only a declaration whose text has the word `go` can start a goroutine: the text finds them
    // before any function's signature is read from the tree.
    const starting = new Map(
      pkg.files.filter((file) => !file.path.endsWith('_test.go')).map((file) => [file, file.declarationsMentioning('go')]),
    );
    for (const func of [...pkg.funcs.values(), ...[...pkg.methods.values()].flat()]) {
      if (starting.get(func.file)?.has(func.node.startIndex) && returnsStopFor(pkg, func, -1)) names.add(func.name);
    }
    stoppers.set(pkg, names);
  }
  return names;
}

/** For a call whose results are thrown away (`f()` as a statement, `_ = f()`, `x, _ := f()`), the position of a discarded result; undefined otherwise. */
function discardedFuncResult(scope: Scope, call: SyntaxNode): number | undefined {
  const parent = call.parent;
  if (parent?.type === 'expression_statement') return -1;
  if (parent?.type !== 'expression_list') return undefined;
  const statement = parent.parent;
  if (
    (statement?.type !== 'assignment_statement' && statement?.type !== 'short_var_declaration') ||
    statement.childForFieldName('right')?.id !== parent.id
  )
    return undefined;
  if (parent.namedChildren.length !== 1) return undefined;
  const left = statement.childForFieldName('left')?.namedChildren ?? [];
  const blank = left.findIndex((n) => n.text === '_');
  return blank < 0 || !scope ? undefined : blank;
}

/**
 * Whether the function starts a goroutine and returns, at `position` (-1: at any position, for a
 * call made as a statement), a stop function: a cancel function it made with context.With…, or
 * a function literal that calls a cancel function or closes a channel.
 */
function returnsStopFor(pkg: PackageIndex, func: PackageFunc, position: number): boolean {
  const body = func.node.childForFieldName('body');
  const results = func.node.childForFieldName('result');
  if (!body || !results) return false;
  const types = resultTypeNodes(results);
  const positions = position < 0 ? types.map((_, i) => i) : [position];
  const funcPositions = positions.filter((i) => isFuncType(pkg, func.file, types[i] ?? null));
  if (funcPositions.length === 0 || !someInSameFunction(body, (n) => n.type === 'go_statement')) return false;
  const scope = pkg.scopeOf(func.file);
  let returns = 0;
  let allStops = true;
  walkSameFunction(body, (node) => {
    if (node.type !== 'return_statement') return true;
    returns++;
    const values = node.namedChildren[0]?.namedChildren ?? [];
    if (!funcPositions.every((i) => isStop(func.file, scope, values[i] ?? null))) allStops = false;
    return false;
  });
  return returns > 0 && allStops;
}

function resultTypeNodes(results: SyntaxNode): Array<SyntaxNode | null> {
  if (results.type !== 'parameter_list') return [results];
  const out: Array<SyntaxNode | null> = [];
  for (const param of results.namedChildren) {
    if (param.type !== 'parameter_declaration') continue;
    const type = param.childForFieldName('type');
    const names = param.childrenForFieldName('name').length;
    for (let i = 0; i < Math.max(1, names); i++) out.push(type);
  }
  return out;
}

function isFuncType(pkg: PackageIndex, file: GoFile, type: SyntaxNode | null): boolean {
  if (!type) return false;
  if (type.type === 'qualified_type')
    return (
      file.imports.get(type.childForFieldName('package')?.text ?? '') === 'context' &&
      /^CancelFunc$|^CancelCauseFunc$/.test(type.childForFieldName('name')?.text ?? '')
    );
  return pkg.underlying(typeFromNode(type)).kind === 'func';
}

/** A cancel function made here by context.With…, or a literal that calls one or closes a channel. */
function isStop(file: GoFile, scope: Scope, value: SyntaxNode | null): boolean {
  const v = unparen(value);
  if (!v) return false;
  if (v.type === 'identifier') {
    const binding = scope.resolveIdent(v);
    const call = binding?.tuple?.call;
    return binding?.tuple?.index === 1 && !!call && file.isQualified(call.childForFieldName('function'), 'context', CANCELLABLE);
  }
  if (v.type !== 'func_literal') return false;
  let stops = false;
  walk(v, (node) => {
    if (stops) return false;
    if (node.type !== 'call_expression') return true;
    const fn = unparen(node.childForFieldName('function'));
    if (fn?.type === 'identifier' && (fn.text === 'close' || isStop(file, scope, fn))) stops = true;
    return !stops;
  });
  return stops;
}
