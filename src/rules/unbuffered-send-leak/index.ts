import { calledFunction, parameterUse } from '../../analysis/channels.js';
import { firstExitWithout, inAlternatives } from '../../analysis/flow.js';
import { frequencyModel, isLifecycleName } from '../../analysis/frequency.js';
import type { GoFile } from '../../analysis/go-file.js';
import type { Confidence, Fix } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import type { Binding, Scope } from '../../analysis/scope.js';
import { enclosingDeclaration, enclosingFunction } from '../../analysis/scope.js';
import { argumentsOf, insideFuncLiteral, isBuiltin, loopsBetween, outermostLiteral, referencesTo, unparen } from '../../analysis/syntax.js';
import { isTestCode } from '../../analysis/test-code.js';
import { replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';

/** A goroutine started by the function that made the channel, and its sends on it. */
interface Sender {
  readonly go: SyntaxNode;
  /** The plain sends (outside a select with another case). */
  readonly sends: SyntaxNode[];
  /** The function the sends run in: the literal, or the named function's declaration (null when sends are further down). */
  readonly func: SyntaxNode | null;
}

/** How the channel is used inside the function that made it. */
interface LocalChannel {
  readonly senders: Sender[];
  /** The receives in the function itself (`<-ch`, `for … range ch`), outside goroutines. */
  readonly receives: SyntaxNode[];
  /** Plain sends in the function itself, outside goroutines. */
  readonly ownSends: SyntaxNode[];
  /** Every other mention, in source order: a goroutine start, a call, a store: the channel is shared from there on. */
  readonly shares: SyntaxNode[];
  /** Whether the channel reaches code the rule cannot see (passed, stored, returned, received elsewhere). */
  readonly escapes: boolean;
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
      buffered:
        '{{chan}} has room for {{capacity}} values but the goroutine sending on it may send more; once the buffer is full it blocks forever when {{why}}',
      selfSend:
        '{{chan}} is unbuffered and nothing can receive from it yet: the send at line {{line}} blocks forever, and with it everything the function holds',
    },
    hint: 'Give the channel a buffer for every send (make(chan T, n)) so senders never wait for a receiver that has gone, or make every sender select on ctx.Done() (or a done channel the receiver closes when it returns) as well',
    docs: {
      description:
        'A function makes a channel, starts a goroutine that sends on it, and then can return without receiving everything: a `select` whose timeout or `ctx.Done()` case wins (also when the select falls through to a return after it), an early `return`, or a `return` from inside the loop that ranges over the channel. Nobody will ever receive, so the sender blocks forever; the goroutine, its stack and everything it references stay reachable for the life of the process. Under load this is a steady leak of one goroutine per timed-out request. The sender may be a function literal or a package function the channel is handed to (`go produce(ch)`). A buffered channel leaks the same way once the sends can outnumber its capacity. A function that sends on an unbuffered channel it just made, before any goroutine could receive, blocks for good itself.',
      bad: 'func fetch(ctx context.Context, url string) (*Result, error) {\n\tch := make(chan *Result)\n\tgo func() { ch <- download(url) }()\n\tselect {\n\tcase r := <-ch:\n\t\treturn r, nil\n\tcase <-ctx.Done():\n\t\treturn nil, ctx.Err() // the sender is stuck forever\n\t}\n}',
      good: 'func fetch(ctx context.Context, url string) (*Result, error) {\n\tch := make(chan *Result, 1) // the send always completes\n\tgo func() { ch <- download(url) }()\n\tselect {\n\tcase r := <-ch:\n\t\treturn r, nil\n\tcase <-ctx.Done():\n\t\treturn nil, ctx.Err()\n\t}\n}',
      confidence:
        'High where the function may run again and again: each run strands one goroutine. Medium for a buffered channel (how many values the sender produces is seldom certain), and when the sender is a package function (`go produce(ch)`), whose own paths may block before its send. Low in start-up code (`main`, `init`, a `sync.Once`, functions only they call), in lifecycle functions (constructors, `Run`, `Start`, `Serve`…) with no sign of running repeatedly, and in test code: one stuck goroutine until the process exits. A send on a channel nothing can receive from yet is high everywhere but in tests.',
      notReported: [
        'Buffered channels with room for every send (`make(chan T, n)` with a constant n at least the number of sends, when that number is a constant), and buffers whose size is not a constant.',
        'Sends inside a `select` with another case (for example `case <-ctx.Done():`): the sender has a way out.',
        'Channels passed to another function (other than a goroutine started with a package function that only sends on it), stored in a field or variable, returned, or received from in another goroutine: someone else may receive.',
        'A package function producer that drains another channel it was handed (`for r := range results`) before it sends: on an early return it waits there (a different leak, which buffering would not end), not on the send.',
        'A receive inside an `if` that precedes the return counts as receiving: the rule does not follow conditions, and prefers silence to a guess. A receive in one case of a `select` counts only for that case: the select can fall through another.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['chan'],
  check({ file, scope, pkg, report }) {
    for (const call of file.nodesMatching(/\bmake\s*\(\s*chan\b/g, 'call_expression')) {
      const declared = channelDecl(scope, call);
      const func = enclosingFunction(call);
      if (!declared || !func) continue;
      const { binding, capacity } = declared;
      const use = localChannel(file, scope, pkg, func, binding, call);
      const confidence = confidenceOf(file, pkg, call);
      const selfSend = capacity === 0 ? firstUnsharedSend(use) : undefined;
      if (selfSend) {
        report({
          node: call,
          messageId: 'selfSend',
          data: { chan: binding.name, line: String(file.line(selfSend)) },
          confidence: isTestCode(file) ? 'low' : 'high',
        });
        continue;
      }
      if (use.escapes || use.senders.length === 0) continue;
      const firstGo = use.senders[0]?.go;
      if (!firstGo) continue;
      const exit = firstExitWithout(func, firstGo, use.receives);
      if (!exit) continue;
      const count = sendCount(use.senders, func, call);
      if (capacity > 0 && count !== undefined && count <= capacity) continue;
      const why = describeExit(file, func, exit, use.receives, binding);
      const args = call.childForFieldName('arguments');
      const typeNode = argumentsOf(call)[0];
      const fix: Fix | null =
        capacity === 0 && count !== undefined && args && typeNode
          ? { message: `Buffer the channel (capacity ${count})`, edits: [replaceNode(file, args, `(${typeNode.text}, ${count})`)] }
          : null;
      // A package function's own paths are not followed (it may block elsewhere first): at most medium.
      const namedSender = use.senders.some((s) => s.func?.type !== 'func_literal');
      const leakConfidence = namedSender && confidence === 'high' ? 'medium' : confidence;
      if (capacity === 0) report({ node: call, messageId: 'leak', data: { chan: binding.name, why }, fix, confidence: leakConfidence });
      else
        report({
          node: call,
          messageId: 'buffered',
          data: { chan: binding.name, capacity: String(capacity), why },
          confidence: confidence === 'high' ? 'medium' : confidence,
        });
    }
  },
});

/** Why no one receives: nothing receives at all, the function ends or returns first, a select or a range leaves early. */
function describeExit(
  file: GoFile,
  func: SyntaxNode,
  exit: { node: SyntaxNode; kind: 'return' | 'end' },
  receives: readonly SyntaxNode[],
  binding: Binding,
): string {
  if (receives.length === 0) return 'nothing receives from it';
  if (exit.kind === 'end') return 'the function ends without receiving';
  const line = file.line(exit.node);
  const range = receives.find(
    (r) => r.type === 'range_clause' && r.parent && r.parent.startIndex < exit.node.startIndex && exit.node.endIndex <= r.parent.endIndex,
  );
  if (range) return `the loop over ${binding.name} returns at line ${line} before ${binding.name} is drained`;
  if (exit.node.parent?.parent?.type === 'communication_case') return `the select returns through another case (line ${line})`;
  const select = receives.map((r) => selectOf(r)).find((s) => s && s.endIndex <= exit.node.startIndex && s.startIndex > func.startIndex);
  if (select) return `the select at line ${file.line(select)} goes past it through another case and the function returns at line ${line}`;
  return `the function returns at line ${line} before receiving`;
}

function selectOf(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'select_statement') return n;
    if (n.type === 'func_literal' || n.type === 'function_declaration' || n.type === 'method_declaration' || n.type === 'block')
      return undefined;
  }
  return undefined;
}

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

/** `ch := make(chan T[, n])` / `var ch = make(…)`: the channel's binding and its constant capacity (0 unbuffered). */
function channelDecl(scope: Scope, call: SyntaxNode): { binding: Binding; capacity: number } | undefined {
  if (!isBuiltin(scope, call.childForFieldName('function'), 'make')) return undefined;
  const args = argumentsOf(call);
  if (args[0]?.type !== 'channel_type' || args.length > 2) return undefined;
  const size = unparen(args[1]);
  const capacity = args.length === 1 ? 0 : size?.type === 'int_literal' ? Number(size.text.replace(/_/g, '')) : undefined;
  if (capacity === undefined || !Number.isFinite(capacity)) return undefined;
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
    capacity,
  };
}

/** Classifies every mention of the channel in the function that made it. */
function localChannel(file: GoFile, scope: Scope, pkg: PackageIndex, func: SyntaxNode, binding: Binding, make: SyntaxNode): LocalChannel {
  const senders: Sender[] = [];
  const receives: SyntaxNode[] = [];
  const ownSends: SyntaxNode[] = [];
  const shares: SyntaxNode[] = [];
  let escapes = false;
  const body = func.childForFieldName('body');
  if (!body) return { senders, receives, ownSends, shares, escapes: true };
  const senderOf = (go: SyntaxNode, fn: SyntaxNode | null): Sender => {
    let entry = senders.find((s) => s.go.id === go.id);
    if (!entry) senders.push((entry = { go, sends: [], func: fn }));
    return entry;
  };
  for (const ref of referencesTo(scope, body, binding)) {
    if (ref.startIndex >= make.startIndex && ref.endIndex <= make.endIndex) continue;
    const parent = ref.parent;
    const literal = outermostLiteral(ref, func);
    if (literal) {
      shares.push(ref);
      const go =
        literal.parent?.type === 'call_expression' && literal.parent.parent?.type === 'go_statement' ? literal.parent.parent : null;
      if (!go || insideFuncLiteral(go, func)) {
        escapes = true;
        continue;
      }
      if (parent?.type === 'send_statement' && parent.childForFieldName('channel')?.id === ref.id) {
        if (isGuarded(parent)) escapes = true;
        else senderOf(go, literal).sends.push(parent);
      } else if (!isCloseCall(scope, ref)) {
        escapes = true; // received or handed on inside a goroutine: someone else may drain it
      }
      continue;
    }
    if (isReceiveOperand(ref) && parent) {
      receives.push(parent);
      continue;
    }
    if (parent?.type === 'send_statement' && parent.childForFieldName('channel')?.id === ref.id && !isGuarded(parent)) {
      ownSends.push(parent);
      continue;
    }
    if (isLenOrCap(scope, ref)) continue;
    shares.push(ref);
    const named = namedSender(file, pkg, ref, func);
    if (named) senderOf(named.go, named.func).sends.push(...named.sends);
    else escapes = true;
  }
  senders.sort((a, b) => a.go.startIndex - b.go.startIndex);
  return { senders, receives, ownSends, shares, escapes };
}

/**
 * `go produce(ch, …)` with produce declared in the package: a sender when produce only sends on
 * its parameter (plainly) and perhaps closes it; anything else (receives, guarded sends, hands it
 * on) makes the channel escape.
 */
function namedSender(
  file: GoFile,
  pkg: PackageIndex,
  ref: SyntaxNode,
  func: SyntaxNode,
): { go: SyntaxNode; sends: SyntaxNode[]; func: SyntaxNode | null } | undefined {
  const list = ref.parent;
  const call = list?.type === 'argument_list' ? list.parent : null;
  const go = call?.parent;
  if (!call || go?.type !== 'go_statement' || insideFuncLiteral(go, func)) return undefined;
  const callee = unparen(call.childForFieldName('function'));
  const target = callee ? calledFunction(pkg, file, callee) : undefined;
  if (!target) return undefined;
  const args = argumentsOf(call);
  const index = args.findIndex((a) => a.id === ref.id);
  const use = parameterUse(pkg, target, index);
  if (use.escapes || use.receives.length > 0 || use.guardedSends.length > 0 || use.plainSends.length === 0) return undefined;
  // A producer that first drains another channel it was handed (`for r := range results`) waits
  // there until that channel is closed: on an early return it is stuck draining, not on this send.
  const firstSend = Math.min(...use.plainSends.map((send) => (deferred(send) ? Infinity : send.startIndex)));
  const drainsFirst = args.some((_, i) => i !== index && parameterUse(pkg, target, i).receives.some((r) => r.startIndex < firstSend));
  if (drainsFirst) return undefined;
  // Sends made in functions the target calls in turn are not counted along its paths.
  const body = target.node.childForFieldName('body');
  const own = !!body && use.plainSends.every((send) => send.startIndex >= body.startIndex && send.endIndex <= body.endIndex);
  return { go, sends: [...use.plainSends], func: own ? target.node : null };
}

/** Whether a node sits in a deferred function literal (`defer func() { … }()`): it runs when the function returns. */
function deferred(node: SyntaxNode): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'func_literal') return n.parent?.type === 'call_expression' && n.parent.parent?.type === 'defer_statement';
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return false;
  }
  return false;
}

/** The first plain send of the function itself on a channel that nothing else holds yet. */
function firstUnsharedSend(use: LocalChannel): SyntaxNode | undefined {
  const first = use.ownSends[0];
  if (!first) return undefined;
  const earlier = [...use.shares, ...use.receives, ...use.senders.map((s) => s.go)].some((n) => n.startIndex < first.startIndex);
  return earlier || loopsAround(first) ? undefined : first;
}

/** Whether a send sits in a loop (a later iteration may follow a goroutine started further down). */
function loopsAround(node: SyntaxNode): boolean {
  const func = enclosingFunction(node);
  return !!func && loopsBetween(node, func).length > 0;
}

/** A send in a `select` with another case: the sender has a way out. */
function isGuarded(send: SyntaxNode): boolean {
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
  return parent.type === 'range_clause' && parent.childForFieldName('right')?.id === ref.id;
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

/**
 * An upper bound of the number of sends when it is a constant: each goroutine (a literal, or a
 * package function sending in its own body) makes sends that each run at most once (outside any
 * loop of its own, or directly followed by a return), and each loop around the `go` that does not
 * also make the channel is `for i := 0; i < N; i++` or `for range N` with a literal N.
 */
function sendCount(senders: readonly Sender[], func: SyntaxNode, make: SyntaxNode): number | undefined {
  let total = 0;
  for (const { go, sends, func: body } of senders) {
    if (sends.length === 0 || !body) return undefined;
    // Each send runs at most once: outside any loop of its own, or directly followed by a return.
    if (!sends.every((send) => loopsBetween(send, body).length === 0 || followedByReturn(send))) return undefined;
    let count = mostSendsOnOnePath(sends);
    if (count === undefined) return undefined;
    // Only loops that also repeat the goroutine for the same channel: a loop that makes a new channel each pass does not.
    for (const loop of loopsBetween(go, func).filter((l) => !(l.startIndex <= make.startIndex && make.endIndex <= l.endIndex))) {
      const n = literalIterations(loop);
      if (n === undefined) return undefined;
      count *= n;
    }
    total += count;
  }
  return total;
}

/**
 * The most sends one run of the goroutine can make: the largest set of its sends no two of which
 * exclude each other (in different branches of an if/switch/select, or the earlier one followed
 * directly by a return). Undefined past eight sends.
 */
function mostSendsOnOnePath(sends: readonly SyntaxNode[]): number | undefined {
  if (sends.length > 8) return undefined;
  const ordered = [...sends].sort((a, b) => a.startIndex - b.startIndex);
  const exclusive = (a: SyntaxNode, b: SyntaxNode): boolean => inAlternatives(a, b) || followedByReturn(a);
  let best = 0;
  for (let mask = 1; mask < 1 << ordered.length; mask++) {
    const chosen = ordered.filter((_, i) => mask & (1 << i));
    if (chosen.length <= best) continue;
    if (chosen.every((a, i) => chosen.slice(i + 1).every((b) => !exclusive(a, b)))) best = chosen.length;
  }
  return best;
}

/** `ch <- v; return`: a send that ends its goroutine's loop. */
function followedByReturn(send: SyntaxNode): boolean {
  let next = send.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  return next?.type === 'return_statement';
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
