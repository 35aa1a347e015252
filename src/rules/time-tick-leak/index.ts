import type { GoFile } from '../../analysis/go-file.js';
import { atLeast } from '../../analysis/go-version.js';
import type { Fix, TextEdit } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { contains, enclosingFunction, type Scope } from '../../analysis/scope.js';
import { replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { argumentsOf, loopsBetween, referencesTo, unparen, walk, walkSameFunction } from '../../analysis/syntax.js';
import { functionLabel, isTestFile, loopBodiesAround, neverReturns, runsOnce, timeCall, timeQualifier } from '../shared/timers.js';

const NAMES = ['ticker', 'tkr', 'ticker2', 'ticker3', 'ticker4'];

const SELECT_NOTE =
  'With one ticker made before the loop this case fires every period, even while other cases keep the loop busy; before, each iteration waited a fresh period. That is usually what was meant';

export default defineRule({
  id: 'time-tick-leak',
  meta: {
    title: 'ticker made by a tick call can never be stopped',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      tick: 'time.Tick starts a ticker that can never be stopped; it keeps firing and stays reachable forever after {{func}} returns',
      perIteration:
        'time.Tick inside a loop starts a new ticker on every iteration; none of them can be stopped, so each keeps firing and stays reachable forever',
    },
    hint: 'Use time.NewTicker and stop it when done (`ticker := time.NewTicker(d)`, `defer ticker.Stop()`, then read `ticker.C`)',
    docs: {
      description:
        '`time.Tick(d)` is `time.NewTicker(d).C` with the ticker thrown away: nobody can ever call `Stop`. Before Go 1.23 the runtime keeps a ticker that was not stopped in its timer heap forever, so every `time.Tick` call in a function that returns leaks a ticker and its channel, and keeps spending CPU on it. In a function called per request, or inside a loop where the call runs on every iteration, this grows without bound.',
      bad: 'func poll(ctx context.Context, interval time.Duration) {\n\tfor range time.Tick(interval) {\n\t\tif ctx.Err() != nil {\n\t\t\treturn\n\t\t}\n\t\trefresh()\n\t}\n}',
      good: 'func poll(ctx context.Context, interval time.Duration) {\n\tticker := time.NewTicker(interval)\n\tdefer ticker.Stop()\n\tfor range ticker.C {\n\t\tif ctx.Err() != nil {\n\t\t\treturn\n\t\t}\n\t\trefresh()\n\t}\n}',
      confidence:
        'High: before Go 1.23 the ticker behind `time.Tick` can never be stopped or collected. The rule is off on Go 1.23 and later.',
      notReported: [
        '`time.Tick` in `func main()` of package main or in `func init()`, unless inside a loop: it runs once, so one ticker lives as long as the program, which is what it is for.',
        'Test files (`_test.go`): a test process is short-lived.',
        "Endless functions, unless inside a loop: a function with no `return` whose body ends in a loop that nothing breaks out of (`for {}`, `for range time.Tick(d)`), `select {}`, `panic` or `os.Exit`. The ticker lives exactly as long as the function, which never ends (a goroutine running one is goroutine-no-exit's business). A function that falls off the end of its body does return, and is reported.",
        '`time.Tick` in a package-level variable initializer: it runs once.',
        'The suggestion is offered only where it is mechanical: the call is the range expression of a `for range` loop, or the receive of a `select` case inside a loop, in a function (not inside a further loop, where a `defer` would pile up), with a single-line argument. For the `select` case the argument must be the same on every iteration (literals, constants, `time.Second`-style constants, and locals or parameters declared before the loop and not assigned in it). Elsewhere the finding comes with a hint.',
        'The `select` case suggestion makes the ticker periodic: `case <-time.Tick(d):` in a loop restarted its wait on every iteration, the hoisted ticker fires every `d` whatever the other cases do. That is almost always what was meant; check it when the other cases fire often.',
      ],
      versions:
        'Go 1.23 made unreferenced tickers collectable even when they were never stopped, which is what `time.Tick` relies on; on Go 1.23 and later (the `go` directive of go.mod) the rule is off. When the Go version is unknown the rule assumes an older one and reports a warning.',
    },
    severityFor: (version) => (atLeast(version, 23) ? 'off' : 'warning'),
  },
  nodeTypes: [],
  requiresImports: ['time'],
  check({ file, scope, pkg, report }) {
    if (isTestFile(file)) return;
    for (const call of file.nodesMatching(/\.\s*Tick\s*\(/g, 'call_expression')) {
      if (!timeCall(file, scope, call, ['Tick'])) continue;
      const func = enclosingFunction(call);
      if (!func) continue;
      const perIteration = loopBodiesAround(call, func).length > 0;
      if (!perIteration && (runsOnce(file, func) || neverReturns(file, scope, func))) continue;
      const fix = makeFix(file, scope, pkg, call, func);
      const hint = fix && isSelectReceive(call) ? SELECT_NOTE : undefined;
      report({
        node: call,
        messageId: perIteration ? 'perIteration' : 'tick',
        data: { func: functionLabel(func) },
        fix,
        ...(hint ? { hint } : {}),
      });
    }
  },
});

/**
 * The suggestion: `ticker := time.NewTicker(d)` and `defer ticker.Stop()` before the loop, and
 * `ticker.C` in place of the call, when the call is the loop's range expression or a `select`
 * case receive in the loop.
 */
function makeFix(file: GoFile, scope: Scope, pkg: PackageIndex, call: SyntaxNode, func: SyntaxNode): Fix | null {
  const args = argumentsOf(call);
  const arg = args[0];
  if (args.length !== 1 || !arg || arg.text.includes('\n')) return null;
  const loops = loopsBetween(call, func);
  const loop = loops[0];
  if (loops.length !== 1 || !loop) return null;
  const clause = loop.namedChildren.find((c) => c.type === 'range_clause');
  const isRangeExpression = clause !== undefined && unparen(clause.childForFieldName('right'))?.id === call.id;
  if (!isRangeExpression && !(isSelectReceive(call) && isLoopInvariant(file, scope, arg, loop))) return null;
  if (countTicks(file, scope, loop) !== 1) return null;
  const statement = loop.parent?.type === 'labeled_statement' ? loop.parent : loop;
  const block = statement.parent;
  if (block?.type !== 'statement_list') return null;
  const name = NAMES.find((n) => isFreeName(file, scope, pkg, n, statement));
  if (!name) return null;
  const indent = file.indentOf(file.line(loop));
  const qualifier = timeQualifier(call);
  const insert: TextEdit = {
    startLine: file.line(statement),
    startColumn: 1,
    endLine: file.line(statement),
    endColumn: 1,
    newText: `${indent}${name} := ${qualifier}.NewTicker(${arg.text})\n${indent}defer ${name}.Stop()\n`,
  };
  return {
    message: 'Use a time.NewTicker that is stopped when the function returns',
    edits: [insert, replaceNode(file, call, `${name}.C`)],
  };
}

/** `case <-time.Tick(d):` or `case v := <-time.Tick(d):` of a select. */
function isSelectReceive(call: SyntaxNode): boolean {
  const receive = call.parent;
  if (receive?.type !== 'unary_expression' || receive.childForFieldName('operator')?.text !== '<-') return false;
  const statement = receive.parent;
  if (statement?.type !== 'receive_statement' || statement.childForFieldName('right')?.id !== receive.id) return false;
  return statement.parent?.type === 'communication_case' && statement.parent.childForFieldName('communication')?.id === statement.id;
}

/**
 * Whether an expression has the same value on every iteration of `loop`, so it can be evaluated
 * once before it: literals, constants, qualified package members (`time.Second`), conversions
 * to `time.Duration`, and locals or parameters declared before the loop that it never assigns.
 */
function isLoopInvariant(file: GoFile, scope: Scope, expr: SyntaxNode, loop: SyntaxNode): boolean {
  let invariant = true;
  walk(expr, (node) => {
    if (!invariant) return false;
    switch (node.type) {
      case 'int_literal':
      case 'float_literal':
      case 'binary_expression':
      case 'parenthesized_expression':
      case 'argument_list':
        return true;
      case 'unary_expression':
        invariant = ['-', '+'].includes(node.childForFieldName('operator')?.text ?? '');
        return invariant;
      case 'call_expression':
        // A conversion such as time.Duration(n) is as invariant as its operand.
        invariant = file.isQualified(node.childForFieldName('function'), 'time', 'Duration') && argumentsOf(node).length === 1;
        return invariant;
      case 'selector_expression': {
        const operand = node.childForFieldName('operand');
        invariant = !!operand && operand.type === 'identifier' && file.imports.has(operand.text) && !scope.resolve(operand.text, operand);
        return false;
      }
      case 'identifier':
        invariant = isInvariantName(scope, node, loop);
        return false;
      default:
        invariant = false;
        return false;
    }
  });
  return invariant;
}

function isInvariantName(scope: Scope, ident: SyntaxNode, loop: SyntaxNode): boolean {
  const binding = scope.resolveIdent(ident);
  if (!binding) return scope.pkg.consts.has(ident.text);
  if (binding.kind === 'package' || contains(loop, binding.declNode)) return false;
  if (binding.declNode.parent?.type === 'const_spec') return true;
  return referencesTo(scope, loop, binding).every((ref) => !isWritten(ref));
}

/** Whether a reference is assigned to, incremented, or has its address taken. */
function isWritten(ref: SyntaxNode): boolean {
  const parent = ref.parent;
  if (!parent) return false;
  if (parent.type === 'inc_dec_statement') return true;
  if (parent.type === 'unary_expression' && parent.childForFieldName('operator')?.text === '&') return true;
  const statement = parent.parent;
  return (
    parent.type === 'expression_list' &&
    (statement?.type === 'assignment_statement' || statement?.type === 'short_var_declaration') &&
    statement.childForFieldName('left')?.id === parent.id
  );
}

/** How many time.Tick calls a loop holds (in the same function); two would both claim the same name. */
function countTicks(file: GoFile, scope: Scope, loop: SyntaxNode): number {
  let count = 0;
  walkSameFunction(loop, (node) => {
    if (node.type === 'call_expression' && timeCall(file, scope, node, ['Tick'])) count++;
  });
  return count;
}

/**
 * Whether `name` can be declared right before `statement`: nothing of that name is visible there
 * (locals, parameters, package members, imports), and no later statement of the block mentions it
 * (a later `name :=` would no longer compile, a later use would change meaning).
 */
function isFreeName(file: GoFile, scope: Scope, pkg: PackageIndex, name: string, statement: SyntaxNode): boolean {
  if (scope.resolve(name, statement) || pkg.funcs.has(name) || pkg.types.has(name) || pkg.consts.has(name) || file.imports.has(name)) {
    return false;
  }
  for (let s: SyntaxNode | null = statement; s; s = s.nextNamedSibling) {
    let used = false;
    walk(s, (node) => {
      if (node.type === 'identifier' && node.text === name) used = true;
      return !used;
    });
    if (used) return false;
  }
  return true;
}
