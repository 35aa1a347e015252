/**
 * Channel facts for the goroutine rules (issue #11), computed once per package and memoised:
 *
 * - function summaries: for a parameter of a package function or method, whether the function
 *   sends on it, receives from it, closes it, or lets it escape (stores it, returns it, hands it
 *   to code it cannot see), following calls to other package functions a few levels deep;
 * - a census of every channel-typed struct field: where it is made, sent on (plainly, or in a
 *   `select` that has a way out), received from (plainly, in a `select`, in a range), closed, set
 *   to nil, and whether it escapes. One-line accessors (`func (r *T) C() <-chan X { return r.c }`)
 *   are followed to the field.
 *
 * Without a type checker every approximation fails toward "escapes", which the rules read as
 * "someone else may handle it" and stay silent.
 */
import { fieldRefs, type FieldKey } from './fields.js';
import { frequencyModel } from './frequency.js';
import type { GoFile } from './go-file.js';
import type { PackageFunc, PackageIndex } from './package-index.js';
import type { SyntaxNode } from './parser.js';
import { enclosingFunction, type Binding } from './scope.js';
import { argumentsOf, isBuiltin, referencesTo, unparen } from './syntax.js';

/** What a function does with one of its channel parameters. */
export interface ChannelUse {
  /** Sends outside a `select` with another case: they wait for a receiver, however long. */
  readonly plainSends: readonly SyntaxNode[];
  /** Sends in a `select` that has another case (a cancellation, a default): they can give up. */
  readonly guardedSends: readonly SyntaxNode[];
  readonly receives: readonly SyntaxNode[];
  readonly closes: readonly SyntaxNode[];
  /** Whether the channel reaches code the analysis cannot see (stored, returned, passed on to another package…). */
  readonly escapes: boolean;
}

const MAX_DEPTH = 3;

const NONE: ChannelUse = { plainSends: [], guardedSends: [], receives: [], closes: [], escapes: false };
const ESCAPES: ChannelUse = { ...NONE, escapes: true };

/** Whether a send statement sits in a `select` with another case (it can give up). */
export function isGuardedSend(send: SyntaxNode): boolean {
  const caseNode = send.parent;
  if (caseNode?.type !== 'communication_case' || caseNode.childForFieldName('communication')?.id !== send.id) return false;
  const select = caseNode.parent;
  return (select?.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case').length ?? 0) > 1;
}

function merge(a: ChannelUse, b: ChannelUse): ChannelUse {
  return {
    plainSends: [...a.plainSends, ...b.plainSends],
    guardedSends: [...a.guardedSends, ...b.guardedSends],
    receives: [...a.receives, ...b.receives],
    closes: [...a.closes, ...b.closes],
    escapes: a.escapes || b.escapes,
  };
}

const summaries = new WeakMap<PackageIndex, Map<string, ChannelUse>>();

/** What `func` does with its parameter number `index` (receiver excluded), following package calls. */
export function parameterUse(pkg: PackageIndex, func: PackageFunc, index: number, depth = 0): ChannelUse {
  let cache = summaries.get(pkg);
  if (!cache) summaries.set(pkg, (cache = new Map()));
  const key = `${func.file.path}:${func.node.startIndex}:${index}`;
  const known = cache.get(key);
  if (known) return known;
  if (depth > MAX_DEPTH) return ESCAPES;
  cache.set(key, ESCAPES); // recursion guard: a cycle escapes
  const params = (func.node.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) =>
    p.type === 'parameter_declaration' || p.type === 'variadic_parameter_declaration' ? p.childrenForFieldName('name') : [],
  );
  const param = params[index];
  const body = func.node.childForFieldName('body');
  let use = ESCAPES;
  if (param && body) {
    const scope = pkg.scopeOf(func.file);
    const binding = scope.resolveIdent(param);
    use = binding ? usesOf(pkg, func.file, binding, body, depth) : ESCAPES;
  }
  cache.set(key, use);
  return use;
}

/**
 * Every use of a channel held by a binding, within `body` (nested function literals included:
 * a goroutine started there still acts on the channel).
 */
export function usesOf(pkg: PackageIndex, file: GoFile, binding: Binding, body: SyntaxNode, depth = 0): ChannelUse {
  const scope = pkg.scopeOf(file);
  let use: ChannelUse = NONE;
  for (const ref of referencesTo(scope, body, binding)) use = merge(use, useOf(pkg, file, ref, depth));
  return use;
}

/** What one mention of a channel does with it. */
export function useOf(pkg: PackageIndex, file: GoFile, ref: SyntaxNode, depth = 0): ChannelUse {
  const scope = pkg.scopeOf(file);
  let node = ref;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return ESCAPES;
  switch (parent.type) {
    case 'send_statement':
      if (parent.childForFieldName('channel')?.id !== node.id) return ESCAPES;
      return isGuardedSend(parent) ? { ...NONE, guardedSends: [parent] } : { ...NONE, plainSends: [parent] };
    case 'unary_expression':
      return parent.childForFieldName('operator')?.text === '<-' ? { ...NONE, receives: [parent] } : ESCAPES;
    case 'range_clause':
      return parent.childForFieldName('right')?.id === node.id ? { ...NONE, receives: [parent] } : ESCAPES;
    case 'argument_list': {
      const call = parent.parent;
      const callee = unparen(call?.childForFieldName('function'));
      if (!call || !callee) return ESCAPES;
      if (isBuiltin(scope, callee, 'close')) return { ...NONE, closes: [call] };
      if (isBuiltin(scope, callee, 'len') || isBuiltin(scope, callee, 'cap')) return NONE;
      const target = calledFunction(pkg, file, callee);
      if (!target) return ESCAPES;
      const index = argumentsOf(call).findIndex((a) => a.id === node.id);
      return index < 0 ? ESCAPES : parameterUse(pkg, target, index, depth + 1);
    }
    case 'binary_expression':
      // `ch == nil`, `ch != nil`: a comparison hands nothing on.
      return NONE;
    case 'expression_list': {
      // Written as a whole (`ch = make(…)`, `ch = nil`): a new value, not a use of this one.
      const holder = parent.parent;
      if (holder?.type === 'assignment_statement' && holder.childForFieldName('left')?.id === parent.id) return NONE;
      return ESCAPES;
    }
    default:
      return ESCAPES;
  }
}

/** The package function or method a callee names (`f`, `x.m` with x's type known), if any. */
export function calledFunction(pkg: PackageIndex, file: GoFile, callee: SyntaxNode): PackageFunc | undefined {
  const scope = pkg.scopeOf(file);
  if (callee.type === 'identifier') return scope.resolveIdent(callee) ? undefined : pkg.funcs.get(callee.text);
  if (callee.type !== 'selector_expression') return undefined;
  const operand = unparen(callee.childForFieldName('operand'));
  if (operand?.type === 'identifier' && file.imports.has(operand.text) && !scope.resolveIdent(operand)) return undefined;
  let type = scope.typeOf(operand);
  if (type.kind === 'pointer') type = type.elem;
  const name = callee.childForFieldName('field')?.text ?? '';
  return type.kind === 'named' ? pkg.method(type.name, name) : undefined;
}

/** One use of a channel field, with the file it is in. */
export interface FieldChannelUse {
  readonly file: GoFile;
  /** The selector `x.f` (or the accessor call `x.C()`), or the keyed element `T{f: …}`. */
  readonly node: SyntaxNode;
  readonly kind: 'make' | 'plainSend' | 'guardedSend' | 'receive' | 'close' | 'nil' | 'escape';
  /** For sends and receives: the send statement, the `<-` expression or the range clause. */
  readonly op?: SyntaxNode;
}

/** The census of one channel field. */
export interface ChannelField {
  readonly key: FieldKey;
  readonly uses: readonly FieldChannelUse[];
  /** Whether the package is the whole world for this field: unexported, or a package nothing imports. */
  readonly closedWorld: boolean;
  /** The capacity of its `make`s when all are constant (0 for unbuffered), else undefined. */
  readonly capacity: number | undefined;
}

const fieldCensus = new WeakMap<PackageIndex, Map<string, ChannelField | null>>();

/** The census of a channel-typed field of a struct declared in the package, or undefined when it is not one. */
export function channelField(pkg: PackageIndex, key: FieldKey): ChannelField | undefined {
  let cache = fieldCensus.get(pkg);
  if (!cache) fieldCensus.set(pkg, (cache = new Map()));
  const id = `${key.typeName}.${key.field}`;
  if (cache.has(id)) return cache.get(id) ?? undefined;
  const census = computeChannelField(pkg, key);
  cache.set(id, census ?? null);
  return census;
}

function computeChannelField(pkg: PackageIndex, key: FieldKey): ChannelField | undefined {
  const decl = pkg.types.get(key.typeName);
  const struct = decl ? pkg.declaredType(key.typeName) : undefined;
  const field = struct?.kind === 'struct' ? struct.fields.find((f) => f.name === key.field) : undefined;
  if (!field || pkg.underlying(field.type).kind !== 'chan') return undefined;
  const uses: FieldChannelUse[] = [];
  const capacities: Array<number | undefined> = [];
  // Test files count (a field only a test receives from is not "never received"), and selectors of
  // unknown or other types with the same field name count too: they can only add uses (silence).
  for (const ref of fieldRefs(pkg, key, { includeTests: true, untyped: true })) {
    if (ref.role === 'write') {
      const value = ref.value ? unparen(ref.value) : null;
      if (value?.type === 'nil') uses.push({ file: ref.file, node: ref.node, kind: 'nil' });
      else if (value?.type === 'call_expression' && isBuiltin(pkg.scopeOf(ref.file), value.childForFieldName('function'), 'make')) {
        uses.push({ file: ref.file, node: ref.node, kind: 'make' });
        capacities.push(capacityOf(pkg, ref.file, value));
      } else uses.push({ file: ref.file, node: ref.node, kind: 'escape' });
      continue;
    }
    uses.push(...selectorUses(pkg, ref.file, ref.node));
  }
  for (const accessor of accessors(pkg, key)) {
    // An accessor other packages can call hands the channel to code the analysis cannot see.
    if (pkg.name !== 'main' && /^\p{Lu}/u.test(accessor.name)) uses.push({ file: accessor.file, node: accessor.node, kind: 'escape' });
    for (const site of frequencyModel(pkg).callSites(accessor)) {
      uses.push(
        ...(site.kind === 'call'
          ? selectorUses(pkg, site.file, site.node)
          : [{ file: site.file, node: site.node, kind: 'escape' as const }]),
      );
    }
  }
  const closedWorld = !/^\p{Lu}/u.test(key.field) || pkg.name === 'main' || pkg.files.every((f) => /(?:^|\/)internal\//.test(f.path));
  const capacity = capacities.length > 0 && capacities.every((c) => c !== undefined) ? Math.max(...(capacities as number[])) : undefined;
  return { key, uses, closedWorld, capacity };
}

/** The uses of a field reached through a selector (or an accessor call) at `node`. */
function selectorUses(pkg: PackageIndex, file: GoFile, node: SyntaxNode): FieldChannelUse[] {
  const use = useOf(pkg, file, node);
  const out: FieldChannelUse[] = [];
  for (const op of use.plainSends) out.push({ file, node, kind: 'plainSend', op });
  for (const op of use.guardedSends) out.push({ file, node, kind: 'guardedSend', op });
  for (const op of use.receives) out.push({ file, node, kind: 'receive', op });
  for (const op of use.closes) out.push({ file, node, kind: 'close', op });
  const parent = node.parent;
  const isMethodAccess = parent?.type === 'selector_expression' && parent.childForFieldName('operand')?.id === node.id;
  if (use.escapes && !isMethodAccess) out.push({ file, node, kind: 'escape' });
  return out;
}

/** `make(chan T, n)`: n when constant, 0 without it; undefined when not constant. */
function capacityOf(pkg: PackageIndex, file: GoFile, make: SyntaxNode): number | undefined {
  const args = argumentsOf(make);
  if (args.length < 2) return 0;
  const n = unparen(args[1]);
  if (n?.type === 'int_literal') return Number(n.text.replace(/_/g, ''));
  if (n?.type === 'identifier' && pkg.consts.has(n.text) && !pkg.scopeOf(file).resolveIdent(n)) return undefined;
  return undefined;
}

/** Methods of the field's type whose whole body is `return r.f`. */
function accessors(pkg: PackageIndex, key: FieldKey): PackageFunc[] {
  return (pkg.methods.get(key.typeName) ?? []).filter((m) => {
    const body = m.node.childForFieldName('body');
    const statements = body?.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment');
    const only = statements?.length === 1 ? statements[0] : undefined;
    if (only?.type !== 'return_statement') return false;
    const value = unparen(only.namedChildren[0]?.namedChildren[0]);
    return value?.type === 'selector_expression' && value.childForFieldName('field')?.text === key.field;
  });
}

/** The channel field a selector `x.f` names, when x's type is a struct declared in the package. */
export function channelFieldOf(pkg: PackageIndex, file: GoFile, selector: SyntaxNode | null | undefined): ChannelField | undefined {
  const s = unparen(selector);
  if (s?.type !== 'selector_expression') return undefined;
  let type = pkg.scopeOf(file).typeOf(unparen(s.childForFieldName('operand')));
  if (type.kind === 'pointer') type = type.elem;
  const field = s.childForFieldName('field')?.text;
  return type.kind === 'named' && field && pkg.types.has(type.name) ? channelField(pkg, { typeName: type.name, field }) : undefined;
}

/** The function (declaration or literal) a use sits in. */
export function functionOf(use: FieldChannelUse): SyntaxNode | null {
  return enclosingFunction(use.op ?? use.node);
}
