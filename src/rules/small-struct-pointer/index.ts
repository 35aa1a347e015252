import type { PackageIndex } from '../../analysis/package-index.js';
import { receiverOf } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { typeFromNode } from '../../analysis/types.js';
import { defineRule } from '../define-rule.js';
import { isTestFile } from '../shared/globals.js';
import { unparen, walkSameFunction } from '../shared/syntax.js';

const HINT = 'Return the struct by value (T instead of *T); keep pointers for shared mutable state or large structs';

export default defineRule({
  id: 'small-struct-pointer',
  meta: {
    title: 'small scalar struct returned through a pointer',
    family: 'pointer overuse',
    severity: 'notice',
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
      notReported: [
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
    // The package index already holds every function and method: no node list of the file is needed.
    const declared = [...pkg.funcs.values(), ...[...pkg.methods.values()].flat()].filter((f) => f.file === file);
    for (const type of ['function_declaration', 'method_declaration']) {
      for (const fn of declared.filter((f) => f.node.type === type).map((f) => f.node)) {
        const typeName = pointerResult(fn);
        if (!typeName || !pkg.isSmallScalarStruct(typeName) || hasPointerMethods(pkg, typeName)) continue;
        if (!returnsOnlyLiterals(fn, typeName)) continue;
        const name = fn.childForFieldName('name')?.text ?? '';
        const data = { func: name, type: typeName, fields: describeFields(pkg, typeName) };
        const exported =
          pkg.name !== 'main' && isExported(name) && (type === 'function_declaration' || isExported(receiverOf(fn)?.typeName ?? ''));
        const hint = `Return ${typeName} by value instead of *${typeName}; keep pointers for shared mutable state or large structs`;
        report({ node: fn, messageId: 'pointer', data, hint: exported ? exportedHint(hint, name) : hint });
      }
    }
  },
});

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
  const type = typeFromNode(pkg.types.get(typeName)?.typeNode);
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
