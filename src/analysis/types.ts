import type { SyntaxNode } from './parser.js';

/**
 * A Go type as far as syntax can tell. Named types are kept by name and resolved through the
 * package index on demand; anything the syntax does not settle is `unknown`.
 */
export type GoType =
  | { readonly kind: 'basic'; readonly name: string }
  | { readonly kind: 'named'; readonly name: string; readonly node?: SyntaxNode }
  | { readonly kind: 'qualified'; readonly pkg: string; readonly name: string }
  | { readonly kind: 'pointer'; readonly elem: GoType }
  | { readonly kind: 'slice'; readonly elem: GoType }
  | { readonly kind: 'array'; readonly length: number | undefined; readonly elem: GoType }
  | { readonly kind: 'map'; readonly key: GoType; readonly elem: GoType }
  | { readonly kind: 'chan'; readonly elem: GoType }
  | { readonly kind: 'func'; readonly results: readonly GoType[] }
  | { readonly kind: 'interface' }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  | { readonly kind: 'unknown' };

/** A field of a struct type; embedded fields are named after their type. */
export interface StructField {
  readonly name: string;
  readonly type: GoType;
  readonly typeNode: SyntaxNode | null;
}

/** The unknown type: the syntax does not say. */
export const UNKNOWN: GoType = { kind: 'unknown' };

const NUMERIC = new Set([
  'int',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'uintptr',
  'float32',
  'float64',
  'complex64',
  'complex128',
  'byte',
  'rune',
]);
const BASIC = new Set([...NUMERIC, 'bool', 'string']);

/** Whether a name is a predeclared numeric type. */
export function isNumericName(name: string): boolean {
  return NUMERIC.has(name);
}

/** Types nested deeper than this are left unknown rather than risking the stack. */
const MAX_TYPE_DEPTH = 64;

/** typeFromNode converts a tree-sitter type node into a {@link GoType}. */
export function typeFromNode(node: SyntaxNode | null | undefined, depth = 0): GoType {
  if (!node || depth > MAX_TYPE_DEPTH) return UNKNOWN;
  const inner = (child: SyntaxNode | null | undefined): GoType => typeFromNode(child, depth + 1);
  switch (node.type) {
    case 'type_identifier': {
      const name = node.text;
      if (BASIC.has(name)) return { kind: 'basic', name };
      if (name === 'error' || name === 'any') return { kind: 'interface' };
      return { kind: 'named', name, node };
    }
    case 'qualified_type':
      return {
        kind: 'qualified',
        pkg: node.childForFieldName('package')?.text ?? '',
        name: node.childForFieldName('name')?.text ?? '',
      };
    case 'generic_type':
      return inner(node.childForFieldName('type'));
    case 'parenthesized_type':
      return inner(node.namedChildren[0]);
    case 'pointer_type':
      return { kind: 'pointer', elem: inner(node.namedChildren[0]) };
    case 'slice_type':
      return { kind: 'slice', elem: inner(node.childForFieldName('element')) };
    case 'array_type':
    case 'implicit_length_array_type': {
      const lengthNode = node.childForFieldName('length');
      const length = lengthNode?.type === 'int_literal' ? Number(lengthNode.text.replace(/_/g, '')) : undefined;
      return { kind: 'array', length, elem: inner(node.childForFieldName('element')) };
    }
    case 'map_type':
      return {
        kind: 'map',
        key: inner(node.childForFieldName('key')),
        elem: inner(node.childForFieldName('value')),
      };
    case 'channel_type':
      return { kind: 'chan', elem: inner(node.childForFieldName('value')) };
    case 'function_type':
      return { kind: 'func', results: resultTypes(node.childForFieldName('result')) };
    case 'interface_type':
      return { kind: 'interface' };
    case 'struct_type':
      return { kind: 'struct', fields: structFields(node, depth + 1) };
    default:
      return UNKNOWN;
  }
}

/** The result types of a function signature's `result` field. */
export function resultTypes(result: SyntaxNode | null | undefined): GoType[] {
  if (!result) return [];
  if (result.type !== 'parameter_list') return [typeFromNode(result)];
  const types: GoType[] = [];
  for (const param of result.namedChildren) {
    if (param.type !== 'parameter_declaration') continue;
    const type = typeFromNode(param.childForFieldName('type'));
    const names = param.childrenForFieldName('name').length;
    for (let i = 0; i < Math.max(1, names); i++) types.push(type);
  }
  return types;
}

/** The fields of a `struct { … }` type node. */
export function structFields(structNode: SyntaxNode, depth = 0): StructField[] {
  const fields: StructField[] = [];
  const list = structNode.namedChildren.find((c) => c.type === 'field_declaration_list');
  for (const decl of list?.namedChildren ?? []) {
    if (decl.type !== 'field_declaration') continue;
    const typeNode = decl.childForFieldName('type');
    const type = typeFromNode(typeNode, depth);
    const names = decl.childrenForFieldName('name');
    if (names.length === 0) {
      const embedded = type.kind === 'pointer' ? type.elem : type;
      const name = embedded.kind === 'named' || embedded.kind === 'qualified' ? embedded.name : (typeNode?.text ?? '');
      fields.push({ name, type, typeNode });
    } else {
      for (const name of names) fields.push({ name: name.text, type, typeNode });
    }
  }
  return fields;
}

/** Three-valued answer for questions the syntax may not settle. */
export type Tri = 'yes' | 'no' | 'unknown';
