import { calledFunction, isGuardedSend, parameterUse } from '../../analysis/channels.js';
import { firstExitWithout } from '../../analysis/flow.js';
import type { GoFile } from '../../analysis/go-file.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingFunction, type Binding, type Scope } from '../../analysis/scope.js';
import { argumentsOf, isBuiltin, outermostLiteral, referencesTo, unparen, walk } from '../../analysis/syntax.js';
import { isTestCode } from '../../analysis/test-code.js';
import { defineRule } from '../define-rule.js';

/** The goroutine expected to signal the channel: a literal, or a package function it is handed to. */
interface Signaller {
  readonly go: SyntaxNode;
  /** The function whose returns matter: the literal, or the named function's declaration. */
  readonly func: SyntaxNode;
  readonly file: GoFile;
  /** Its closes of and sends on the channel. */
  readonly signals: readonly SyntaxNode[];
}

export default defineRule({
  id: 'done-signal-missed',
  meta: {
    title: 'wait for a done signal that may never be sent',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.2.0',
    fix: 'hint',
    messages: {
      skipped:
        'this waits for {{chan}}, but the goroutine started at line {{go}} can return at {{exit}} without closing or sending on it; then this receive waits forever, with everything the function holds',
      never:
        'this waits for {{chan}}, but the goroutine started at line {{go}} never closes or sends on it; this receive waits forever, with everything the function holds',
    },
    hint: 'Signal on every path: `defer close(done)` as the first statement of the goroutine, so an early return (or a panic that is recovered) still releases the waiter',
    docs: {
      description:
        'A function makes a done channel, starts a goroutine, and then waits on the channel with a plain `<-done`. When the goroutine can end without closing or sending on it (an early `return` before the `close(done)` at its end, or a function that never touches the channel at all), the wait never ends: the waiting goroutine, its stack and everything it references stay reachable forever, and whatever it was meant to do next never happens. The goroutine may be a function literal or a package function the channel is handed to (`go w.run(done)`).',
      bad: 'func process(items []item) {\n\tdone := make(chan struct{})\n\tgo func() {\n\t\tfor _, it := range items {\n\t\t\tif err := handle(it); err != nil {\n\t\t\t\treturn // done is never closed\n\t\t\t}\n\t\t}\n\t\tclose(done)\n\t}()\n\t<-done\n}',
      good: 'func process(items []item) {\n\tdone := make(chan struct{})\n\tgo func() {\n\t\tdefer close(done)\n\t\tfor _, it := range items {\n\t\t\tif err := handle(it); err != nil {\n\t\t\t\treturn\n\t\t\t}\n\t\t}\n\t}()\n\t<-done\n}',
      confidence:
        'High: the wait has no alternative and the syntax shows a path on which nothing ever signals. Low in test code, where the stuck goroutine lives only as long as the test binary.',
      notReported: [
        'Waits with a way out: a receive in a `select` with another case (a timeout, ctx.Done()).',
        'Channels that reach code the rule cannot see: passed to a function other than the goroutine, stored, returned, received or signalled by more than one goroutine.',
        'A goroutine that reports its failure on another channel before returning early (`errc <- err; if err != nil { return }`) when the waiter receives from that channel before its wait: the waiter hears of the failure first (and, typically, gives up).',
        'A close or send inside an `if` before a return counts as signalling on that path: the rule does not follow conditions. A `defer close(done)` covers every return after it, and a panic is not followed.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['<-'],
  check({ file, scope, pkg, report }) {
    for (const call of file.nodesMatching(/\bmake\s*\(\s*chan\b/g, 'call_expression')) {
      const binding = channelBinding(scope, call);
      const func = enclosingFunction(call);
      if (!binding || !func) continue;
      const found = waitAndSignaller(file, scope, pkg, func, binding, call);
      if (!found) continue;
      const { wait, signaller } = found;
      const confidence = isTestCode(file) ? 'low' : 'high';
      const goLine = String(file.line(signaller.go));
      if (signaller.signals.length === 0) {
        report({ node: wait, messageId: 'never', data: { chan: binding.name, go: goLine }, confidence });
        continue;
      }
      const exit = firstExitWithout(signaller.func, null, signaller.signals);
      if (!exit || reportedFirst(scope, signaller, exit.node, wait)) continue;
      const where = `${signaller.file === file ? '' : `${signaller.file.path.split('/').pop() ?? ''}:`}${exit.kind === 'end' ? 'the end of its body, line ' : 'line '}${signaller.file.line(exit.kind === 'end' ? lastLine(exit.node) : exit.node)}`;
      report({ node: wait, messageId: 'skipped', data: { chan: binding.name, go: goLine, exit: where }, confidence });
    }
  },
});

/**
 * `errc <- err; if err != nil { return }` in the goroutine, and `if err := <-errc; …` in the waiter
 * before its wait: the goroutine reports its failure on another channel before the early return,
 * and the waiter hears of it first (and, in practice, gives up on the wait). Followed for function
 * literals, whose channels are the waiter's own variables.
 */
function reportedFirst(scope: Scope, signaller: Signaller, exit: SyntaxNode, wait: SyntaxNode): boolean {
  if (signaller.func.type !== 'func_literal') return false;
  const reported = new Set<string>();
  walk(signaller.func, (node) => {
    if (node.startIndex >= exit.startIndex) return false;
    if (node.type === 'send_statement' && node.startIndex < exit.startIndex) {
      const channel = unparen(node.childForFieldName('channel'));
      if (channel?.type === 'identifier') reported.add(channel.text);
    }
    return true;
  });
  if (reported.size === 0) return false;
  const func = enclosingFunction(wait);
  const body = func?.childForFieldName('body');
  if (!body) return false;
  let heard = false;
  walk(body, (node) => {
    if (heard || node.startIndex >= wait.startIndex) return false;
    if (node.startIndex >= signaller.func.startIndex && node.endIndex <= signaller.func.endIndex) return false;
    if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '<-') {
      const channel = unparen(node.childForFieldName('operand'));
      if (channel?.type === 'identifier' && reported.has(channel.text) && node.startIndex > signaller.go.startIndex) {
        const binding = scope.resolveIdent(channel);
        heard = binding !== undefined && binding.func?.id === func?.id;
      }
    }
    return !heard;
  });
  return heard;
}

function lastLine(body: SyntaxNode): SyntaxNode {
  return body.lastNamedChild ?? body;
}

/** `done := make(chan T[, n])` / `var done = make(…)`: the channel's binding. */
function channelBinding(scope: Scope, call: SyntaxNode): Binding | undefined {
  if (!isBuiltin(scope, call.childForFieldName('function'), 'make') || argumentsOf(call)[0]?.type !== 'channel_type') return undefined;
  const list = call.parent;
  const statement = list?.parent;
  if (list?.type !== 'expression_list' || !statement) return undefined;
  const index = list.namedChildren.findIndex((n) => n.id === call.id);
  let name: SyntaxNode | undefined;
  if (statement.type === 'short_var_declaration' && statement.childForFieldName('right')?.id === list.id)
    name = statement.childForFieldName('left')?.namedChildren[index];
  else if (statement.type === 'var_spec') name = statement.childrenForFieldName('name')[index];
  if (name?.type !== 'identifier' || name.text === '_') return undefined;
  return { name: name.text, kind: 'local', declNode: name, typeNode: null, valueNode: call, func: enclosingFunction(call) };
}

/**
 * The one plain wait of the function on the channel, after the one goroutine that is to signal
 * it, when every other mention is that goroutine's close or send (or, for a package function, the
 * argument that hands the channel over). Undefined in any other arrangement.
 */
function waitAndSignaller(
  file: GoFile,
  scope: Scope,
  pkg: PackageIndex,
  func: SyntaxNode,
  binding: Binding,
  make: SyntaxNode,
): { wait: SyntaxNode; signaller: Signaller } | undefined {
  const body = func.childForFieldName('body');
  if (!body) return undefined;
  let wait: SyntaxNode | undefined;
  let signaller: Signaller | undefined;
  const literalSignals: SyntaxNode[] = [];
  for (const ref of referencesTo(scope, body, binding)) {
    if (ref.startIndex >= make.startIndex && ref.endIndex <= make.endIndex) continue;
    const literal = outermostLiteral(ref, func);
    const parent = ref.parent;
    if (literal) {
      const go =
        literal.parent?.type === 'call_expression' && literal.parent.parent?.type === 'go_statement' ? literal.parent.parent : null;
      if (!go || (signaller && signaller.go.id !== go.id)) return undefined;
      const signal = signalOf(scope, ref);
      if (!signal) return undefined;
      literalSignals.push(signal);
      signaller = { go, func: literal, file, signals: literalSignals };
      continue;
    }
    if (parent?.type === 'unary_expression' && parent.childForFieldName('operator')?.text === '<-') {
      if (wait || !isPlainWait(parent)) return undefined;
      wait = parent;
      continue;
    }
    const named = namedSignaller(file, pkg, ref);
    if (!named || signaller) return undefined;
    signaller = named;
  }
  if (!wait || !signaller || signaller.go.startIndex > wait.startIndex) return undefined;
  return { wait, signaller };
}

/** `close(done)` or a plain `done <- v`: the signal node; undefined for any other use. */
function signalOf(scope: Scope, ref: SyntaxNode): SyntaxNode | undefined {
  const parent = ref.parent;
  if (parent?.type === 'send_statement' && parent.childForFieldName('channel')?.id === ref.id && !isGuardedSend(parent)) return parent;
  const call = parent?.type === 'argument_list' ? parent.parent : null;
  if (call && isBuiltin(scope, call.childForFieldName('function'), 'close')) return call;
  return undefined;
}

/** A receive that waits with no alternative: anywhere but a `select` with another case. */
function isPlainWait(receive: SyntaxNode): boolean {
  let holder = receive.parent;
  if (holder?.type === 'expression_list') holder = holder.parent;
  if (holder?.type === 'receive_statement') holder = holder.parent;
  if (holder?.type !== 'communication_case') return true;
  return (holder.parent?.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case').length ?? 0) === 1;
}

/** `go w.run(done)` with run declared in the package and not letting the channel escape. */
function namedSignaller(file: GoFile, pkg: PackageIndex, ref: SyntaxNode): Signaller | undefined {
  const call = ref.parent?.type === 'argument_list' ? ref.parent.parent : null;
  const go = call?.parent;
  if (!call || go?.type !== 'go_statement') return undefined;
  const callee = unparen(call.childForFieldName('function'));
  const target = callee ? calledFunction(pkg, file, callee) : undefined;
  if (!target) return undefined;
  const use = parameterUse(
    pkg,
    target,
    argumentsOf(call).findIndex((a) => a.id === ref.id),
  );
  if (use.escapes || use.receives.length > 0) return undefined;
  // Only signals in the function's own body (not in goroutines it starts) are followed for paths.
  const body = target.node.childForFieldName('body');
  const signals = [...use.closes, ...use.plainSends, ...use.guardedSends];
  if (body && signals.some((s) => s.startIndex < body.startIndex || s.endIndex > body.endIndex)) return undefined;
  return { go, func: target.node, file: target.file, signals };
}
