import { frequencyModel, isLifecycleName } from '../../analysis/frequency.js';
import type { GoFile } from '../../analysis/go-file.js';
import type { Confidence } from '../../analysis/model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { isTestCode } from '../../analysis/test-code.js';
import type { Binding, Scope } from '../../analysis/scope.js';
import { enclosingDeclaration, enclosingFunction } from '../../analysis/scope.js';
import { replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { exitsWithout } from '../../analysis/flow.js';
import {
  argumentsOf,
  insideFuncLiteral,
  isBuiltin,
  loopsBetween,
  referencesTo,
  sameBinding,
  someInSameFunction,
  unparen,
} from '../../analysis/syntax.js';

/** How the channel is used inside the function that made it. */
interface ChannelUse {
  /** Goroutine literals that send on the channel, with their blocking sends. */
  readonly senders: Array<{ go: SyntaxNode; sends: SyntaxNode[] }>;
  /** Whether the channel reaches code we cannot see (passed, stored, returned, received elsewhere). */
  readonly escapes: boolean;
  /** The receives in the function itself (`<-ch`, `for … range ch`), outside goroutines. */
  readonly receives: SyntaxNode[];
}

export default defineRule({
  id: 'unbuffered-send-leak',
  meta: {
    title: 'goroutine blocks forever on an unbuffered send',
    family: 'goroutines',
    severity: 'error',
    confidence: 'high',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      leak: '{{chan}} is unbuffered; the goroutine sending on it blocks forever when {{why}}',
    },
    hint: 'Give the channel a buffer for every send (make(chan T, n)) so senders never wait for a receiver that has gone, or make every sender select on ctx.Done() as well',
    docs: {
      description:
        'A function makes an unbuffered channel, starts a goroutine that sends its result on it, and then can return without receiving: a `select` that gives up on a timeout or `ctx.Done()`, or an early `return`. Nobody will ever receive, so the send blocks forever; the goroutine, its stack and everything it references stay reachable for the life of the process. Under load this is a steady leak of one goroutine per timed-out request.',
      bad: 'func fetch(ctx context.Context, url string) (*Result, error) {\n\tch := make(chan *Result)\n\tgo func() { ch <- download(url) }()\n\tselect {\n\tcase r := <-ch:\n\t\treturn r, nil\n\tcase <-ctx.Done():\n\t\treturn nil, ctx.Err() // the sender is stuck forever\n\t}\n}',
      good: 'func fetch(ctx context.Context, url string) (*Result, error) {\n\tch := make(chan *Result, 1) // the send always completes\n\tgo func() { ch <- download(url) }()\n\tselect {\n\tcase r := <-ch:\n\t\treturn r, nil\n\tcase <-ctx.Done():\n\t\treturn nil, ctx.Err()\n\t}\n}',
      confidence:
        'High where the function may run again and again: each run strands one goroutine. Low in start-up code (`main`, `init`, a `sync.Once`, functions only they call), in lifecycle functions (constructors, `Run`, `Start`, `Serve`…) with no sign of running repeatedly, and in test code: one stuck goroutine until the process exits.',
      notReported: [
        'Buffered channels (`make(chan T, n)` with n > 0): the send completes as long as the buffer has room; counting sends against capacity is beyond syntax.',
        'Sends inside a `select` with another case (for example `case <-ctx.Done():`): the sender has a way out.',
        'Channels passed to another function, stored in a field or variable, returned, or received from in another goroutine: someone else may receive.',
        'Goroutines started from a named function (`go worker(ch)`): the channel is passed on, so the rule cannot see every receiver.',
        'A receive inside an `if` that precedes the return counts as receiving: the rule does not follow conditions, and prefers silence to a guess.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['chan', 'go '],
  check({ file, scope, pkg, report }) {
    for (const call of file.nodesMatching(/\bmake\s*\(\s*chan\b/g, 'call_expression')) {
      const declared = unbufferedChannelDecl(scope, call);
      if (!declared) continue;
      const { binding } = declared;
      const func = enclosingFunction(call);
      if (!func) continue;
      const use = channelUse(scope, func, binding);
      if (use.escapes || use.senders.length === 0) continue;
      const firstGo = use.senders[0]?.go;
      if (!firstGo) continue;
      const isReceive = (node: SyntaxNode): boolean => receivesFrom(scope, node, binding);
      const exits = exitsWithout(func, firstGo, use.receives);
      const exit = exits[0];
      if (!exit) continue;
      const receives = someInSameFunction(func.childForFieldName('body') ?? func, isReceive);
      const why = !receives
        ? 'nothing receives from it'
        : exit.kind === 'end'
          ? 'the function ends without receiving'
          : exit.node.parent?.parent?.type === 'communication_case'
            ? `the select returns through another case (line ${file.line(exit.node)})`
            : `the function returns at line ${file.line(exit.node)} before receiving`;
      const capacity = sendCount(use.senders, func);
      const args = call.childForFieldName('arguments');
      const typeNode = argumentsOf(call)[0];
      const fix =
        capacity !== undefined && args && typeNode
          ? { message: `Buffer the channel (capacity ${capacity})`, edits: [replaceNode(file, args, `(${typeNode.text}, ${capacity})`)] }
          : null;
      report({ node: call, messageId: 'leak', data: { chan: binding.name, why }, fix, confidence: confidenceOf(file, pkg, call) });
    }
  },
});

/**
 * One stuck goroutine per run matters only when the function runs again and again. In start-up
 * code (main, init, a function only they call) it is one goroutine until the process exits: low;
 * likewise in a lifecycle function (Run, Start, Serve, a constructor) with no sign of repetition.
 * In test code it lives as long as the test binary: low. Everywhere else the shape itself is the
 * evidence: high.
 */
function confidenceOf(file: GoFile, pkg: PackageIndex, call: SyntaxNode): Confidence {
  if (isTestCode(file)) return 'low';
  const frequency = frequencyModel(pkg).frequencyAt(file, call).frequency;
  if (frequency === 'once') return 'low';
  if (frequency === 'repeated') return 'high';
  return isLifecycleName(enclosingDeclaration(call)?.childForFieldName('name')?.text ?? '') ? 'low' : 'high';
}

/** Recognises `ch := make(chan T)` / `var ch = make(chan T, 0)` and returns the channel's binding. */
function unbufferedChannelDecl(scope: Scope, call: SyntaxNode): { binding: Binding } | undefined {
  if (!isBuiltin(scope, call.childForFieldName('function'), 'make')) return undefined;
  const args = argumentsOf(call);
  if (args[0]?.type !== 'channel_type') return undefined;
  if (args.length > 2 || (args.length === 2 && !(args[1]?.type === 'int_literal' && Number(args[1].text) === 0))) return undefined;
  const list = call.parent;
  const statement = list?.parent;
  if (list?.type !== 'expression_list' || !statement) return undefined;
  const index = list.namedChildren.findIndex((n) => n.id === call.id);
  let nameNode: SyntaxNode | undefined;
  if (statement.type === 'short_var_declaration' && statement.childForFieldName('right')?.id === list.id) {
    nameNode = statement.childForFieldName('left')?.namedChildren[index];
  } else if (statement.type === 'var_spec') {
    nameNode = statement.childrenForFieldName('name')[index];
  }
  if (!nameNode || nameNode.type !== 'identifier' || nameNode.text === '_') return undefined;
  return {
    binding: { name: nameNode.text, kind: 'local', declNode: nameNode, typeNode: null, valueNode: call, func: enclosingFunction(call) },
  };
}

/** Classifies every reference to the channel in the function that made it. */
function channelUse(scope: Scope, func: SyntaxNode, binding: Binding): ChannelUse {
  const senders: Array<{ go: SyntaxNode; sends: SyntaxNode[] }> = [];
  const receives: SyntaxNode[] = [];
  let escapes = false;
  const body = func.childForFieldName('body');
  if (!body) return { senders, escapes: true, receives };
  for (const ref of referencesTo(scope, body, binding)) {
    const parent = ref.parent;
    const literal = enclosingLiteral(ref, func);
    if (literal) {
      const go =
        literal.parent?.type === 'call_expression' && literal.parent.parent?.type === 'go_statement' ? literal.parent.parent : null;
      if (!go || !isDirectGoLiteral(go, func)) {
        escapes = true;
        continue;
      }
      if (parent?.type === 'send_statement' && parent.childForFieldName('channel')?.id === ref.id) {
        if (isSelectCaseWithAlternatives(parent)) {
          escapes = true;
          continue;
        }
        let entry = senders.find((s) => s.go.id === go.id);
        if (!entry) senders.push((entry = { go, sends: [] }));
        entry.sends.push(parent);
      } else if (!isCloseCall(scope, ref)) {
        // Receiving or passing the channel on inside a goroutine: someone else may drain it.
        escapes = true;
      }
      continue;
    }
    if (isReceiveOperand(ref) && ref.parent) {
      receives.push(ref.parent);
      continue;
    }
    if (isLenOrCap(scope, ref)) continue;
    escapes = true;
  }
  senders.sort((a, b) => a.go.startIndex - b.go.startIndex);
  return { senders, escapes, receives };
}

/** The outermost func literal between a reference and the function that made the channel. */
function enclosingLiteral(node: SyntaxNode, func: SyntaxNode): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  for (let n = node.parent; n && n.id !== func.id; n = n.parent) if (n.type === 'func_literal') found = n;
  return found;
}

/** A go statement in the function itself (not inside another literal). */
function isDirectGoLiteral(go: SyntaxNode, func: SyntaxNode): boolean {
  return !insideFuncLiteral(go, func);
}

function isSelectCaseWithAlternatives(send: SyntaxNode): boolean {
  const caseNode = send.parent;
  if (caseNode?.type !== 'communication_case') return false;
  const select = caseNode.parent;
  return (select?.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case').length ?? 0) > 1;
}

/** `<-ch`, `for … range ch`, or `v := <-ch` in a select case. */
function isReceiveOperand(ref: SyntaxNode): boolean {
  const parent = ref.parent;
  if (!parent) return false;
  if (parent.type === 'unary_expression' && parent.childForFieldName('operator')?.text === '<-') return true;
  if (parent.type === 'range_clause' && parent.childForFieldName('right')?.id === ref.id) return true;
  return false;
}

function isCloseCall(scope: Scope, ref: SyntaxNode): boolean {
  const call = ref.parent?.parent;
  return call?.type === 'call_expression' && isBuiltin(scope, call.childForFieldName('function'), 'close');
}

function isLenOrCap(scope: Scope, ref: SyntaxNode): boolean {
  const call = ref.parent?.parent;
  const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
  return isBuiltin(scope, fn, 'len') || isBuiltin(scope, fn, 'cap');
}

function receivesFrom(scope: Scope, node: SyntaxNode, binding: Binding): boolean {
  if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '<-') {
    const operand = unparen(node.childForFieldName('operand'));
    return operand?.type === 'identifier' && sameBinding(scope.resolveIdent(operand), binding);
  }
  if (node.type === 'range_clause') {
    const right = unparen(node.childForFieldName('right'));
    return right?.type === 'identifier' && sameBinding(scope.resolveIdent(right), binding);
  }
  return false;
}

/**
 * The total number of sends when it is a literal: each goroutine sends once, outside any loop of
 * its own, and each enclosing loop is `for i := 0; i < N; i++` or `for range N` with a literal N.
 */
function sendCount(senders: ReadonlyArray<{ go: SyntaxNode; sends: SyntaxNode[] }>, func: SyntaxNode): number | undefined {
  let total = 0;
  for (const { go, sends } of senders) {
    if (sends.length !== 1) return undefined;
    const send = sends[0];
    const literal = go.namedChildren[0]?.childForFieldName('function');
    if (!send || !literal || loopsBetween(send, literal).length > 0) return undefined;
    let count = 1;
    for (const loop of loopsBetween(go, func)) {
      const n = literalIterations(loop);
      if (n === undefined) return undefined;
      count *= n;
    }
    total += count;
  }
  return total;
}

function literalIterations(loop: SyntaxNode): number | undefined {
  const range = loop.namedChildren.find((c) => c.type === 'range_clause');
  if (range) {
    const right = range.childForFieldName('right');
    return right?.type === 'int_literal' ? Number(right.text) : undefined;
  }
  const clause = loop.namedChildren.find((c) => c.type === 'for_clause');
  if (!clause) return undefined;
  const init = clause.childForFieldName('initializer');
  const condition = clause.childForFieldName('condition');
  const update = clause.childForFieldName('update');
  const initMatch = /^(\w+):=0$/.exec(init?.text.replace(/\s+/g, '') ?? '');
  const variable = initMatch?.[1];
  const condMatch = /^(\w+)<(\d+)$/.exec(condition?.text.replace(/\s+/g, '') ?? '');
  if (!variable || condMatch?.[1] !== variable || update?.text.replace(/\s+/g, '') !== `${variable}++`) return undefined;
  return Number(condMatch[2]);
}
