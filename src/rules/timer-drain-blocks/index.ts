import type { GoFile } from '../../analysis/go-file.js';
import type { Fix } from '../../model.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { inAlternatives } from '../../analysis/flow.js';
import { enclosingFunction, type Scope } from '../../analysis/scope.js';
import { normalizeText, unparen, walkSameFunction } from '../../analysis/syntax.js';
import { isTestCode } from '../../analysis/test-code.js';
import { replaceLines } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'timer-drain-blocks',
  meta: {
    title: 'timer drain that blocks when the tick was already taken',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.2.0',
    fix: 'suggestion',
    messages: {
      drain:
        '{{timer}}.C may already have been received by the select at line {{select}}; then {{timer}}.Stop() returns false with nothing left to drain, and this receive blocks the goroutine forever',
    },
    hint: 'Drain without blocking (select { case <-t.C: default: }), or on Go 1.23 and later drop the drain: Stop and Reset no longer leave a stale value in the channel',
    docs: {
      description:
        'The classic way to reset a timer is `if !t.Stop() { <-t.C }`: when Stop reports the timer already fired, receive the value it left in the channel. Inside a loop whose `select` also receives from `t.C`, that value may already be gone: the select took it, Stop returns false, and the drain waits for a value that will never come. The goroutine blocks forever, with everything it references. The drain must not block.',
      bad: 'for {\n\tselect {\n\tcase <-t.C:\n\t\tflush()\n\tcase ev := <-events:\n\t\thandle(ev)\n\t}\n\tif !t.Stop() {\n\t\t<-t.C // blocks when the case above took the tick\n\t}\n\tt.Reset(interval)\n}',
      good: 'for {\n\tselect {\n\tcase <-t.C:\n\t\tflush()\n\tcase ev := <-events:\n\t\thandle(ev)\n\t}\n\tif !t.Stop() {\n\t\tselect {\n\t\tcase <-t.C:\n\t\tdefault:\n\t\t}\n\t}\n\tt.Reset(interval)\n}',
      confidence:
        'High: the loop takes the tick in one place and drains it with a blocking receive in another; after a tick taken by the select, the drain has nothing to receive. Low in test code.',
      notReported: [
        'Drains outside a loop, or in a loop whose select does not receive from the same timer: the value Stop reports is still in the channel.',
        'A drain in one case of a select whose other case receives the tick: only one case runs in a pass, so the tick was not taken in this one; in later passes it counts only when the timer outlives the pass (declared outside the loop, or a field) and the receiving case does not re-arm it with `t.Reset(…)`.',
        'Drains that cannot block: `select { case <-t.C: default: }`.',
        'Timers reached through calls or index expressions (`get().C`, `ts[i].C`): the syntax cannot tell that two mentions are the same timer.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['.Stop()'],
  check({ file, scope, report }) {
    for (const ifNode of file.nodesMatching(/\bif\s*!\s*[\w.()*]+\s*\.\s*Stop\s*\(\s*\)/g, 'if_statement')) {
      const timer = stoppedTimer(ifNode);
      const drain = timer ? blockingDrain(ifNode, timer) : undefined;
      const func = enclosingFunction(ifNode);
      if (!timer || !drain || !func) continue;
      const select = tickTakenInLoop(scope, ifNode, drain, func, timer);
      if (!select) continue;
      report({
        node: drain,
        messageId: 'drain',
        data: { timer, select: String(file.line(select)) },
        fix: nonBlockingDrain(file, drain, timer),
        confidence: isTestCode(file) ? 'low' : 'high',
      });
    }
  },
});

/** For `if !t.Stop() { … }`, the timer's path `t` (an identifier or field path). */
function stoppedTimer(ifNode: SyntaxNode): string | undefined {
  const condition = unparen(ifNode.childForFieldName('condition'));
  if (condition?.type !== 'unary_expression' || condition.childForFieldName('operator')?.text !== '!') return undefined;
  const call = unparen(condition.childForFieldName('operand'));
  const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
  if (fn?.type !== 'selector_expression' || fn.childForFieldName('field')?.text !== 'Stop') return undefined;
  const operand = unparen(fn.childForFieldName('operand'));
  return operand && isPath(operand) ? normalizeText(operand.text) : undefined;
}

function isPath(node: SyntaxNode): boolean {
  if (node.type === 'identifier') return true;
  return node.type === 'selector_expression' && isPath(unparen(node.childForFieldName('operand')) ?? node);
}

/** `<-t.C` as a statement of the if's consequence: the blocking drain. */
function blockingDrain(ifNode: SyntaxNode, timer: string): SyntaxNode | undefined {
  const list = ifNode.childForFieldName('consequence')?.namedChildren.find((c) => c.type === 'statement_list');
  return list?.namedChildren.find((s) => s.type === 'expression_statement' && isTimerReceive(s.namedChildren[0], timer));
}

function isTimerReceive(node: SyntaxNode | null | undefined, timer: string): boolean {
  const n = unparen(node);
  return (
    n?.type === 'unary_expression' &&
    n.childForFieldName('operator')?.text === '<-' &&
    normalizeText(n.childForFieldName('operand')?.text ?? '') === `${timer}.C`
  );
}

/**
 * A `select` case in the innermost loop around the drain (same function) that receives `t.C` and
 * can have taken the tick by the time the drain runs: before it in the same pass (not another
 * case of the same select, nor another branch), or in an earlier pass of the loop when the timer
 * outlives the pass and the case does not re-arm it with `t.Reset(…)`. Returns its select.
 */
function tickTakenInLoop(scope: Scope, ifNode: SyntaxNode, drain: SyntaxNode, func: SyntaxNode, timer: string): SyntaxNode | undefined {
  let loop: SyntaxNode | null = null;
  for (let n = ifNode.parent; n && n.id !== func.id; n = n.parent)
    if (n.type === 'for_statement') {
      loop = n;
      break;
    }
  if (!loop) return undefined;
  const body = loop.childForFieldName('body');
  const persists = !!body && timerOutlivesPass(scope, ifNode, body, timer);
  let found: SyntaxNode | undefined;
  walkSameFunction(loop, (node) => {
    if (found) return false;
    if (node.type !== 'communication_case') return true;
    const comm = node.childForFieldName('communication');
    const receive = comm?.type === 'receive_statement' ? comm.childForFieldName('right') : comm;
    if (!isTimerReceive(receive, timer) || !node.parent) return true;
    const samePass = node.endIndex <= drain.startIndex && !inAlternatives(node, drain);
    const rearms = normalizeText(node.text).includes(`${timer}.Reset(`);
    if (samePass || (persists && !rearms)) found = node.parent;
    return !found;
  });
  return found;
}

/** Whether the timer lives across passes of the loop: a field path, or a local declared outside the loop body. */
function timerOutlivesPass(scope: Scope, at: SyntaxNode, loopBody: SyntaxNode, timer: string): boolean {
  if (timer.includes('.')) return true;
  const binding = scope.resolve(timer, at);
  return !binding || !(binding.declNode.startIndex >= loopBody.startIndex && binding.declNode.endIndex <= loopBody.endIndex);
}

/** The drain becomes `select { case <-t.C: default: }`, line for line in place of the receive. */
function nonBlockingDrain(file: GoFile, drain: SyntaxNode, timer: string): Fix | null {
  const line = file.line(drain);
  const text = file.lineText(line);
  const rest = text.slice(drain.endPosition.column);
  if (drain.endPosition.row + 1 !== line || text.slice(0, drain.startPosition.column).trim() !== '' || !/^\s*(\/\/.*)?$/.test(rest))
    return null;
  // A comment after the receive stays on the first line of the replacement.
  const comment = rest.trim();
  return {
    message: 'Drain without blocking',
    edits: [replaceLines(file, line, line, [`select {${comment ? ` ${comment}` : ''}`, `case <-${timer}.C:`, 'default:', '}'])],
  };
}
