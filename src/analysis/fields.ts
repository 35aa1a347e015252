/**
 * A package-wide census of a struct field: every place the package writes, appends to, re-slices
 * or otherwise mentions `x.f` for a field `f` of a type declared in the package, and `T{f: …}` in
 * its composite literals. Found by text, confirmed in the tree, computed once per field.
 *
 * Without a type checker a selector `x.f` whose operand type is unknown may belong to another
 * type with a field of the same name; such mentions are kept with `certain: false`, so facts
 * drawn from them can only make rules more silent.
 */
import type { GoFile } from './go-file.js';
import type { PackageIndex } from './package-index.js';
import type { SyntaxNode } from './parser.js';
import { argumentsOf, isBuiltin, unparen } from './syntax.js';

/** What a mention of the field does. */
export type FieldRole =
  /** `x.f = v` (value: v), or `T{f: v}`. */
  | 'write'
  /** `x.f = append(x.f, v…)` (value: the append call). */
  | 'append'
  /** `x.f = x.f[a:b]` (value: the slice expression). */
  | 'reslice'
  /** Any other mention (a read, a call argument, a range…). */
  | 'other';

/** One mention of a field. */
export interface FieldRef {
  readonly file: GoFile;
  /** The selector `x.f`, or the keyed element of `T{f: …}`. */
  readonly node: SyntaxNode;
  readonly role: FieldRole;
  /** For writes, appends and re-slices: the value written. */
  readonly value?: SyntaxNode;
  /** Whether the operand is known to have the census's type. */
  readonly certain: boolean;
}

/** A field of a type declared in the package. */
export interface FieldKey {
  readonly typeName: string;
  readonly field: string;
}

const censuses = new WeakMap<PackageIndex, Map<string, FieldRef[]>>();

/**
 * Every mention of `key.field` in the package's files, memoised: writes, appends and re-slices,
 * keyed (`T{f: v}`) and positional (`T{a, v}`) literals. Test files are left out unless asked for
 * (they are callers too: a field only a test receives from is not "never received").
 */
/** What a census gathers: test files too; only writes, appends and re-slices; every same-named selector without typing it. */
export interface CensusOptions {
  readonly includeTests?: boolean;
  readonly writesOnly?: boolean;
  /**
   * Keep every selector `x.f` without asking x's type (all `certain: false`) when the field's type
   * is the only struct type of the package with a field of that name and mentions of another
   * package's field of the same name may only make a rule quieter: the costly type question is
   * then skipped.
   */
  readonly untyped?: boolean;
}

export function fieldRefs(pkg: PackageIndex, key: FieldKey, options: CensusOptions = {}): readonly FieldRef[] {
  let byKey = censuses.get(pkg);
  if (!byKey) censuses.set(pkg, (byKey = new Map()));
  const id = `${key.typeName}.${key.field}:${options.includeTests ? 't' : ''}${options.writesOnly ? 'w' : ''}${options.untyped ? 'u' : ''}`;
  let refs = byKey.get(id);
  if (!refs) {
    refs = collect(pkg, key, options);
    byKey.set(id, refs);
  }
  return refs;
}

/** `T{a, v}`: the element of a positional composite literal of the type that sets the field. */
function positionalWrites(pkg: PackageIndex, key: FieldKey, includeTests: boolean): FieldRef[] {
  const decl = pkg.types.get(key.typeName);
  const list = decl?.typeNode?.namedChildren.find((c) => c.type === 'field_declaration_list');
  const names = (list?.namedChildren ?? [])
    .filter((d) => d.type === 'field_declaration')
    .flatMap((d) => {
      const declared = d.childrenForFieldName('name').map((n) => n.text);
      return declared.length > 0 ? declared : [d.childForFieldName('type')?.text.replace(/^\*/, '').replace(/^.*\./, '') ?? ''];
    });
  const index = names.indexOf(key.field);
  if (index < 0) return [];
  const refs: FieldRef[] = [];
  for (const { file, index: at } of pkg.occurrences(key.typeName)) {
    if (!includeTests && file.path.endsWith('_test.go')) continue;
    // Only `T{` or `T[…]{` can open a composite literal: the text says so before the tree is asked.
    if (!LITERAL_OPENING.test(file.source.slice(at + key.typeName.length, at + key.typeName.length + 80))) continue;
    const ident = file.root.namedDescendantForIndex(at, at + key.typeName.length);
    let literal = ident.parent;
    if (literal?.type === 'generic_type') literal = literal.parent;
    if (ident.type !== 'type_identifier' || literal?.type !== 'composite_literal') continue;
    const elements = literal.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    const element = elements[index];
    if (!element || element.type !== 'literal_element' || elements.length !== names.length) continue;
    refs.push({ file, node: element, role: 'write', certain: true, value: unwrap(element) });
  }
  return refs;
}

/** What may follow a type name that opens a composite literal: `{`, or type arguments then `{`. */
const LITERAL_OPENING = /^\s*(?:\[[^\]\n]*\]\s*)?\{/;

/**
 * What follows a field that may be written: `x.f = v`, `x.f, y = …`, `(x.f) = v`, `T{f: v}`. Reads
 * (`x.f)`, `x.f[i]`, `x.f == y`) are told apart by the text before the tree is asked.
 */
const WRITTEN_AFTER = /^\s*(?:=(?!=)|,|\)|:(?!=))/;

/**
 * The mentions of a field; with `writesOnly`, only writes, appends and re-slices (the costly type
 * check of a selector's operand is then made only for those).
 */
function collect(pkg: PackageIndex, key: FieldKey, options: CensusOptions): FieldRef[] {
  const { includeTests = false, writesOnly = false } = options;
  const untyped = options.untyped === true && pkg.structsWithField(key.field) <= 1;
  const refs: FieldRef[] = [...positionalWrites(pkg, key, includeTests)];
  for (const { file, index } of pkg.occurrences(key.field)) {
    if (!includeTests && file.path.endsWith('_test.go')) continue;
    if (writesOnly && !WRITTEN_AFTER.test(file.source.slice(index + key.field.length, index + key.field.length + 40))) continue;
    const ident = file.root.namedDescendantForIndex(index, index + key.field.length);
    if (ident.startIndex !== index) continue;
    const parent = ident.parent;
    if (ident.type === 'field_identifier' && parent?.type === 'selector_expression' && parent.childForFieldName('field')?.id === ident.id) {
      const scope = pkg.scopeOf(file);
      const use = classify(scope, parent);
      if (writesOnly && use.role === 'other') continue;
      if (untyped) {
        refs.push({ file, node: parent, certain: false, ...use });
        continue;
      }
      let type = scope.typeOf(unparen(parent.childForFieldName('operand')));
      if (type.kind === 'pointer') type = type.elem;
      if (type.kind === 'named' && type.name !== key.typeName) continue;
      if (type.kind !== 'named' && type.kind !== 'unknown') continue;
      refs.push({ file, node: parent, certain: type.kind === 'named', ...use });
    } else if (ident.type === 'field_identifier' || ident.type === 'identifier') {
      const keyed = literalKey(ident);
      const literal = keyed ? compositeOf(keyed) : undefined;
      const typeName = literal ? literalTypeName(literal) : undefined;
      if (!keyed || typeName !== key.typeName) continue;
      const value = keyed.childForFieldName('value');
      refs.push({ file, node: keyed, role: 'write', certain: true, ...(value ? { value: unwrap(value) } : {}) });
    }
  }
  return refs;
}

/** How a selector `x.f` is used: written, appended to, re-sliced, or anything else. */
function classify(scope: ReturnType<PackageIndex['scopeOf']>, selector: SyntaxNode): { role: FieldRole; value?: SyntaxNode } {
  let expr = selector;
  while (expr.parent?.type === 'parenthesized_expression') expr = expr.parent;
  const list = expr.parent;
  const statement = list?.parent;
  if (list?.type !== 'expression_list' || statement?.type !== 'assignment_statement') return { role: 'other' };
  if (statement.childForFieldName('left')?.id !== list.id || statement.childForFieldName('operator')?.text !== '=')
    return { role: 'other' };
  const left = list.namedChildren;
  const right = statement.childForFieldName('right')?.namedChildren ?? [];
  // `a, x.f = f()`: a write of one of several results.
  if (left.length !== right.length) return { role: 'write' };
  const value = unparen(right[left.findIndex((n) => n.id === expr.id)]);
  if (!value) return { role: 'other' };
  const selfPath = selector.text.replace(/\s+/g, '');
  if (value.type === 'call_expression' && isBuiltin(scope, value.childForFieldName('function'), 'append')) {
    const first = unparen(argumentsOf(value)[0]);
    if (first?.text.replace(/\s+/g, '') === selfPath) return { role: 'append', value };
  }
  if (value.type === 'slice_expression' && unparen(value.childForFieldName('operand'))?.text.replace(/\s+/g, '') === selfPath)
    return { role: 'reslice', value };
  return { role: 'write', value };
}

/** For the key identifier of `T{f: v}`, the keyed element. */
function literalKey(ident: SyntaxNode): SyntaxNode | undefined {
  let keyNode: SyntaxNode | null = ident;
  if (keyNode.parent?.type === 'literal_element') keyNode = keyNode.parent;
  const keyed = keyNode.parent;
  return keyed?.type === 'keyed_element' && keyed.childForFieldName('key')?.id === keyNode.id ? keyed : undefined;
}

function compositeOf(keyed: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | null = keyed.parent;
  while (n && n.type !== 'composite_literal') {
    if (n.type !== 'literal_value') return undefined;
    n = n.parent;
  }
  return n ?? undefined;
}

function literalTypeName(literal: SyntaxNode): string | undefined {
  let type = literal.childForFieldName('type');
  if (type?.type === 'generic_type') type = type.childForFieldName('type');
  return type?.type === 'type_identifier' ? type.text : undefined;
}

function unwrap(value: SyntaxNode): SyntaxNode {
  const inner = value.type === 'literal_element' ? value.namedChildren[0] : value;
  return unparen(inner) ?? value;
}
