import { channelField, channelFieldOf, type ChannelField, type FieldChannelUse } from '../../analysis/channels.js';
import type { GoFile } from '../../analysis/go-file.js';
import type { Confidence } from '../../model.js';
import type { PackageIndex, PackageType } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingDeclaration, enclosingFunction } from '../../analysis/scope.js';
import { isTestCode } from '../../analysis/test-code.js';
import { UNKNOWN } from '../../analysis/types.js';
import { defineRule } from '../define-rule.js';
import { cancellationWayOut } from '../shared/loops.js';

/** One finding of the package-wide census, anchored in one file. */
interface Verdict {
  readonly file: GoFile;
  readonly node: SyntaxNode;
  readonly messageId: 'noReceiver' | 'noSender' | 'optionalSenders' | 'receiverGone';
  readonly data: Record<string, string>;
  readonly confidence: Confidence;
}

const verdictCache = new WeakMap<PackageIndex, Verdict[]>();

export default defineRule({
  id: 'channel-field-leak',
  meta: {
    title: 'channel field whose other side never comes',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.2.0',
    fix: 'hint',
    messages: {
      noReceiver:
        'nothing in the package ever receives from {{field}}, so this send blocks {{when}}; the goroutine making it, its stack and everything it references stay reachable forever',
      noSender:
        'nothing in the package ever sends on or closes {{field}}, so this receive blocks forever; the goroutine making it, its stack and everything it references stay reachable',
      optionalSenders:
        'every send on {{field}} can give up (it is in a select with another case) and nothing closes it, so this receive can wait forever once the senders have gone',
      receiverGone:
        "{{field}}'s only receiver is the loop in {{receiver}}, which returns once {{signal}} fires; a send here after that blocks forever, and so does the goroutine making it",
    },
    hint: 'Give every blocking operation on the field a way out: select on a done channel (or ctx.Done()) that the owner closes when it stops, close the channel when the last sender is done, or remove the field if nothing uses its other side',
    docs: {
      description:
        'A channel kept in a struct field outlives any one function, so its two sides are spread over the package: a constructor makes it, a loop receives from it, methods send on it, Stop closes something. This rule takes a census of every channel field of the package (every file) and reports the blocking operations whose other side never comes: a send on a field nothing receives from; a receive from a field nothing sends on or closes; a receive whose every counterpart send can give up (it sits in a select with a cancellation case) while nothing closes the field; and a plain send on a field whose only receiver is a loop that can return (on a stop channel, ctx.Done(), a counter), from a method that can run after it did, as `Status()` after `Stop()`. Each blocks its goroutine forever, with everything it references. One-line accessors (`func (r *T) C() <-chan X { return r.c }`) are followed to the field.',
      bad: 'type server struct {\n\treqs chan request\n\tstop chan struct{}\n}\n\nfunc (s *server) loop() {\n\tfor {\n\t\tselect {\n\t\tcase r := <-s.reqs:\n\t\t\tr.reply <- s.handle(r)\n\t\tcase <-s.stop:\n\t\t\treturn\n\t\t}\n\t}\n}\n\nfunc (s *server) Stop() { close(s.stop) }\n\nfunc (s *server) Status() status {\n\tr := request{reply: make(chan status, 1)}\n\ts.reqs <- r // blocks forever after Stop\n\treturn <-r.reply\n}',
      good: 'func (s *server) Status() (status, error) {\n\tr := request{reply: make(chan status, 1)}\n\tselect {\n\tcase s.reqs <- r:\n\tcase <-s.stop:\n\t\treturn status{}, errStopped\n\t}\n\treturn <-r.reply, nil\n}',
      confidence:
        "High when an unbuffered field has no receiver at all, or a field has no sender and no close: the operation can never complete. Medium for a send after the only receiving loop stopped on a stop channel that the owner's own methods close (Stop, Close): the object can be stopped while the program goes on calling it. Low for the rest, which on real code mostly block only while the process shuts down: buffered fields (a send blocks only once the buffer is full, and one-shot sends fit), receiving loops that stop on a context (often the process's own), receives whose senders can all give up, and test code.",
      notReported: [
        "Exported fields of packages other people import (outside `main` and `internal/` packages): other packages may send, receive or close. Unexported fields and every field of a package nothing imports are judged on the package's code alone.",
        'Fields that escape: assigned from anything but `make(…)` or `nil` (a channel handed in from outside), passed to a function, returned, stored elsewhere, or reached through an accessor method other packages can call.',
        'Operations with a way out: a send or receive in a `select` with another case, and loops with a cancellation case (see goroutine-no-exit for those that never fire).',
        'Mentions whose receiver type the syntax does not settle count as possible uses of the field: they can only make the rule quieter.',
      ],
    },
  },
  nodeTypes: [],
  check({ file, pkg, report }) {
    for (const verdict of packageVerdicts(pkg)) {
      if (verdict.file !== file) continue;
      report({
        node: verdict.node,
        messageId: verdict.messageId,
        data: verdict.data,
        confidence: isTestCode(file) ? 'low' : verdict.confidence,
      });
    }
  },
});

function packageVerdicts(pkg: PackageIndex): Verdict[] {
  let verdicts = verdictCache.get(pkg);
  if (!verdicts) {
    verdicts = [];
    // A channel field needs the `chan` keyword in the package: other packages' types are not followed.
    const types = pkg.files.some((f) => f.source.includes('chan')) ? pkg.types : new Map<string, PackageType>();
    for (const [typeName, decl] of types) {
      if (decl.typeNode?.type !== 'struct_type' || decl.file.path.endsWith('_test.go')) continue;
      const type = pkg.declaredType(typeName) ?? UNKNOWN;
      if (type.kind !== 'struct') continue;
      for (const field of type.fields) {
        if (pkg.underlying(field.type).kind !== 'chan' || !sentOrReceivedInText(pkg, field.name)) continue;
        const census = channelField(pkg, { typeName, field: field.name });
        if (census) verdicts.push(...judge(pkg, census));
      }
    }
    verdictCache.set(pkg, verdicts);
  }
  return verdicts;
}

/**
 * A cheap text filter before the census: some line mentioning the field name also has `<-` (a
 * send or a receive) or a `range`. A field nothing sends on or receives from blocks nothing.
 */
function sentOrReceivedInText(pkg: PackageIndex, name: string): boolean {
  return pkg.occurrences(name).some(({ file, index }) => {
    const start = file.source.lastIndexOf('\n', index) + 1;
    const end = file.source.indexOf('\n', index);
    const line = file.source.slice(start, end < 0 ? file.source.length : end);
    return line.includes('<-') || /\brange\b/.test(line);
  });
}

/** The blocking operations of one field whose other side never comes. */
function judge(pkg: PackageIndex, census: ChannelField): Verdict[] {
  if (!census.closedWorld || census.uses.some((u) => u.kind === 'escape')) return [];
  const field = `${census.key.typeName}.${census.key.field}`;
  const plainSends = census.uses.filter((u) => u.kind === 'plainSend');
  const guardedSends = census.uses.filter((u) => u.kind === 'guardedSend');
  const receives = census.uses.filter((u) => u.kind === 'receive');
  const closes = census.uses.filter((u) => u.kind === 'close');
  const plainReceives = receives.filter((u) => u.op && isPlainReceive(u.op));
  const verdicts: Verdict[] = [];
  const at = (use: FieldChannelUse): { file: GoFile; node: SyntaxNode } => ({ file: use.file, node: use.op ?? use.node });
  if (receives.length === 0) {
    const buffered = census.capacity !== 0;
    for (const send of firstPerFunction(plainSends)) {
      verdicts.push({
        ...at(send),
        messageId: 'noReceiver',
        data: { field, when: buffered ? 'once its buffer is full' : 'forever' },
        // A buffered field blocks only once full, and a guarded one-shot send fits: too uncertain to list.
        confidence: buffered ? 'low' : 'high',
      });
    }
    return verdicts;
  }
  const made = census.uses.some((u) => u.kind === 'make');
  if (plainSends.length === 0 && guardedSends.length === 0 && closes.length === 0) {
    // A field never made is nil; a receive guarded by `if x.f != nil` then never runs.
    if (!made) return verdicts;
    for (const receive of firstPerFunction(plainReceives.filter((r) => !nilGuarded(r))))
      verdicts.push({ ...at(receive), messageId: 'noSender', data: { field }, confidence: 'high' });
    return verdicts;
  }
  // A buffered field whose sends can give up is a semaphore or a mailbox; only an unbuffered one waits for a sender.
  if (plainSends.length === 0 && guardedSends.length > 0 && closes.length === 0 && census.capacity === 0) {
    for (const receive of firstPerFunction(plainReceives))
      verdicts.push({ ...at(receive), messageId: 'optionalSenders', data: { field }, confidence: 'low' });
    return verdicts;
  }
  const receiver = soleReceivingLoop(pkg, receives);
  // Only an unbuffered field makes every late send block.
  if (receiver && closes.length === 0 && census.capacity === 0) {
    for (const send of firstPerFunction(plainSends)) {
      const sender = enclosingDeclaration(send.op ?? send.node);
      if (!sender || sender.startIndex === receiver.decl.startIndex) continue;
      verdicts.push({
        ...at(send),
        messageId: 'receiverGone',
        data: { field, receiver: receiver.name, signal: receiver.signal.text },
        confidence: receiver.ownedStop ? 'medium' : 'low',
      });
    }
  }
  return verdicts;
}

/** A receive that waits with no alternative: `<-ch` outside a select with another case, or a range. */
function isPlainReceive(op: SyntaxNode): boolean {
  if (op.type === 'range_clause') return true;
  let n = op.parent;
  if (n?.type === 'expression_list') n = n.parent;
  if (n?.type === 'receive_statement') n = n.parent;
  if (n?.type === 'communication_case') {
    const select = n.parent;
    return (select?.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case').length ?? 0) <= 1;
  }
  return true;
}

/** One operation per function is enough: the rest of the function's operations block the same way. */
function firstPerFunction(uses: readonly FieldChannelUse[]): FieldChannelUse[] {
  const seen = new Set<string>();
  const out: FieldChannelUse[] = [];
  for (const use of uses) {
    const fn = enclosingFunction(use.op ?? use.node);
    const key = `${use.file.path}:${fn?.startIndex ?? -1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(use);
  }
  return out;
}

/**
 * When every receive of the field sits in loops of one declared function, and one such loop
 * stops on a cancellation (a `select` case on a stop channel or ctx.Done() that leaves it), that
 * function, its name and the signal. Loops that only end on errors, or range over the field, are
 * not counted: whether they stop before the senders do is not what the syntax shows.
 */
function soleReceivingLoop(
  pkg: PackageIndex,
  receives: readonly FieldChannelUse[],
): { decl: SyntaxNode; name: string; signal: SyntaxNode; ownedStop: boolean } | undefined {
  let decl: SyntaxNode | undefined;
  let signal: SyntaxNode | undefined;
  for (const use of receives) {
    const op = use.op ?? use.node;
    if (op.type === 'range_clause') return undefined;
    const d = enclosingDeclaration(op);
    if (!d || (decl && d.startIndex !== decl.startIndex)) return undefined;
    decl = d;
    const loop = enclosingLoop(op, d);
    if (!loop) return undefined;
    // The way out must not be this very receive: a loop that ends on the field's own signal is not "gone" before it.
    const own = (caseNode: SyntaxNode): boolean =>
      receives.some((r) => !!r.op && caseNode.startIndex <= r.op.startIndex && r.op.endIndex <= caseNode.endIndex);
    signal ??= cancellationWayOut({ file: use.file, scope: pkg.scopeOf(use.file), pkg }, loop, own);
  }
  if (!decl || !signal) return undefined;
  const file = receives[0]?.file;
  return { decl, name: decl.childForFieldName('name')?.text ?? 'a loop', signal, ownedStop: !!file && closedByOwner(pkg, file, signal) };
}

/**
 * Whether a stop signal is a channel field the owner's own methods close (`Stop() { close(s.stop) }`):
 * the object can then be stopped while the program goes on calling it. A context's Done, or a
 * channel from elsewhere, is often the process's own shutdown (judged on real code, issue #11).
 */
function closedByOwner(pkg: PackageIndex, file: GoFile, signal: SyntaxNode): boolean {
  const census = signal.type === 'selector_expression' ? channelFieldOf(pkg, file, signal) : undefined;
  return !!census && census.uses.some((u) => u.kind === 'close' && enclosingDeclaration(u.op ?? u.node)?.type === 'method_declaration');
}

/** `if x.f != nil { <-x.f }`: a receive that runs only when the field was set. */
function nilGuarded(use: FieldChannelUse): boolean {
  const path = use.node.text.replace(/\s+/g, '');
  for (let n = (use.op ?? use.node).parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration' || n.type === 'func_literal') return false;
    if (n.type === 'if_statement' && (n.childForFieldName('condition')?.text ?? '').replace(/\s+/g, '').includes(`${path}!=nil`))
      return true;
  }
  return false;
}

function enclosingLoop(node: SyntaxNode, stop: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) if (n.type === 'for_statement') return n;
  return undefined;
}
