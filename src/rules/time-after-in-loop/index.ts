import type { GoFile } from '../../analysis/go-file.js';
import { atLeast, type GoVersion } from '../../analysis/go-version.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import type { Confidence } from '../../model.js';
import { repeatingLoopBetween } from '../../analysis/frequency.js';
import { enclosingFunction, type Scope } from '../../analysis/scope.js';
import { defineRule } from '../define-rule.js';
import { loopsBetween } from '../../analysis/syntax.js';
import { isTerminatingCall, timeCall } from '../shared/timers.js';

export default defineRule({
  id: 'time-after-in-loop',
  meta: {
    title: 'select timeout allocates a timer on every loop iteration',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'medium',
    since: '0.1.0',
    fix: 'hint',
    messages: {
      loop: 'time.After in a select inside a loop allocates a new timer on every iteration; each stays reachable until it fires, even when another case wins',
      loopGo123:
        'time.After in a select inside a loop allocates a new timer and channel on every iteration, which the garbage collector must reclaim',
    },
    hint: 'Create one timer before the loop (`timer := time.NewTimer(d)`, `defer timer.Stop()`), `timer.Reset(d)` at the top of each iteration and select on `timer.C` (before Go 1.23, stop and drain the timer before Reset); or bound the whole loop with one context.WithTimeout',
    docs: {
      description:
        "`time.After(d)` creates a new `time.Timer` and returns its channel. In a `select` inside a loop, the call runs on every iteration; whenever another case wins, the timer is abandoned but, before Go 1.23, it stays in the runtime's timer heap, with its channel, until it fires. A loop that handles messages faster than the timeout therefore accumulates one live timer per message: with a one-minute timeout and a thousand messages a second, sixty thousand timers.",
      bad: 'func consume(msgs <-chan Msg) {\n\tfor {\n\t\tselect {\n\t\tcase m := <-msgs:\n\t\t\thandle(m)\n\t\tcase <-time.After(time.Minute):\n\t\t\tlog.Print("idle")\n\t\t}\n\t}\n}',
      good: 'func consume(msgs <-chan Msg) {\n\ttimer := time.NewTimer(time.Minute)\n\tdefer timer.Stop()\n\tfor {\n\t\ttimer.Reset(time.Minute) // Go 1.23+; before, stop and drain it first\n\t\tselect {\n\t\tcase m := <-msgs:\n\t\t\thandle(m)\n\t\tcase <-timer.C:\n\t\t\tlog.Print("idle")\n\t\t}\n\t}\n}',
      confidence:
        'Before Go 1.23: high when the loop repeats without a bound known at its start (`for {}`, `for cond`, a range over a channel), where abandoned timers pile up with the traffic; medium in a counted loop or a range over a slice, where the loop bounds them. Low on Go 1.23 and later, where an abandoned timer is only garbage to collect.',
      notReported: [
        'A `select` whose other cases only receive a cancellation (`ctx.Done()`, or a channel named like `done`, `stop`, `quit`, `closing`, `shutdown`), even when they do not return at once: the loop comes round again only after one of them fired, so at most one timer is pending.',
        '`time.After` outside a loop, or in a loop but not as the receive of a `select` case (`timeout := time.After(d)` before the loop is the right way to bound a whole loop).',
        'A `select` whose other cases all leave the loop (`return`, `panic`, `os.Exit`, a labelled `break`): the loop only comes round again after the timer fired, so at most one timer is pending. The usual "sleep unless cancelled" shape, `case <-ctx.Done(): return` next to `case <-time.After(d):`, is therefore not reported.',
        'A `select` in a function literal inside the loop (a goroutine per iteration): each goroutine needs a timer of its own, so one timer reused across iterations is not the fix; the number of timers follows the number of goroutines.',
        'There is no one-click fix: reusing a timer with `Reset` needs a stop-and-drain step before Go 1.23, and where to put it depends on the loop.',
      ],
      versions:
        'Go 1.23 made timers collectable as soon as nothing references them, even before they fire, so on Go 1.23 and later (the `go` directive of go.mod) an abandoned `time.After` timer is only garbage to collect: the rule reports a notice of low confidence (shown only on request) instead of a warning. When the Go version is unknown the rule assumes an older one.',
    },
    severityFor: (version) => (atLeast(version, 23) ? 'notice' : 'warning'),
  },
  nodeTypes: [],
  skipTestFiles: true,
  requiresImports: ['time'],
  check({ file, scope, goVersion, report }) {
    for (const call of file.nodesMatching(/\.\s*After\s*\(/g, 'call_expression')) {
      if (!timeCall(file, scope, call, ['After'])) continue;
      const selectCase = selectCaseOf(call);
      const select = selectCase?.parent;
      if (!selectCase || select?.type !== 'select_statement') continue;
      const func = enclosingFunction(call);
      if (!func || loopsBetween(select, func).length === 0) continue;
      const otherCases = select.namedChildren.filter(
        (c) => (c.type === 'communication_case' || c.type === 'default_case') && c.id !== selectCase.id,
      );
      if (otherCases.every((c) => leavesLoop(file, scope, c, select))) continue;
      // A select that only waits for the timer or for a cancellation comes round again only
      // after one of them fired: at most one timer is pending (the "sleep unless cancelled" loop).
      if (otherCases.every((c) => isCancellationCase(c))) continue;
      report({
        node: call,
        messageId: atLeast(goVersion, 23) ? 'loopGo123' : 'loop',
        confidence: confidenceOf(scope, select, func, goVersion),
      });
    }
  },
});

/**
 * On Go 1.23 and later an abandoned timer is only garbage (low). Before, timers pile up for certain
 * when the loop repeats without a bound known at its start (an event loop: `for {}`, `for cond`,
 * a range over a channel): high. In a counted loop or a range over a slice the number of timers
 * is bounded by the loop: medium.
 */
function confidenceOf(scope: Scope, select: SyntaxNode, func: SyntaxNode, goVersion: GoVersion | undefined): Confidence {
  if (atLeast(goVersion, 23)) return 'low';
  return repeatingLoopBetween(scope, select, func) ? 'high' : 'medium';
}

/** `case <-ctx.Done():`, `case <-stop:`: a receive whose value is not kept from a channel that signals the end. */
function isCancellationCase(selectCase: SyntaxNode): boolean {
  if (selectCase.type !== 'communication_case') return false;
  const comm = selectCase.childForFieldName('communication');
  let receive = comm;
  if (comm?.type === 'receive_statement') {
    if ((comm.childForFieldName('left')?.namedChildren ?? []).some((n) => n.text !== '_')) return false;
    receive = comm.childForFieldName('right');
  }
  if (receive?.type !== 'unary_expression' || receive.childForFieldName('operator')?.text !== '<-') return false;
  const channel = receive.childForFieldName('operand')?.text.replace(/\s+/g, '') ?? '';
  return CANCELLATION.test(channel);
}

/** Channel expressions that by name signal the end: `ctx.Done()`, `stop`, `s.quit`, `closing`, `shutdownCh`. */
const CANCELLATION =
  /(?:^|\.)(?:Done\(\)|(?:done|stop|stopped|stopping|quit|exit|closing|closed|close|shutdown|cancel|cancelled|canceled|die|dying)(?:Ch|C|Chan)?)$/i;

/** For `case <-time.After(d):` or `case t := <-time.After(d):`, the communication case. */
function selectCaseOf(call: SyntaxNode): SyntaxNode | undefined {
  const receive = call.parent;
  if (receive?.type !== 'unary_expression' || receive.childForFieldName('operator')?.text !== '<-') return undefined;
  const statement = receive.parent;
  if (statement?.type !== 'receive_statement' || statement.childForFieldName('right')?.id !== receive.id) return undefined;
  const selectCase = statement.parent;
  if (selectCase?.type !== 'communication_case' || selectCase.childForFieldName('communication')?.id !== statement.id) return undefined;
  return selectCase;
}

/** Whether a case's last statement leaves the loop: `return`, a call that never returns, a `break` to a label, `goto`. */
function leavesLoop(file: GoFile, scope: Scope, selectCase: SyntaxNode, select: SyntaxNode): boolean {
  const statements =
    selectCase.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const last = statements[statements.length - 1];
  if (!last) return false;
  switch (last.type) {
    case 'return_statement':
    case 'goto_statement':
      return true;
    case 'break_statement': {
      const label = last.namedChildren.find((c) => c.type === 'label_name')?.text;
      const selectLabel =
        select.parent?.type === 'labeled_statement' ? select.parent.namedChildren.find((c) => c.type === 'label_name')?.text : undefined;
      return label !== undefined && label !== selectLabel;
    }
    case 'expression_statement':
      return isTerminatingCall(file, scope, last.namedChildren[0]);
    default:
      return false;
  }
}
