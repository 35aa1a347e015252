import type { GoFile } from '../../analysis/go-file.js';
import { atLeast, type GoVersion } from '../../analysis/go-version.js';
import type { Fix, TextEdit } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { fieldRefs, type FieldKey } from '../../analysis/fields.js';
import { frequencyModel } from '../../analysis/frequency.js';
import { lifetimeModel, outlivesCalls, type Lifetime, type LifetimeEvidence, type LifetimeModel } from '../../analysis/lifetime.js';
import type { Confidence } from '../../model.js';
import { receiverOf } from '../../analysis/package-index.js';
import { enclosingDeclaration, enclosingFunction, type Binding, type Scope } from '../../analysis/scope.js';
import { isTestCode } from '../../analysis/test-code.js';
import type { GoType } from '../../analysis/types.js';
import { replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { builtinVisible, isSimplePath, pathKey, stdImport, writtenOnce } from '../shared/residue.js';
import {
  argumentsOf,
  builtinCallsIn,
  insideFuncLiteral,
  isBuiltin,
  normalizeText,
  referencesTo,
  someInSameFunction,
  unparen,
  walk,
} from '../../analysis/syntax.js';

/** The four ways of removing elements RULES.md names. */
type ShapeKind = 'pop' | 'dequeue' | 'dequeueN' | 'delete' | 'reset';

/** A truncating assignment `s = …` and what it removes. */
interface Shape {
  readonly kind: ShapeKind;
  /** The slice written: `s`, `q.items`, `*s`. */
  readonly target: SyntaxNode;
  /** pathKey of the target. */
  readonly key: string;
  /** pop: the index of the removed element as written (`len(s)-1`, `n-1`). */
  readonly last?: SyntaxNode;
  /** delete: the index `i` and the `i+1` of `append(s[:i], s[i+1:]...)`. */
  readonly at?: SyntaxNode;
  readonly next?: SyntaxNode;
  /** dequeueN: the number of elements dropped (`n` of `s = s[n:]`). */
  readonly count?: SyntaxNode;
}

/** How many statements before a truncation are searched for the zeroing of the removed slots. */
const LOOK_BACK = 3;

/**
 * The `= s[`, `= append(s[` or `= (*p)[` of a plain assignment (s an identifier or a field path):
 * every truncation shape contains it. The search starts only at `=` signs, and the tree confirms
 * an assignment_statement; `truncation` then checks that the target is the slice itself.
 */
const TRUNCATING_ASSIGNMENT =
  /(?<![=!<>:+\-*/%&|^])=(?!=)[ \t]*(?:append[ \t]*\([ \t]*)?\(?[ \t]*(\*?)[ \t]*([A-Za-z_\u0080-\uffff][\w.\u0080-\uffff]*)[ \t]*\)?[ \t]*\[/g;

/** Whether the text left of the `=` (on its line) is the sliced operand itself: `s = s[`, `*p = (*p)[`. */
function assignsToOperand(source: string, match: RegExpMatchArray): boolean {
  const at = match.index ?? 0;
  const left = source.slice(source.lastIndexOf('\n', at) + 1, at).replace(/[\s;{]+/g, '');
  return left.endsWith(`${match[1] ?? ''}${match[2] ?? ''}`) && left.length > 0;
}

export default defineRule({
  id: 'pointer-slice-stale-element',
  meta: {
    title: 'removed pointer element stays reachable via the array',
    family: 'residue',
    severity: 'warning',
    confidence: 'medium',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      pop: '{{slice}} drops its last element without clearing the slot; the backing array keeps what it points to reachable until the slot is overwritten',
      dequeue:
        '{{slice}} drops its first element without clearing the slot; the backing array keeps what it points to reachable until append moves the slice to a new array',
      dequeueN:
        '{{slice}} drops its first {{count}} elements without clearing their slots; the backing array keeps what they point to reachable until append moves the slice to a new array',
      delete:
        'deleting from {{slice}} with append leaves the old last element in the slot past the new length; the backing array keeps it reachable even after it is removed from the slice',
      reset:
        '{{slice}} is truncated to length 0 without clearing its elements; the backing array keeps everything they point to reachable until the slots are overwritten',
    },
    hint: 'Zero the removed slots before truncating (s[len(s)-1] = nil, s[0] = nil, clear(s)), or delete with slices.Delete on Go 1.22+, which zeroes the vacated tail',
    docs: {
      description:
        'Re-slicing never frees anything: `s = s[:len(s)-1]` (pop), `s = s[1:]` (dequeue), `s = append(s[:i], s[i+1:]...)` (delete) and `s = s[:0]` (reset) only change the slice header, and the removed slots of the backing array keep their old values. When the elements are pointers (or slices, maps, channels, functions, interfaces, or structs holding any of these), the garbage collector still sees those values through the array, so every object a stack, queue or list ever removed stays reachable until its slot happens to be overwritten, or, for a dequeued slot, for as long as the array lives. A delete with `append` additionally leaves a copy of the old last element past the new length. Zeroing the slot before truncating (`s[len(s)-1] = nil`) lets the objects go.',
      bad: 'type Stack struct{ items []*Node }\n\nfunc (s *Stack) Pop() *Node {\n\tn := s.items[len(s.items)-1]\n\ts.items = s.items[:len(s.items)-1] // the slot still points to n\n\treturn n\n}',
      good: 'type Stack struct{ items []*Node }\n\nfunc (s *Stack) Pop() *Node {\n\tn := s.items[len(s.items)-1]\n\ts.items[len(s.items)-1] = nil\n\ts.items = s.items[:len(s.items)-1]\n\treturn n\n}',
      confidence:
        "High when the slice's owner outlives every call: a package-level variable, or a value of a type the lifetime model finds long-lived (held by a package-level variable, built by start-up code or handed to a global, or a field of such a value). Medium for the Pop of a `container/heap` implementation, whose callers often push right back. Low when nothing says how long the owner lives (an exported type made elsewhere, a returned local: on real code these are mostly per-call values) or the elements are signal channels (`chan struct{}`).",
      notReported: [
        "Slices that die with the call: locals the function does not return (`stack = stack[:len(stack)-1]` on a worklist), parameters (the caller's slice keeps its array anyway, and zeroing would change the caller's data: a cursor `b = b[1:]` retains nothing new), and fields of values the package makes per call (the lifetime model finds most of their constructions are locals that are never stored, returned or passed on). Test code is not reported: `_test.go` files and test-support packages.",
        "Slices borrowed without a copy: a field the package sets from a parameter or from another value's slice (`r.bufs = bufs`): the array is someone else's, and zeroing would corrupt their data.",
        'Slots recycled on purpose: a reset (`s = s[:0]`) that the same function refills (`s = append(s, …)`), clears or sets to nil afterwards, or a field the package re-extends over its old slots (`s = s[:k+1]`, `s = s[:cap(s)]`).',
        'Pointees that stay reachable anyway: every value appended to the field is also stored elsewhere by the same function (another slice, a map, a field).',
        'Slots refilled at once: an element read just before the removal and appended back later in the function (a retry after a failed send), and the Pop of a container/heap implementation whose every `heap.Pop` in the package pushes the element back.',
        'Lists released by design: a field also reset to nil outside a teardown (a per-message list), a sliding window trimmed only once it reached a bound (`if len(s) >= max { s = s[1:] }`), and truncations in Close, Stop, Shutdown, Destroy… or in functions only those call (the owner is going away).',
        'A comment on the truncation or the two lines above saying the array is kept on purpose (reuse, retaining or keeping its capacity, avoiding allocations).',
        'Element types without pointers (`[]int`, structs of numbers): a stale slot keeps nothing else alive. `[]string` is not reported either: leakhound counts string bytes as pointer-free, as all its rules do.',
        'Element types the syntax does not settle: type parameters, and structs from other packages (such as `time.Time`, whose only pointer is a shared `*time.Location`); pointers to them (`[]*http.Request`) are reported.',
        'Truncations already preceded (within three statements) by the zeroing of the removed slot (`s[len(s)-1] = nil`, `s[0] = nil`, `clear(s)`, a loop assigning `s[i]`) or by taking its address (`e := &s[0]; s = s[1:]` hands the slot out of an arena, it is still in use), and pops or deletes followed directly by `s = append(s, …)`, which refills the vacated slot.',
        'Slices reached through calls or index expressions (`get().items`, `qs[i]`), and truncations of another slice (`s = old[:n-1]`, as in container/heap examples, which zero `old[n-1]` themselves).',
        'Other shapes: popping k > 1 elements (`s[:len(s)-k]`), `s[k:]` with a literal k > 1 (a variable-length prefix `s[n:]` is reported), three-index slices, and truncations outside a block (a `for` clause update), where the zeroing cannot be checked or placed.',
        '`s = s[:n-1]` when `n` is not a local written once as `len(s)`.',
        'No suggestion (a hint instead) for anonymous struct or array element types and generic element types, whose zero value has no short spelling, or for a truncation that shares its line with other code.',
        'No suggestion for a removal inside a range loop over the same slice that goes on afterwards: zeroing the vacated slot (as slices.Delete does) would hand a zero element to the later iterations; the hint says how to restructure the loop.',
      ],
      versions:
        'The suggestion depends on the `go` directive. A pop or dequeue always gets the zeroing line (`s[len(s)-1] = nil`, `s[0] = nil`; `s[i] = T{}` for a struct or array element type T). A dropped prefix (`s = s[n:]`) gets `clear(s[:n])` before it on Go 1.21 and later, else a zeroing loop over `s[:n]`. A reset gets `clear(s)` before it on Go 1.21 and later, else a `for i := range s { s[i] = nil }` loop. A delete becomes `s = slices.Delete(s, i, i+1)` on Go 1.22 and later (Go 1.22 made slices.Delete zero the vacated tail; the import is added), else `copy(s[i:], s[i+1:])`, the zeroing of the last slot and `s = s[:len(s)-1]`. When the version is unknown the version-neutral forms are used. The severity does not depend on the version.',
    },
  },
  nodeTypes: [],
  check({ file, scope, pkg, goVersion, report }) {
    if (isTestCode(file)) return;
    const lifetimes = lifetimeModel(pkg);
    for (const statement of file.nodesMatching(TRUNCATING_ASSIGNMENT, 'assignment_statement', (m) => assignsToOperand(file.source, m))) {
      if (statement.parent?.type !== 'statement_list') continue;
      const shape = truncation(scope, statement);
      if (!shape) continue;
      const elem = elementType(scope, pkg, shape.target);
      if (!elem || elem.kind === 'qualified' || pkg.holdsPointers(elem) !== 'yes') continue;
      if (zeroedBefore(scope, statement, shape) || refilledAfter(scope, statement, shape)) continue;
      // A local or parameter (a cheap question) first, then the shapes, the lifetime of a field's
      // owner (the costly question) last.
      const target = unparen(shape.target);
      const local = target?.type === 'identifier' ? ownerLifetime(file, scope, lifetimes, target) : undefined;
      if (local?.lifetime === 'call' || silenced(file, scope, pkg, statement, shape)) continue;
      const owner = local ?? ownerLifetime(file, scope, lifetimes, shape.target);
      if (owner.lifetime === 'call') continue;
      const inRange = rangesOver(statement, shape.key);
      report({
        node: statement,
        messageId: shape.kind,
        data: { slice: shape.target.text, count: shape.count?.text ?? '' },
        fix: inRange ? null : makeFix(file, scope, pkg, statement, shape, elem, goVersion),
        confidence: confidenceOf(pkg, statement, elem, owner.lifetime),
        ...(inRange ? { hint: RANGE_NOTE } : {}),
      });
    }
  },
});

const RANGE_NOTE =
  'The removal sits in a range loop over the same slice that goes on afterwards: zeroing the vacated slot (as slices.Delete does) would hand a zero element to the later iterations, so restructure the loop (slices.DeleteFunc) or clear the tail after it';

/**
 * Who owns the truncated slice and how long it lives. A package-level variable is a root; a field
 * lives as long as its owner (the lifetime model); a parameter is the caller's slice, whose array
 * the caller keeps anyway (a cursor over it retains nothing new, and zeroing would mutate the
 * caller's data), so it counts as dying with the call. A local outlives the call only when returned.
 */
function ownerLifetime(file: GoFile, scope: Scope, lifetimes: LifetimeModel, target: SyntaxNode): LifetimeEvidence {
  const t = unparen(target);
  if (t?.type === 'identifier') {
    const binding = scope.resolveIdent(t);
    if (!binding) return CALL;
    if (binding.kind === 'package') return { lifetime: 'process', why: `package-level variable ${binding.name}` };
    if (binding.kind !== 'local' || binding.range) return CALL;
    return returnedLocal(scope, t, binding) ? { lifetime: 'unknown', why: `${binding.name} is returned` } : CALL;
  }
  if (t?.type === 'unary_expression') {
    // `*q = (*q)[1:]`: the value q points to.
    const operand = unparen(t.childForFieldName('operand'));
    const binding = operand?.type === 'identifier' ? scope.resolveIdent(operand) : undefined;
    if (binding?.kind === 'package') return { lifetime: 'process', why: `package-level variable ${binding.name}` };
    const type = scope.typeOf(operand);
    const named = type.kind === 'pointer' && type.elem.kind === 'named' ? type.elem.name : undefined;
    return named ? lifetimes.typeLifetime(named) : { lifetime: 'unknown', why: 'the pointer comes from elsewhere' };
  }
  return lifetimes.ownerOf(file, target);
}

const CALL: LifetimeEvidence = { lifetime: 'call', why: 'dies with the call' };

function returnedLocal(scope: Scope, ident: SyntaxNode, binding: Binding): boolean {
  const body = enclosingFunction(ident)?.childForFieldName('body');
  if (!body) return false;
  // `return …, s, …` in the function itself (not in a function literal inside it).
  return referencesTo(scope, body, binding).some(
    (ref) => ref.parent?.type === 'expression_list' && ref.parent.parent?.type === 'return_statement' && !insideFuncLiteral(ref, body),
  );
}

/**
 * Shapes where the stale slot retains nothing worth a review comment (issue #9):
 * - the slice is borrowed: the package stores a parameter or another value's slice in the same
 *   field without copying, so the array is someone else's (and zeroing would corrupt their data);
 * - a reset whose slots the same function refills or clears afterwards (a scratch buffer);
 * - a reset or pop of a field the package re-extends (`s = s[:k]`): slots recycled on purpose;
 * - every element appended to the field is also stored elsewhere by the same code;
 * - the field is also reset to nil (outside a teardown): a per-message or per-batch list whose
 *   array is released when the message ends;
 * - the truncation is part of tearing the owner down (Close, Stop, Shutdown…);
 * - a sliding window: the removal runs only once the slice reached a bound (`if len(s) >= max`),
 *   so the retention is bounded by it and the next append soon moves the slice to a new array;
 * - a comment at the truncation says the array is kept on purpose (reuse, capacity, allocations);
 * - a heap.Interface Pop whose every `heap.Pop` in the package pushes the element back.
 */
function silenced(file: GoFile, scope: Scope, pkg: PackageIndex, statement: SyntaxNode, shape: Shape): boolean {
  const field = fieldOf(scope, pkg, shape.target);
  if (field && fieldFacts(pkg, field).borrowed) return true;
  if (shape.kind === 'reset' && reusedAfter(scope, statement, shape.key)) return true;
  if ((shape.kind === 'reset' || shape.kind === 'pop') && field && fieldFacts(pkg, field).reextended) return true;
  if (field && (fieldFacts(pkg, field).heldElsewhere || fieldFacts(pkg, field).resetToNil)) return true;
  if (boundedWindow(statement, shape.key) || explainedByComment(file, statement)) return true;
  if (isHeapPop(pkg, statement) && heapPopsArePushedBack(pkg, receiverOf(enclosingDeclaration(statement) ?? statement)?.typeName ?? ''))
    return true;
  return inTeardown(file, pkg, statement);
}

/**
 * High when the owner outlives every call (a package-level variable, a long-lived value); medium
 * for a heap.Interface Pop, whose callers often push right back. Low when nothing says how long
 * the owner lives (an exported type used elsewhere, a returned local: on real code these are
 * mostly per-call values), or the elements are signal channels (`chan struct{}`), small objects.
 */
function confidenceOf(pkg: PackageIndex, statement: SyntaxNode, elem: GoType, owner: Lifetime): Confidence {
  if (!outlivesCalls(owner) || isSignalChannel(pkg, elem)) return 'low';
  return isHeapPop(pkg, statement) ? 'medium' : 'high';
}

/** The field a truncated path names (`q.items`: field items of q's type), when q's type is declared in the package. */
function fieldOf(scope: Scope, pkg: PackageIndex, target: SyntaxNode): FieldKey | undefined {
  const t = unparen(target);
  if (t?.type !== 'selector_expression') return undefined;
  let type = scope.typeOf(unparen(t.childForFieldName('operand')));
  if (type.kind === 'pointer') type = type.elem;
  const field = t.childForFieldName('field')?.text;
  return type.kind === 'named' && pkg.types.has(type.name) && field ? { typeName: type.name, field } : undefined;
}

/** What the package does with a slice field, for the silences and the confidence. */
interface FieldFacts {
  /** Set from a parameter or another value's slice without a copy: the array is shared. */
  readonly borrowed: boolean;
  /** Re-sliced upwards somewhere (`s = s[:k+1]`, `s = s[:cap(s)]`): slots recycled on purpose. */
  readonly reextended: boolean;
  /** Every value appended to it is stored elsewhere by the same function as well. */
  readonly heldElsewhere: boolean;
  /** Set to nil somewhere other than a teardown: the array is released when a batch or message ends. */
  readonly resetToNil: boolean;
}

const factsCache = new WeakMap<PackageIndex, Map<string, FieldFacts>>();

function fieldFacts(pkg: PackageIndex, key: FieldKey): FieldFacts {
  let byField = factsCache.get(pkg);
  if (!byField) factsCache.set(pkg, (byField = new Map()));
  const id = `${key.typeName}.${key.field}`;
  let facts = byField.get(id);
  if (!facts) {
    // Reads say nothing about the facts below: only writes, appends and re-slices are gathered.
    const refs = fieldRefs(pkg, key, { writesOnly: true });
    const appends = refs.filter((r) => r.role === 'append');
    facts = {
      borrowed: refs.some((r) => r.role === 'write' && r.value !== undefined && isBorrowedValue(pkg.scopeOf(r.file), r.value)),
      reextended: refs.some((r) => r.role === 'reslice' && isReextension(r.value)),
      heldElsewhere: appends.length > 0 && appends.every((r) => appendedValuesHeldElsewhere(pkg.scopeOf(r.file), r.node, r.value)),
      resetToNil: refs.some(
        (r) =>
          r.role === 'write' &&
          r.value?.type === 'nil' &&
          !TEARDOWN.test(enclosingDeclaration(r.node)?.childForFieldName('name')?.text ?? ''),
      ),
    };
    byField.set(id, facts);
  }
  return facts;
}

/** A parameter, a field or element of another value, or a subslice of one: not an array of its own. */
function isBorrowedValue(scope: Scope, value: SyntaxNode): boolean {
  const v = unparen(value);
  if (!v) return false;
  if (v.type === 'identifier') {
    const binding = scope.resolveIdent(v);
    return binding?.kind === 'param' || binding?.kind === 'receiver';
  }
  if (v.type === 'selector_expression' || v.type === 'index_expression') return true;
  if (v.type === 'slice_expression') return isBorrowedValue(scope, v.childForFieldName('operand') ?? v);
  return false;
}

/** `s[:k+1]`, `s[:cap(s)]`, `s[:n+m]`: a re-slice that grows the length back over old slots. */
function isReextension(value: SyntaxNode | undefined): boolean {
  if (value?.type !== 'slice_expression' || value.childForFieldName('start')) return false;
  const end = value.childForFieldName('end')?.text ?? '';
  return /\+|\bcap\s*\(/.test(end);
}

/**
 * For `x.f = append(x.f, v…)`: whether every appended identifier is also stored elsewhere by the
 * same function (appended to another slice, put in a map, assigned to a field): the pointee stays
 * reachable through that other holder whatever happens to this slot.
 */
function appendedValuesHeldElsewhere(scope: Scope, selector: SyntaxNode, call: SyntaxNode | undefined): boolean {
  if (!call) return false;
  const values = argumentsOf(call).slice(1);
  const func = enclosingFunction(selector);
  const body = func?.childForFieldName('body');
  if (values.length === 0 || !body) return false;
  const statement = selector.parent?.parent;
  return values.every((value) => {
    const v = unparen(value);
    if (v?.type !== 'identifier') return false;
    const binding = scope.resolveIdent(v);
    if (!binding) return false;
    return referencesTo(scope, body, binding).some((ref) => {
      if (statement && ref.startIndex >= statement.startIndex && ref.endIndex <= statement.endIndex) return false;
      const parent = ref.parent;
      // `m[k] = v`, `y.g = v`, `other = append(other, v)`.
      if (parent?.type === 'argument_list') {
        const outer = parent.parent;
        return !!outer && isBuiltin(scope, outer.childForFieldName('function'), 'append') && argumentsOf(outer)[0]?.id !== ref.id;
      }
      if (parent?.type !== 'expression_list') return false;
      const assignment = parent.parent;
      if (assignment?.type !== 'assignment_statement' || assignment.childForFieldName('right')?.id !== parent.id) return false;
      const left = assignment.childForFieldName('left')?.namedChildren ?? [];
      return left.some((l) => l.type === 'index_expression' || l.type === 'selector_expression');
    });
  });
}

/** After a reset, the same function refills the slice (`s = append(s, …)`), clears it, or sets it to nil. */
function reusedAfter(scope: Scope, statement: SyntaxNode, key: string): boolean {
  const body = enclosingFunction(statement)?.childForFieldName('body');
  if (!body) return false;
  return someInSameFunction(body, (node) => {
    if (node.startIndex < statement.endIndex) return false;
    if (node.type === 'call_expression' && isBuiltin(scope, node.childForFieldName('function'), 'clear'))
      return pathKey(sliceOperandOrSelf(argumentsOf(node)[0])) === key;
    if (node.type !== 'assignment_statement' || node.childForFieldName('operator')?.text !== '=') return false;
    const left = node.childForFieldName('left')?.namedChildren ?? [];
    const right = node.childForFieldName('right')?.namedChildren ?? [];
    if (left.length !== 1 || pathKey(left[0]) !== key) return false;
    const value = unparen(right[0]);
    if (value?.type === 'nil') return true;
    return (
      value?.type === 'call_expression' &&
      isBuiltin(scope, value.childForFieldName('function'), 'append') &&
      pathKey(argumentsOf(value)[0]) === key
    );
  });
}

function sliceOperandOrSelf(node: SyntaxNode | undefined): SyntaxNode | null {
  const n = unparen(node);
  return n?.type === 'slice_expression' ? n.childForFieldName('operand') : n;
}

/** Methods that tear their receiver down: Close, Stop, Shutdown… (also …Locked, …All). */
const TEARDOWN = /^(?:[Cc]lose|[Ss]top|[Ss]hutdown|[Dd]estroy|[Dd]ispose|[Tt]ear[Dd]own|[Tt]erminate)(?:Locked|All)?$/;

/** Whether a declaration is a teardown method (a method, named like one). */
function isTeardown(decl: SyntaxNode | null): boolean {
  return decl?.type === 'method_declaration' && TEARDOWN.test(decl.childForFieldName('name')?.text ?? '');
}

/** `if len(s) >= max { s = s[1:] }`: the removal is guarded by a bound other than emptiness. */
function boundedWindow(statement: SyntaxNode, key: string): boolean {
  for (
    let n = statement.parent;
    n && n.type !== 'function_declaration' && n.type !== 'method_declaration' && n.type !== 'func_literal';
    n = n.parent
  ) {
    if (n.type !== 'if_statement') continue;
    const condition = normalizeText(n.childForFieldName('condition')?.text ?? '');
    const match = new RegExp(`len\\(${escapeRegExp(key)}\\)(>=|>|==)(.+)$`).exec(condition);
    if (match && !/^0$/.test(match[2] ?? '')) return true;
  }
  return false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Words of a comment saying the array is kept on purpose: reuse it, keep or retain its capacity, avoid allocations. */
const INTENT =
  /\b(?:reus\w*|recycl\w*|(?:retain|keep)\w* (?:the |its |our )?(?:backing )?(?:array|capacity|storage|memory|allocation)|avoid\w* (?:re)?alloc\w*)\b/i;

/** A comment on the line or the two lines above that says the array is kept on purpose. */
function explainedByComment(file: GoFile, statement: SyntaxNode): boolean {
  const line = file.line(statement);
  for (let l = Math.max(1, line - 2); l <= line; l++) {
    const text = file.lineText(l);
    const comment = text.slice(text.indexOf('//') >= 0 ? text.indexOf('//') : text.length);
    if (INTENT.test(comment)) return true;
  }
  return false;
}

/**
 * Whether every `heap.Pop(x)` of the package on a heap of type `typeName` (or of a type the syntax
 * does not settle) is followed, in the same block, by `heap.Push(x, v)` of the popped value: the
 * slot a Pop empties is refilled at once.
 */
function heapPopsArePushedBack(pkg: PackageIndex, typeName: string): boolean {
  let pops = 0;
  for (const file of pkg.files) {
    if (file.path.endsWith('_test.go')) continue;
    for (const call of file.nodesMatching(/\bheap\s*\.\s*Pop\s*\(/g, 'call_expression')) {
      if (!file.isQualified(call.childForFieldName('function'), 'container/heap', 'Pop')) continue;
      let heapType = pkg.scopeOf(file).typeOf(unparen(argumentsOf(call)[0]));
      if (heapType.kind === 'pointer') heapType = heapType.elem;
      if (heapType.kind === 'named' && heapType.name !== typeName) continue;
      pops++;
      let value: SyntaxNode = call;
      while (value.parent?.type === 'type_assertion_expression' || value.parent?.type === 'parenthesized_expression') value = value.parent;
      const holder = value.parent?.type === 'expression_list' ? value.parent.parent : value.parent;
      const taken = holder?.childForFieldName('left')?.namedChildren[0]?.text;
      let pushed = false;
      for (let s = holder?.nextNamedSibling; s && !pushed; s = s.nextNamedSibling) {
        const push = /^heap\s*\.\s*Push\s*\(([^,]+),\s*([\w.]+)\s*\)$/.exec(s.text.trim());
        if (push && taken !== undefined && push[2] === taken) pushed = true;
      }
      if (!pushed) return false;
    }
  }
  return pops > 0;
}

/** Whether the truncation runs while the owner is torn down: in Close/Stop/Shutdown…, or in a function only those call. */
function inTeardown(file: GoFile, pkg: PackageIndex, statement: SyntaxNode): boolean {
  const decl = enclosingDeclaration(statement);
  if (isTeardown(decl)) return true;
  const func = decl ? pkg.funcDeclaredAt(file, decl) : undefined;
  if (!func) return false;
  const sites = frequencyModel(pkg)
    .callSites(func)
    .filter((site) => !site.file.path.endsWith('_test.go'));
  return sites.length > 0 && sites.every((site) => isTeardown(enclosingDeclaration(site.node)));
}

/** Whether the statement sits in a `for … range s` over the same slice that goes on after it (no break or return right after). */
function rangesOver(statement: SyntaxNode, key: string): boolean {
  const func = enclosingFunction(statement);
  for (let n = statement.parent; n && n.id !== func?.id; n = n.parent) {
    if (n.type !== 'for_statement') continue;
    const clause = n.namedChildren.find((c) => c.type === 'range_clause');
    if (!clause || pathKey(clause.childForFieldName('right')) !== key) continue;
    let next = statement.nextNamedSibling;
    while (next?.type === 'comment') next = next.nextNamedSibling;
    return !(next && (next.type === 'break_statement' || next.type === 'return_statement'));
  }
  return false;
}

/** `chan struct{}` and `chan bool` elements: signals whose channel is a small object. */
function isSignalChannel(pkg: PackageIndex, elem: GoType): boolean {
  const u = pkg.underlying(elem);
  if (u.kind !== 'chan') return false;
  const inner = pkg.underlying(u.elem);
  return (inner.kind === 'struct' && inner.fields.length === 0) || (inner.kind === 'basic' && inner.name === 'bool');
}

/** The Pop method of a container/heap implementation (`Pop() any` next to Len, Less, Swap and Push). */
function isHeapPop(pkg: PackageIndex, statement: SyntaxNode): boolean {
  const decl = enclosingDeclaration(statement);
  if (decl?.type !== 'method_declaration' || decl.childForFieldName('name')?.text !== 'Pop') return false;
  const receiver = receiverOf(decl)?.typeName;
  const methods = new Set((receiver ? pkg.methods.get(receiver) : undefined)?.map((m) => m.name));
  return ['Len', 'Less', 'Swap', 'Push'].every((m) => methods.has(m));
}

/** Recognises `s = s[:len(s)-1]`, `s = s[:n-1]`, `s = s[1:]`, `s = append(s[:i], s[i+1:]...)` and `s = s[:0]`. */
function truncation(scope: Scope, statement: SyntaxNode): Shape | undefined {
  if (statement.childForFieldName('operator')?.text !== '=') return undefined;
  const left = statement.childForFieldName('left')?.namedChildren ?? [];
  const right = statement.childForFieldName('right')?.namedChildren ?? [];
  const target = left[0];
  const value = unparen(right[0]);
  if (left.length !== 1 || right.length !== 1 || !target || !value || !isSimplePath(target)) return undefined;
  const key = pathKey(target);
  if (value.type === 'slice_expression') {
    const parts = sliceOf(value, key);
    if (!parts) return undefined;
    const { start, end } = parts;
    const fromZero = !start || isZero(start);
    if (end && fromZero && isZero(end)) return { kind: 'reset', target, key };
    if (end && fromZero && isLastIndex(scope, end, key)) return { kind: 'pop', target, key, last: end };
    if (!end && start?.type === 'int_literal' && start.text === '1') return { kind: 'dequeue', target, key };
    // `s = s[n:]` drops a variable-length prefix: the dropped slots stay in the array the same way.
    if (!end && start && isPlainCount(start, key)) return { kind: 'dequeueN', target, key, count: start };
    return undefined;
  }
  const fn = value.type === 'call_expression' ? value.childForFieldName('function') : null;
  if (fn?.type === 'identifier' && fn.text === 'append') {
    const args = argumentsOf(value);
    const head = unparen(args[0]);
    const spread = args[1];
    if (args.length !== 2 || head?.type !== 'slice_expression' || spread?.type !== 'variadic_argument') return undefined;
    const tail = unparen(spread.namedChildren[0]);
    const first = sliceOf(head, key);
    const second = tail?.type === 'slice_expression' ? sliceOf(tail, key) : undefined;
    if (!first?.end || (first.start && !isZero(first.start)) || !second?.start || second.end) return undefined;
    const next = second.start;
    if (next.type !== 'binary_expression' || next.childForFieldName('operator')?.text !== '+') return undefined;
    const plus = unparen(next.childForFieldName('right'));
    const base = unparen(next.childForFieldName('left'));
    if (plus?.text !== '1' || !base || normalizeText(base.text) !== normalizeText(first.end.text)) return undefined;
    return isBuiltin(scope, fn, 'append') ? { kind: 'delete', target, key, at: first.end, next } : undefined;
  }
  return undefined;
}

/** A count without side effects that is not a constant or a length (`n`, `i+1`, `q.head`), for `s = s[n:]`. */
function isPlainCount(start: SyntaxNode, key: string): boolean {
  if (start.type === 'int_literal' || /\(/.test(start.text)) return false;
  if (normalizeText(start.text).includes(`len(${key})`)) return false;
  return /^[\w.+\-* ]+$/.test(start.text);
}

/** The start and end of `x[a:b]` when x is the path `key` and there is no capacity. */
function sliceOf(slice: SyntaxNode, key: string): { start: SyntaxNode | null; end: SyntaxNode | null } | undefined {
  if (pathKey(slice.childForFieldName('operand')) !== key || slice.childForFieldName('capacity')) return undefined;
  return { start: unparen(slice.childForFieldName('start')), end: unparen(slice.childForFieldName('end')) };
}

function isZero(node: SyntaxNode): boolean {
  return node.type === 'int_literal' && /^0+$/.test(node.text);
}

/** `len(s)-1`, or `n-1` where n is a local written once, as `len(s)`. */
function isLastIndex(scope: Scope, expr: SyntaxNode, key: string): boolean {
  const e = unparen(expr);
  if (e?.type !== 'binary_expression' || e.childForFieldName('operator')?.text !== '-') return false;
  if (unparen(e.childForFieldName('right'))?.text !== '1') return false;
  const left = unparen(e.childForFieldName('left'));
  if (!left) return false;
  if (isLenOf(scope, left, key)) return true;
  if (left.type !== 'identifier') return false;
  const binding = scope.resolveIdent(left);
  if (!binding || binding.kind !== 'local' || !binding.valueNode) return false;
  const value = unparen(binding.valueNode);
  return !!value && isLenOf(scope, value, key) && writtenOnce(scope, binding);
}

function isLenOf(scope: Scope, call: SyntaxNode, key: string): boolean {
  if (call.type !== 'call_expression') return false;
  const fn = call.childForFieldName('function');
  if (fn?.text !== 'len') return false;
  const args = argumentsOf(call);
  // The scope lookup behind isBuiltin is the costly part: only once the shape matches.
  return args.length === 1 && pathKey(args[0]) === key && isBuiltin(scope, fn, 'len');
}

/** The element type of the slice a path denotes, when the syntax settles it. */
function elementType(scope: Scope, pkg: PackageIndex, target: SyntaxNode): GoType | undefined {
  const type = pkg.underlying(scope.typeOf(unparen(target)));
  return type.kind === 'slice' ? type.elem : undefined;
}

/** Whether one of the few statements before the truncation zeroes the removed slots, or takes the address of one. */
function zeroedBefore(scope: Scope, statement: SyntaxNode, shape: Shape): boolean {
  if (shape.kind === 'delete') return false;
  let seen = 0;
  for (let s = statement.previousNamedSibling; s && seen < LOOK_BACK; s = s.previousNamedSibling) {
    if (s.type === 'comment') continue;
    seen++;
    if (clearsTarget(scope, s, shape.key)) return true;
    // `e := &s[0]; s = s[1:]` hands the slot out (an arena), it does not remove it.
    if (
      normalizeText(s.text)
        .replace(/\(\*([\w.]+)\)/g, '*$1')
        .includes(`&${shape.key}[`)
    )
      return true;
    if ((shape.kind === 'reset' || shape.kind === 'dequeueN') && s.type === 'for_statement' && assignsElementIn(s, shape.key)) return true;
    // `s[0].next = nil`: the removed element's pointer is cleared in place.
    if (clearsFieldOfElement(s, shape.key)) return true;
    const index = assignedIndex(s, shape.key);
    if (!index) continue;
    if (shape.kind === 'dequeue' && isZero(index)) return true;
    if (
      shape.kind === 'pop' &&
      (isLastIndex(scope, index, shape.key) || normalizeText(index.text) === normalizeText(shape.last?.text ?? ''))
    )
      return true;
  }
  return false;
}

/** `s[i].f = nil`: a pointer field of an element cleared in place. */
function clearsFieldOfElement(statement: SyntaxNode, key: string): boolean {
  if (statement.type !== 'assignment_statement' || statement.childForFieldName('operator')?.text !== '=') return false;
  const left = statement.childForFieldName('left')?.namedChildren ?? [];
  const right = statement.childForFieldName('right')?.namedChildren ?? [];
  const target = unparen(left[0]);
  if (left.length !== 1 || unparen(right[0])?.type !== 'nil' || target?.type !== 'selector_expression') return false;
  const element = unparen(target.childForFieldName('operand'));
  return element?.type === 'index_expression' && pathKey(element.childForFieldName('operand')) === key;
}

/** `clear(s)` or `clear(s[…])`. */
function clearsTarget(scope: Scope, statement: SyntaxNode, key: string): boolean {
  const call = statement.type === 'expression_statement' ? unparen(statement.namedChildren[0]) : null;
  if (call?.type !== 'call_expression' || !isBuiltin(scope, call.childForFieldName('function'), 'clear')) return false;
  const arg = unparen(argumentsOf(call)[0]);
  if (!arg) return false;
  return pathKey(arg.type === 'slice_expression' ? arg.childForFieldName('operand') : arg) === key;
}

/** For `s[i] = v`, the index i. */
function assignedIndex(statement: SyntaxNode, key: string): SyntaxNode | null {
  if (statement.type !== 'assignment_statement' || statement.childForFieldName('operator')?.text !== '=') return null;
  const left = statement.childForFieldName('left')?.namedChildren ?? [];
  const target = unparen(left[0]);
  if (left.length !== 1 || target?.type !== 'index_expression' || pathKey(target.childForFieldName('operand')) !== key) return null;
  return unparen(target.childForFieldName('index'));
}

/** Whether a loop assigns an element of the slice (`for i := range s { s[i] = nil }`). */
function assignsElementIn(loop: SyntaxNode, key: string): boolean {
  let found = false;
  walk(loop, (node) => {
    if (found) return false;
    if (node.type === 'assignment_statement' && assignedIndex(node, key)) found = true;
    return !found;
  });
  return found;
}

/** A pop or delete directly followed by `s = append(s, …)` refills the vacated slot at once. */
function refilledAfter(scope: Scope, statement: SyntaxNode, shape: Shape): boolean {
  if ((shape.kind === 'pop' || shape.kind === 'dequeue') && putBack(scope, statement, shape)) return true;
  if (shape.kind !== 'pop' && shape.kind !== 'delete') return false;
  let next = statement.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  if (next?.type !== 'assignment_statement' || next.childForFieldName('operator')?.text !== '=') return false;
  const left = next.childForFieldName('left')?.namedChildren ?? [];
  const call = unparen(next.childForFieldName('right')?.namedChildren[0]);
  if (left.length !== 1 || pathKey(left[0]) !== shape.key || call?.type !== 'call_expression') return false;
  if (!isBuiltin(scope, call.childForFieldName('function'), 'append')) return false;
  const args = argumentsOf(call);
  return args.length >= 2 && pathKey(args[0]) === shape.key;
}

/**
 * `v := s[len(s)-1]; s = s[:len(s)-1]; …; s = append(s, v)`: the element read just before the
 * removal is appended back later in the function (a retry after a failed non-blocking send), so
 * the slot is refilled with the very same pointer.
 */
function putBack(scope: Scope, statement: SyntaxNode, shape: Shape): boolean {
  let taken: string | undefined;
  let seen = 0;
  for (let s = statement.previousNamedSibling; s && seen < LOOK_BACK && !taken; s = s.previousNamedSibling) {
    if (s.type === 'comment') continue;
    seen++;
    if (s.type !== 'short_var_declaration' && s.type !== 'assignment_statement') continue;
    const left = s.childForFieldName('left')?.namedChildren ?? [];
    const right = s.childForFieldName('right')?.namedChildren ?? [];
    const value = unparen(right[0]);
    if (
      left.length === 1 &&
      right.length === 1 &&
      value?.type === 'index_expression' &&
      pathKey(value.childForFieldName('operand')) === shape.key
    )
      taken = left[0]?.text;
  }
  const body = enclosingFunction(statement)?.childForFieldName('body');
  if (!taken || !body) return false;
  return builtinCallsIn(scope, body, 'append', statement.endIndex).some((call) => {
    const args = argumentsOf(call);
    return pathKey(args[0]) === shape.key && args.slice(1).some((a) => unparen(a)?.text === taken);
  });
}

/** The zero value to write into a removed slot: `nil`, or `T{}` for a named struct or array type. */
function zeroValue(pkg: PackageIndex, elem: GoType): string | undefined {
  const u = pkg.underlying(elem);
  if (['pointer', 'slice', 'map', 'chan', 'func', 'interface'].includes(u.kind)) return 'nil';
  if (elem.kind !== 'named' || (u.kind !== 'struct' && u.kind !== 'array')) return undefined;
  const decl = pkg.types.get(elem.name);
  if (!decl || decl.spec.childForFieldName('type_parameters')) return undefined;
  return `${elem.name}{}`;
}

/**
 * The suggestion, when the assignment stands alone on its line(s): a zeroing line before a pop or
 * dequeue; `clear(s)` (Go ≥ 1.21) or a zeroing loop before a reset; `slices.Delete` (Go ≥ 1.22) or
 * copy + zero + truncate for a delete.
 */
function makeFix(
  file: GoFile,
  scope: Scope,
  pkg: PackageIndex,
  statement: SyntaxNode,
  shape: Shape,
  elem: GoType,
  goVersion: GoVersion | undefined,
): Fix | null {
  const line = file.line(statement);
  const indent = file.indentOf(line);
  if (file.lineText(line).slice(0, statement.startPosition.column).trim() !== '') return null;
  const rest = file
    .lineText(statement.endPosition.row + 1)
    .slice(statement.endPosition.column)
    .replace(/^\s*\/\/.*$/, '');
  if (rest.trim() !== '') return null;
  const target = unparen(shape.target)?.text ?? shape.target.text;
  const indexable = unparen(shape.target)?.type === 'unary_expression' ? `(${target})` : target;
  const zero = zeroValue(pkg, elem);
  const before = (lines: readonly string[], message: string): Fix => {
    const edit: TextEdit = {
      startLine: line,
      startColumn: 1,
      endLine: line,
      endColumn: 1,
      newText: lines.map((l) => `${indent}${l}\n`).join(''),
    };
    return { message, edits: [edit] };
  };
  switch (shape.kind) {
    case 'pop':
      return zero ? before([`${indexable}[${shape.last?.text ?? ''}] = ${zero}`], 'Clear the popped slot first') : null;
    case 'dequeue':
      return zero ? before([`${indexable}[0] = ${zero}`], 'Clear the dequeued slot first') : null;
    case 'dequeueN': {
      const count = shape.count?.text ?? '';
      if (atLeast(goVersion, 21) && builtinVisible(scope, pkg, 'clear', statement))
        return before([`clear(${indexable}[:${count}])`], 'Clear the dequeued slots first');
      if (!zero) return null;
      const i = ['i', 'j', 'k', 'idx'].find((name) => !identifiersIn(statement).has(name)) ?? 'idx';
      return before(
        [`for ${i} := range ${indexable}[:${count}] {`, `\t${indexable}[${i}] = ${zero}`, '}'],
        'Clear the dequeued slots first',
      );
    }
    case 'reset': {
      if (atLeast(goVersion, 21) && builtinVisible(scope, pkg, 'clear', statement))
        return before([`clear(${target})`], 'Clear the elements first');
      if (!zero) return null;
      const i = ['i', 'j', 'k', 'idx'].find((name) => !identifiersIn(shape.target).has(name)) ?? 'idx';
      return before([`for ${i} := range ${target} {`, `\t${indexable}[${i}] = ${zero}`, '}'], 'Clear the elements first');
    }
    case 'delete': {
      const at = shape.at?.text ?? '';
      const next = shape.next?.text ?? '';
      const value = statement.childForFieldName('right')?.namedChildren[0];
      if (atLeast(goVersion, 22) && value) {
        const imp = stdImport(file, scope, pkg, 'slices', statement);
        if (imp) {
          const edits: TextEdit[] = [replaceNode(file, value, `${imp.name}.Delete(${target}, ${at}, ${next})`)];
          if (imp.edit) edits.push(imp.edit);
          return { message: 'Delete with slices.Delete, which zeroes the vacated slot', edits };
        }
      }
      if (!zero || !['copy', 'len'].every((b) => builtinVisible(scope, pkg, b, statement))) return null;
      const lines = [
        `copy(${indexable}[${at}:], ${indexable}[${next}:])`,
        `${indexable}[len(${target})-1] = ${zero}`,
        `${target} = ${indexable}[:len(${target})-1]`,
      ];
      return { message: 'Shift, clear the vacated slot, then truncate', edits: [replaceNode(file, statement, lines.join(`\n${indent}`))] };
    }
  }
}

function identifiersIn(node: SyntaxNode): Set<string> {
  const names = new Set<string>();
  walk(node, (n) => {
    if (n.type === 'identifier') names.add(n.text);
  });
  return names;
}
