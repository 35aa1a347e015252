import type { GoFile } from '../../analysis/go-file.js';
import { frequencyModel } from '../../analysis/frequency.js';
import type { PackageFunc, PackageIndex } from '../../analysis/package-index.js';
import { receiverOf } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { UNKNOWN } from '../../analysis/types.js';
import { defineRule } from '../define-rule.js';
import { isTestFile } from '../shared/globals.js';
import { argumentsOf, referencesTo, unparen, walkSameFunction } from '../../analysis/syntax.js';

const HINT = 'Return the struct by value (T instead of *T); keep pointers for shared mutable state or large structs';

export default defineRule({
  id: 'small-struct-pointer',
  meta: {
    title: 'small scalar struct returned through a pointer',
    family: 'pointer overuse',
    severity: 'notice',
    confidence: 'low',
    since: '0.1.0',
    fix: 'hint',
    messages: {
      pointer:
        '{{func}} returns *{{type}}, a pointer to a small struct of {{fields}}; every call heap-allocates it and adds an object for the GC to track, where returning {{type}} by value would not',
    },
    hint: HINT,
    docs: {
      description:
        'A function that returns `&T{…}` for a small struct of plain scalars (at most four fields of numbers, bools or small arrays of them) usually forces the value onto the heap: each call is an allocation, and each result is one more object the garbage collector must track and scan for as long as something points to it. The same struct returned by value is a few machine words copied through registers or the stack, with no allocation and no GC work. Pointers pay off for shared mutable state and large structs, not for small values.',
      bad: 'type Point struct{ X, Y float64 }\n\nfunc midpoint(a, b Point) *Point {\n\treturn &Point{X: (a.X + b.X) / 2, Y: (a.Y + b.Y) / 2}\n}',
      good: 'type Point struct{ X, Y float64 }\n\nfunc midpoint(a, b Point) Point {\n\treturn Point{X: (a.X + b.X) / 2, Y: (a.Y + b.Y) / 2}\n}',
      confidence:
        'Medium when some call of the function runs again and again (in an event loop or a handler) and no caller needs the pointer: one heap allocation per item for nothing. Low otherwise (the allocation is cheap). Not reported when a caller needs the pointer: it keeps it, compares it with nil, or hands it to a function value or a callee that writes through it.',
      notReported: [
        'Functions a caller needs as they are: one caller keeps the pointer (stores it in a field, map, slice or package-level variable, returns it), compares it with nil, or hands it to a function value or a package function that writes through it (optional JSON fields, functional options). Returning a value would break that caller.',
        'Structs with more than four fields, or with any field that is not a fixed-size scalar (a string, slice, map, pointer, interface, a type from another package): copying them costs more, or they hold pointers anyway.',
        'Structs with `sync` or `sync/atomic` fields (`sync.Mutex`, `atomic.Int64`): they must not be copied.',
        'Structs that have any method with a pointer receiver: the type is meant to be used through a pointer, and a value would not have those methods.',
        'Functions where any `return` returns something other than `&T{…}`: `nil` is then part of the contract (for example "not found") and a value would need an extra result; a pointer kept in a variable (`p := &T{}; …; return p`) may also be stored elsewhere, which the rule does not follow.',
        'Functions with more than one result (`(*T, error)`), generic structs, and types declared in another package.',
        'Test files (`_test.go`).',
        'Exported functions are still reported, with a note that changing their result type is a breaking change for callers outside the package.',
        'The compiler may inline a small constructor and keep the value on the stack at some call sites; the rule cannot see escape analysis, which is why it is a notice.',
      ],
    },
  },
  nodeTypes: [],
  mustContain: ['&'],
  check({ file, pkg, report }) {
    if (pkg.types.size === 0 || isTestFile(file)) return;
    // Only a declaration that names one of the package's small scalar structs can return a pointer
    // to one: the text finds them before any signature is read from the tree. The package index
    // already holds every function and method: no node list of the file is needed.
    const mentioning = new Set(smallScalarStructs(pkg).flatMap((name) => [...file.declarationsMentioning(name)]));
    if (mentioning.size === 0) return;
    const declared = [...pkg.funcs.values(), ...[...pkg.methods.values()].flat()].filter(
      (f) => f.file === file && mentioning.has(f.node.startIndex),
    );
    for (const type of ['function_declaration', 'method_declaration']) {
      for (const func of declared.filter((f) => f.node.type === type)) {
        const fn = func.node;
        const typeName = pointerResult(fn);
        if (!typeName || !pkg.isSmallScalarStruct(typeName) || hasPointerMethods(pkg, typeName)) continue;
        if (!returnsOnlyLiterals(fn, typeName)) continue;
        // A caller needs the pointer (keeps it, compares it with nil, lets a callee write through
        // it): returning a value would break that caller, so there is nothing to suggest.
        const evidence = evidenceOf(pkg, func);
        if (evidence === 'needed') continue;
        const name = fn.childForFieldName('name')?.text ?? '';
        const data = { func: name, type: typeName, fields: describeFields(pkg, typeName) };
        const exported =
          pkg.name !== 'main' && isExported(name) && (type === 'function_declaration' || isExported(receiverOf(fn)?.typeName ?? ''));
        const hint = `Return ${typeName} by value instead of *${typeName}; keep pointers for shared mutable state or large structs`;
        report({
          node: fn,
          messageId: 'pointer',
          data,
          hint: exported ? exportedHint(hint, name) : hint,
          confidence: evidence === 'hot' ? 'medium' : 'low',
        });
      }
    }
  },
});

/**
 * What the callers say: `needed` when one keeps the pointer (stores it in a field, map, slice or
 * global, returns it, compares it with nil, or hands it to a function value or a callee that
 * writes through it: optional JSON fields, functional options, shared mutable state); `hot` when
 * none does and some call runs repeatedly (an event loop, a handler): a heap allocation per item
 * for nothing, medium; `weak` otherwise, low (the allocation is cheap).
 */
function evidenceOf(pkg: PackageIndex, func: PackageFunc): 'needed' | 'hot' | 'weak' {
  const frequencies = frequencyModel(pkg);
  const sites = frequencies.callSites(func).filter((s) => !s.file.path.endsWith('_test.go'));
  if (sites.some((s) => s.kind !== 'call' || keepsPointer(pkg, s.file, s.node))) return 'needed';
  return sites.some((s) => s.certain && frequencies.frequencyAt(s.file, s.node).frequency === 'repeated') ? 'hot' : 'weak';
}

/**
 * Whether an argument is only read by the callee: a function or method of the package whose
 * parameter is never written through (`p.f = …`, `p.f++`, `*p = …`) nor handed further on.
 */
function readOnlyArgument(pkg: PackageIndex, file: GoFile, list: SyntaxNode, arg: SyntaxNode): boolean {
  const call = list.parent;
  const callee = unparen(call?.childForFieldName('function'));
  const name = callee?.type === 'selector_expression' ? callee.childForFieldName('field')?.text : callee?.text;
  if (!call || !callee || !name) return false;
  const scope = pkg.scopeOf(file);
  let decl: PackageFunc | undefined;
  if (callee.type === 'identifier') decl = scope.resolveIdent(callee) ? undefined : pkg.funcs.get(name);
  else if (callee.type === 'selector_expression') {
    let receiver = scope.typeOf(unparen(callee.childForFieldName('operand')));
    if (receiver.kind === 'pointer') receiver = receiver.elem;
    decl = receiver.kind === 'named' ? pkg.method(receiver.name, name) : undefined;
  }
  if (!decl) return false;
  const index = argumentsOf(call).findIndex((a) => a.id === arg.id);
  const params = (decl.node.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) =>
    p.type === 'parameter_declaration' ? p.childrenForFieldName('name') : [],
  );
  const param = params[index];
  const body = decl.node.childForFieldName('body');
  if (!param || !body) return false;
  const written = new RegExp(`(?:^|[^\\w.])(?:\\*\\s*${param.text}|${param.text}\\s*\\.\\s*\\w+)\\s*(?:=[^=]|\\+\\+|--|[-+*/|&]=)`);
  return !written.test(body.text);
}

/** Whether a call's pointer result is kept or compared: anything but dereferences, field reads, method calls and plain arguments. */
function keepsPointer(pkg: PackageIndex, file: GoFile, call: SyntaxNode): boolean {
  const scope = pkg.scopeOf(file);
  const uses = (expr: SyntaxNode): boolean => {
    const parent = expr.parent;
    if (!parent) return true;
    switch (parent.type) {
      case 'selector_expression':
      case 'unary_expression':
        return false;
      case 'argument_list':
        // Handed to a call: fine when the callee is a package function that only reads through it.
        return !readOnlyArgument(pkg, file, parent, expr);
      case 'parenthesized_expression':
        return uses(parent);
      case 'expression_list': {
        const statement = parent.parent;
        if (statement?.type !== 'short_var_declaration' && statement?.type !== 'assignment_statement') return true;
        const targets = statement.childForFieldName('left')?.namedChildren ?? [];
        const target = targets[parent.namedChildren.findIndex((n) => n.id === expr.id)];
        if (target?.type !== 'identifier') return true;
        const binding = scope.resolveIdent(target);
        const body = binding?.kind === 'local' ? binding.func?.childForFieldName('body') : null;
        if (!binding || !body) return true;
        return referencesTo(scope, body, binding).some((ref) => ref.id !== target.id && uses(ref));
      }
      default:
        return true;
    }
  };
  return uses(call);
}

const smallStructsCache = new WeakMap<PackageIndex, string[]>();

/** The names of the package's small scalar struct types (found once per package). */
function smallScalarStructs(pkg: PackageIndex): string[] {
  let names = smallStructsCache.get(pkg);
  if (!names) smallStructsCache.set(pkg, (names = [...pkg.types.keys()].filter((name) => pkg.isSmallScalarStruct(name))));
  return names;
}

/** For a function with the single result `*T` (T a plain type name), T. */
function pointerResult(fn: SyntaxNode): string | undefined {
  let result = fn.childForFieldName('result');
  if (result?.type === 'parameter_list') {
    const params = result.namedChildren.filter((c) => c.type !== 'comment');
    const only = params.length === 1 ? params[0] : undefined;
    if (only?.type !== 'parameter_declaration' || only.childrenForFieldName('name').length > 1) return undefined;
    result = only.childForFieldName('type');
  }
  if (result?.type !== 'pointer_type') return undefined;
  const elem = result.namedChildren[0];
  return elem?.type === 'type_identifier' ? elem.text : undefined;
}

function hasPointerMethods(pkg: PackageIndex, typeName: string): boolean {
  return (pkg.methods.get(typeName) ?? []).some((m) => m.pointerReceiver);
}

/** Whether the function has a body, at least one return, and every return is `return &T{…}`. */
function returnsOnlyLiterals(fn: SyntaxNode, typeName: string): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  let returns = 0;
  let other = false;
  walkSameFunction(body, (node) => {
    if (other) return false;
    if (node.type !== 'return_statement') return true;
    returns++;
    const values = node.namedChildren.find((c) => c.type === 'expression_list')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    const value = values.length === 1 ? unparen(values[0]) : null;
    const literal =
      value?.type === 'unary_expression' && value.childForFieldName('operator')?.text === '&'
        ? unparen(value.childForFieldName('operand'))
        : null;
    if (literal?.type !== 'composite_literal' || literal.childForFieldName('type')?.text !== typeName) other = true;
    return false;
  });
  return returns > 0 && !other;
}

function describeFields(pkg: PackageIndex, typeName: string): string {
  const type = pkg.declaredType(typeName) ?? UNKNOWN;
  const count = type.kind === 'struct' ? type.fields.length : 0;
  return count === 1 ? 'one scalar field' : `${['', '', 'two', 'three', 'four'][count] ?? String(count)} scalar fields`;
}

/** The hint for an exported function: its signature is part of the package's API. */
function exportedHint(hint: string, name: string): string {
  return `${hint}. ${name} is exported, so changing its result type is a breaking change for callers outside the package: consider it for the next major version, or add a value-returning variant`;
}

function isExported(name: string): boolean {
  return /^\p{Lu}/u.test(name);
}
