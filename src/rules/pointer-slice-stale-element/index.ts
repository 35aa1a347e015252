import type { GoFile } from '../../analysis/go-file.js';
import { atLeast, type GoVersion } from '../../analysis/go-version.js';
import type { Fix, TextEdit } from '../../analysis/model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingFunction, type Scope } from '../../analysis/scope.js';
import type { GoType } from '../../analysis/types.js';
import { replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { builtinVisible, isSimplePath, pathKey, stdImport, writtenOnce } from '../shared/residue.js';
import { argumentsOf, isBuiltin, normalizeText, sameBinding, someInSameFunction, unparen, walk } from '../shared/syntax.js';

/** The four ways of removing elements RULES.md names. */
type ShapeKind = 'pop' | 'dequeue' | 'delete' | 'reset';

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
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      pop: '{{slice}} drops its last element without clearing the slot; the backing array keeps what it points to reachable until the slot is overwritten',
      dequeue:
        '{{slice}} drops its first element without clearing the slot; the backing array keeps what it points to reachable until append moves the slice to a new array',
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
      notReported: [
        'Local variables and parameters that the function does not return (`stack = stack[:len(stack)-1]` on a worklist): the backing array dies with the function call, so a stale slot is kept at most until the function returns. Only slices that outlive the call are reported: package-level variables, fields (`q.items = q.items[1:]`) and returned locals or parameters. Test files are not reported either.',
        'Element types without pointers (`[]int`, structs of numbers): a stale slot keeps nothing else alive. `[]string` is not reported either: leakhound counts string bytes as pointer-free, as all its rules do.',
        'Element types the syntax does not settle: type parameters, and structs from other packages (such as `time.Time`, whose only pointer is a shared `*time.Location`); pointers to them (`[]*http.Request`) are reported.',
        'Truncations already preceded (within three statements) by the zeroing of the removed slot (`s[len(s)-1] = nil`, `s[0] = nil`, `clear(s)`, a loop assigning `s[i]`) or by taking its address (`e := &s[0]; s = s[1:]` hands the slot out of an arena, it is still in use), and pops or deletes followed directly by `s = append(s, …)`, which refills the vacated slot.',
        'Slices reached through calls or index expressions (`get().items`, `qs[i]`), and truncations of another slice (`s = old[:n-1]`, as in container/heap examples, which zero `old[n-1]` themselves).',
        'Other shapes: popping k > 1 elements (`s[:len(s)-k]`), `s[k:]` with k > 1, three-index slices, and truncations outside a block (a `for` clause update), where the zeroing cannot be checked or placed.',
        '`s = s[:n-1]` when `n` is not a local written once as `len(s)`.',
        'No suggestion (a hint instead) for anonymous struct or array element types and generic element types, whose zero value has no short spelling, or for a truncation that shares its line with other code.',
      ],
      versions:
        'The suggestion depends on the `go` directive. A pop or dequeue always gets the zeroing line (`s[len(s)-1] = nil`, `s[0] = nil`; `s[i] = T{}` for a struct or array element type T). A reset gets `clear(s)` before it on Go 1.21 and later, else a `for i := range s { s[i] = nil }` loop. A delete becomes `s = slices.Delete(s, i, i+1)` on Go 1.22 and later (Go 1.22 made slices.Delete zero the vacated tail; the import is added), else `copy(s[i:], s[i+1:])`, the zeroing of the last slot and `s = s[:len(s)-1]`. When the version is unknown the version-neutral forms are used. The severity does not depend on the version.',
    },
  },
  nodeTypes: [],
  check({ file, scope, pkg, goVersion, report }) {
    if (file.path.endsWith('_test.go')) return;
    for (const statement of file.nodesMatching(TRUNCATING_ASSIGNMENT, 'assignment_statement', (m) => assignsToOperand(file.source, m))) {
      if (statement.parent?.type !== 'statement_list') continue;
      const shape = truncation(scope, statement);
      if (!shape) continue;
      const elem = elementType(scope, pkg, shape.target);
      if (!elem || elem.kind === 'qualified' || pkg.holdsPointers(elem) !== 'yes') continue;
      if (zeroedBefore(scope, statement, shape) || refilledAfter(scope, statement, shape)) continue;
      if (!outlivesTheCall(scope, shape.target)) continue;
      report({
        node: statement,
        messageId: shape.kind,
        data: { slice: shape.target.text },
        fix: makeFix(file, scope, pkg, statement, shape, elem, goVersion),
      });
    }
  },
});

/**
 * Whether the truncated slice outlives the function call: a package-level variable, a field, or a
 * local or parameter the function returns. Other locals' stale slots die with the call, so
 * reporting them would mostly flag harmless worklists.
 */
function outlivesTheCall(scope: Scope, target: SyntaxNode): boolean {
  if (target.type !== 'identifier') return true;
  const binding = scope.resolveIdent(target);
  if (!binding) return false;
  if (binding.kind === 'package') return true;
  const func = enclosingFunction(target);
  const body = func?.childForFieldName('body');
  if (!body) return false;
  return someInSameFunction(
    body,
    (node) =>
      node.type === 'return_statement' &&
      (node.namedChildren[0]?.namedChildren ?? []).some(
        (r) => r.type === 'identifier' && r.text === binding.name && sameBinding(scope.resolveIdent(r), binding),
      ),
  );
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
    if (shape.kind === 'reset' && s.type === 'for_statement' && assignsElementIn(s, shape.key)) return true;
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
