import type { GoFile } from '../../analysis/go-file.js';
import type { Fix, TextEdit } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { contains, type Binding, type Scope } from '../../analysis/scope.js';
import { typeFromNode, type GoType } from '../../analysis/types.js';
import { insertLineAfter, replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { loopWayOut } from '../shared/loops.js';
import { argumentsOf, insideFuncLiteral, isBuiltin, loopsBetween, referencesTo, sameBinding, unparen } from '../../analysis/syntax.js';

/** The ranged-over channel: a local made with `make(chan …)`, or a field of a local struct literal that makes it. */
type ChannelTarget =
  | { readonly kind: 'local'; readonly binding: Binding; readonly func: SyntaxNode }
  | { readonly kind: 'field'; readonly owner: Binding; readonly field: string; readonly func: SyntaxNode };

/** A send on the channel and the goroutine it runs in. */
interface Sender {
  readonly send: SyntaxNode;
  /** The `go func…` literal the send runs in; null when it runs in the function that made the channel or in a callback. */
  readonly goroutine: SyntaxNode | null;
  /** The goroutine is started exactly once: not in a loop, not inside another literal. */
  readonly once: boolean;
  /** How the channel is spelled inside that goroutine. */
  readonly name: string;
  /** The send runs in a function literal that is not a goroutine (a callback such as errgroup's `g.Go(func() error {…})`). */
  readonly inCallback: boolean;
}

/** Everything the function that made the channel does with it. */
interface ChannelUse {
  closed: boolean;
  escapes: boolean;
  readonly senders: Sender[];
}

export default defineRule({
  id: 'range-unclosed-channel',
  meta: {
    title: 'range over a channel that is never closed',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      unclosed:
        'nothing closes {{chan}}, so this range never ends; the goroutine running it blocks forever and keeps everything it references reachable',
    },
    hint: 'Close the channel after the last send: with one sending goroutine, `defer close(ch)` at its top; with several, count them with a sync.WaitGroup (wg.Add(1) before each go, defer wg.Done() inside) and start one closer goroutine, `go func() { wg.Wait(); close(ch) }()`',
    docs: {
      description:
        '`for v := range ch` ends only when `ch` is closed. When the function that made the channel never closes it, neither directly nor in one of its goroutines, and does not hand the channel to code that could, the loop waits forever after the last value: the goroutine running it, its stack and everything it references stay reachable for the life of the process (and when that goroutine is the request handler, the request with it). Typical: results collected from worker goroutines whose producer forgets `close`.',
      bad: 'func fetchAll(urls []string) []*Page {\n\tpages := make(chan *Page)\n\tgo func() {\n\t\tfor _, u := range urls {\n\t\t\tpages <- fetch(u)\n\t\t}\n\t}()\n\tvar out []*Page\n\tfor p := range pages { // never ends\n\t\tout = append(out, p)\n\t}\n\treturn out\n}',
      good: 'func fetchAll(urls []string) []*Page {\n\tpages := make(chan *Page)\n\tgo func() {\n\t\tdefer close(pages)\n\t\tfor _, u := range urls {\n\t\t\tpages <- fetch(u)\n\t\t}\n\t}()\n\tvar out []*Page\n\tfor p := range pages {\n\t\tout = append(out, p)\n\t}\n\treturn out\n}',
      confidence:
        'High: the channel is made in the function and never closed there, and nothing else can see it, so the loop can only end by another way out.',
      notReported: [
        'Channels passed to another function (including `go produce(ch)`), stored in a variable, field, map or slice, returned, or reassigned: whoever receives them may close them. A channel passed to a `go func(out chan<- T) { … }(ch)` literal is followed into the literal.',
        'Channels the function did not make in their declaration (parameters, package variables, `var ch chan T` assigned later, fields of structs it did not build with a composite literal that makes the channel): someone else may own them, or the syntax does not settle which value is ranged over.',
        'A struct holding the channel that is used other than through its declared fields (passed on, returned, or with a method called on it): a method may close the channel.',
        'Range loops that can end by themselves: a `return`, a `break` or `goto` that leaves the loop (a plain `break` inside a `select` does not), or `panic`/`os.Exit`/`log.Fatal`, for example a loop that stops after counting the expected number of results.',
        'A `close(ch)` anywhere in the function or its goroutines, even inside a condition, counts: the rule does not check that it runs on every path.',
        'The suggestion `defer close(ch)` is offered only when exactly one goroutine, started once (not in a loop), sends on the channel and nothing else does, and the range loop is not inside that goroutine; with several senders the finding explains the sync.WaitGroup + closer goroutine pattern instead.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['make(chan', 'range'],
  check({ file, scope, pkg, report }) {
    // An early exit on the text: the channel must be made (`make(chan …)`) in the declaration that ranges over it.
    const makes = [...file.source.matchAll(MAKE_CHAN)].map((m) => m.index ?? 0);
    if (makes.length === 0) return;
    const decls = [...new Set(makes.map((at) => file.topLevelAt(at)))].filter((d) => d !== undefined);
    for (const loop of file.nodesMatching(/\bfor\b/g, 'for_statement')) {
      if (!decls.some((d) => loop.startIndex >= d.startIndex && loop.endIndex <= d.endIndex)) continue;
      const clause = loop.namedChildren.find((c) => c.type === 'range_clause');
      const operand = unparen(clause?.childForFieldName('right'));
      if (operand?.type !== 'identifier' && operand?.type !== 'selector_expression') continue;
      const target = channelTarget(scope, pkg, operand);
      if (!target || !contains(target.func, loop)) continue;
      if (loopWayOut({ file, scope, pkg }, loop).way) continue;
      const use = channelUse(scope, pkg, target);
      if (use.closed || use.escapes) continue;
      const chan = target.kind === 'local' ? target.binding.name : `${target.owner.name}.${target.field}`;
      const fix = closeFix(file, scope, target, use, loop);
      report({ node: loop, messageId: 'unclosed', data: { chan }, fix, ...(fix ? {} : { hint: hintFor(chan, use) }) });
    }
  },
});

const MAKE_CHAN = /\bmake\(\s*chan\b/g;

/** `make(chan …)` with the builtin make. */
function isMakeChan(scope: Scope, node: SyntaxNode | null | undefined): boolean {
  const call = unparen(node);
  return (
    call?.type === 'call_expression' &&
    argumentsOf(call)[0]?.type === 'channel_type' &&
    isBuiltin(scope, call.childForFieldName('function'), 'make')
  );
}

/** Recognises the ranged-over expression as a channel made in the enclosing function. */
function channelTarget(scope: Scope, pkg: PackageIndex, operand: SyntaxNode): ChannelTarget | undefined {
  if (operand.type === 'identifier') {
    const binding = scope.resolveIdent(operand);
    if (binding?.kind !== 'local' || !binding.func || !isMakeChan(scope, binding.valueNode)) return undefined;
    return { kind: 'local', binding, func: binding.func };
  }
  if (operand.type !== 'selector_expression') return undefined;
  const ownerNode = unparen(operand.childForFieldName('operand'));
  const field = operand.childForFieldName('field')?.text;
  if (ownerNode?.type !== 'identifier' || !field) return undefined;
  const owner = scope.resolveIdent(ownerNode);
  if (owner?.kind !== 'local' || !owner.func) return undefined;
  let literal = unparen(owner.valueNode);
  if (literal?.type === 'unary_expression' && literal.childForFieldName('operator')?.text === '&')
    literal = unparen(literal.childForFieldName('operand'));
  if (literal?.type !== 'composite_literal') return undefined;
  // The struct's declaration must say the field is a channel.
  const struct = pkg.underlying(typeFromNode(literal.childForFieldName('type')));
  const declared = struct.kind === 'struct' ? struct.fields.find((f) => f.name === field) : undefined;
  if (!declared || pkg.underlying(declared.type).kind !== 'chan') return undefined;
  const made = literal.childForFieldName('body')?.namedChildren.some((element) => {
    if (element.type !== 'keyed_element') return false;
    const [key, value] = element.namedChildren;
    return key?.text === field && isMakeChan(scope, value?.namedChildren[0] ?? value);
  });
  return made ? { kind: 'field', owner, field, func: owner.func } : undefined;
}

/** Classifies every mention of the channel in the function that made it (its literals included). */
function channelUse(scope: Scope, pkg: PackageIndex, target: ChannelTarget): ChannelUse {
  const use: ChannelUse = { closed: false, escapes: false, senders: [] };
  const body = target.func.childForFieldName('body');
  if (!body) return { ...use, escapes: true };
  if (target.kind === 'local') {
    collect(scope, use, referencesTo(scope, body, target.binding), target.func, null, true, target.binding.name);
    return use;
  }
  const sites: SyntaxNode[] = [];
  const fields = new Set(fieldNames(pkg, scope.typeOfBinding(target.owner)));
  for (const ref of referencesTo(scope, body, target.owner)) {
    const selector = ref.parent;
    const name = selector?.type === 'selector_expression' && selector.childForFieldName('operand')?.id === ref.id ? fieldOf(selector) : '';
    if (selector && name === target.field) sites.push(selector);
    // Another declared field is harmless; a method call, or the struct itself handed on, may close the channel.
    else if (!name || !fields.has(name) || selector?.parent?.type === 'call_expression') use.escapes = true;
  }
  collect(scope, use, sites, target.func, null, true, `${target.owner.name}.${target.field}`);
  return use;
}

function fieldOf(selector: SyntaxNode): string {
  return selector.childForFieldName('field')?.text ?? '';
}

/** The field names of a struct type or of the struct a pointer type points to. */
function fieldNames(pkg: PackageIndex, type: GoType): string[] {
  let struct = pkg.underlying(type);
  if (struct.kind === 'pointer') struct = pkg.underlying(struct.elem);
  return struct.kind === 'struct' ? struct.fields.map((f) => f.name) : [];
}

/** A `go func(…) { … }(…)` literal: the literal's go statement, or null. */
function goStatementOf(literal: SyntaxNode): SyntaxNode | null {
  const call = literal.parent;
  if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== literal.id) return null;
  return call.parent?.type === 'go_statement' ? call.parent : null;
}

/** The innermost function literal between `node` and `root` (exclusive). */
function innermostLiteral(node: SyntaxNode, root: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n && n.id !== root.id; n = n.parent) if (n.type === 'func_literal') return n;
  return null;
}

/**
 * Classifies channel expressions found in `root` (the function that made the channel, or a
 * goroutine literal it was passed to as `name`). `goroutine`/`once` describe root itself.
 */
function collect(
  scope: Scope,
  use: ChannelUse,
  sites: readonly SyntaxNode[],
  root: SyntaxNode,
  goroutine: SyntaxNode | null,
  once: boolean,
  name: string,
): void {
  for (const site of sites) {
    const parent = site.parent;
    if (!parent) continue;
    if (parent.type === 'range_clause' && parent.childForFieldName('right')?.id === site.id) continue;
    if (parent.type === 'unary_expression' && parent.childForFieldName('operator')?.text === '<-') continue;
    if (parent.type === 'send_statement' && parent.childForFieldName('channel')?.id === site.id) {
      const literal = innermostLiteral(site, root);
      if (!literal) {
        use.senders.push({ send: parent, goroutine, once, name, inCallback: false });
      } else {
        const go = goStatementOf(literal);
        const startedOnce = !!go && loopsBetween(go, root).length === 0 && !insideFuncLiteral(go, root);
        use.senders.push({ send: parent, goroutine: go ? literal : null, once: once && startedOnce, name, inCallback: !go });
      }
      continue;
    }
    const call = parent.type === 'argument_list' ? parent.parent : null;
    const fn = call?.childForFieldName('function');
    if (call && fn) {
      if (isBuiltin(scope, fn, 'close')) {
        use.closed = true;
        continue;
      }
      if (isBuiltin(scope, fn, 'len') || isBuiltin(scope, fn, 'cap')) continue;
      const param =
        fn.type === 'func_literal' && goStatementOf(fn)
          ? parameterFor(
              scope,
              fn,
              argumentsOf(call).findIndex((a) => a.id === site.id),
            )
          : undefined;
      const literalBody = fn.childForFieldName('body');
      if (param && literalBody) {
        const go = goStatementOf(fn);
        const startedOnce = !!go && loopsBetween(go, root).length === 0 && !insideFuncLiteral(go, root);
        collect(scope, use, referencesTo(scope, literalBody, param), fn, fn, once && startedOnce, param.name);
        continue;
      }
    }
    use.escapes = true;
  }
}

/** The binding of a literal's `index`th parameter, when it is a plain (not variadic) named parameter. */
function parameterFor(scope: Scope, literal: SyntaxNode, index: number): Binding | undefined {
  if (index < 0) return undefined;
  const names: SyntaxNode[] = [];
  for (const param of literal.childForFieldName('parameters')?.namedChildren ?? []) {
    if (param.type === 'variadic_parameter_declaration') return undefined;
    if (param.type === 'parameter_declaration') names.push(...param.childrenForFieldName('name'));
  }
  const nameNode = names[index];
  if (!nameNode || nameNode.text === '_') return undefined;
  const binding = scope.resolveIdent(nameNode);
  return binding?.kind === 'param' ? binding : undefined;
}

/**
 * `defer close(ch)` as the first statement of the one goroutine that sends, when exactly one
 * goroutine started once sends and nothing else does, and the range is not in that goroutine.
 */
function closeFix(file: GoFile, scope: Scope, target: ChannelTarget, use: ChannelUse, loop: SyntaxNode): Fix | null {
  const first = use.senders[0];
  const goroutine = first?.goroutine;
  if (!first || !goroutine || !use.senders.every((s) => s.goroutine?.id === goroutine.id && s.once)) return null;
  if (contains(goroutine, loop)) return null;
  const body = goroutine.childForFieldName('body');
  const statements = body?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren ?? [];
  const firstStatement = statements[0];
  if (!body || !firstStatement) return null;
  const name = first.name;
  if (!use.senders.every((s) => s.name === name) || !visibleAt(scope, target, goroutine, name, firstStatement)) return null;
  const paramType = parameterType(goroutine, name);
  if (paramType?.text.startsWith('<-')) return null;
  const statement = `defer close(${name})`;
  const braceLine = body.startPosition.row + 1;
  let edit: TextEdit;
  if (body.endPosition.row > body.startPosition.row) {
    const rest = file.lineText(braceLine).slice(body.startPosition.column + 1);
    if (!/^\s*(\/\/.*)?$/.test(rest) || firstStatement.startPosition.row === body.startPosition.row) return null;
    edit = insertLineAfter(file, braceLine, statement, file.line(firstStatement));
  } else {
    // `go func() { ch <- v }()` on one line: spread the body over lines.
    if (statements.length !== 1 || body.namedChildren.some((c) => c.type === 'comment')) return null;
    const indent = file.indentOf(braceLine);
    edit = replaceNode(file, body, `{\n${indent}\t${statement}\n${indent}\t${firstStatement.text}\n${indent}}`);
  }
  return { message: `Close ${name} when the sending goroutine returns`, edits: [edit] };
}

/** Whether `name` (an identifier or `owner.field`) means the channel at `at`, the top of `goroutine`. */
function visibleAt(scope: Scope, target: ChannelTarget, goroutine: SyntaxNode, name: string, at: SyntaxNode): boolean {
  const head = name.split('.')[0] ?? name;
  const binding = scope.resolve(head, at);
  if (!binding) return false;
  // A parameter the channel was passed in as (collect only names parameters it followed the channel into).
  if (binding.kind === 'param' && binding.func?.id === goroutine.id && !name.includes('.')) return true;
  return sameBinding(binding, target.kind === 'local' ? target.binding : target.owner);
}

function parameterType(literal: SyntaxNode, name: string): SyntaxNode | null {
  for (const param of literal.childForFieldName('parameters')?.namedChildren ?? []) {
    if (param.childrenForFieldName('name').some((n) => n.text === name)) return param.childForFieldName('type');
  }
  return null;
}

function hintFor(chan: string, use: ChannelUse): string {
  const goroutines = new Set(use.senders.map((s) => s.goroutine?.id ?? -1));
  if (use.senders.length === 0)
    return `Nothing sends on ${chan} either, so the range blocks at once: close ${chan} where the values end, or drop the loop`;
  if (use.senders.every((s) => s.goroutine === null && !s.inCallback))
    return `Close ${chan} after the last send (close(${chan})) so the range can end, or send from one goroutine that defers close(${chan})`;
  if (goroutines.size === 1 && use.senders.every((s) => s.once))
    return `Close ${chan} in the goroutine that sends on it, after its last send (defer close(${chan}) at its top)`;
  return `Several goroutines (or callbacks) send on ${chan}: count them with a sync.WaitGroup (wg.Add(1) before each go statement, defer wg.Done() inside) and start one closer goroutine, go func() { wg.Wait(); close(${chan}) }(), so ${chan} is closed after the last send`;
}
