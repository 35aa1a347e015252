import { indexContaining, namedChildList, type GoFile, type NodeList } from './go-file.js';
import type { PackageIndex } from './package-index.js';
import type { SyntaxNode } from './parser.js';
import { resultTypes, typeFromNode, UNKNOWN, type GoType } from './types.js';
import { hasWordBetween, wordsBetween } from './words.js';

/** Where a name was declared. */
export type BindingKind = 'package' | 'local' | 'param' | 'result' | 'receiver';

/** The declaration an identifier refers to, as far as syntax can tell. */
export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  /** The identifier in the declaration. */
  readonly declNode: SyntaxNode;
  /** The explicit type, when the declaration has one. */
  readonly typeNode: SyntaxNode | null;
  /** The initializer expression that gives this name its value, when one-to-one. */
  readonly valueNode: SyntaxNode | null;
  /** For `for k, v := range x`: the range clause, and whether this is the key (0) or value (1). */
  readonly range?: { readonly clause: SyntaxNode; readonly position: number };
  /** For `a, b := f()`: the one call on the right, and which of its results this name takes. */
  readonly tuple?: { readonly call: SyntaxNode; readonly index: number };
  /** The function (declaration or literal) a non-package binding belongs to. */
  readonly func: SyntaxNode | null;
}

/** A block's statements with their offsets, read from the tree once, and the function holding them. */
interface StatementList extends NodeList {
  readonly func: SyntaxNode | null;
}

const FUNCTION_TYPES = new Set(['function_declaration', 'method_declaration', 'func_literal']);

/** Whether a node is a function declaration, method declaration or function literal. */
export function isFunctionNode(node: SyntaxNode): boolean {
  return FUNCTION_TYPES.has(node.type);
}

/**
 * Node types that only occur directly in the source file. tree-sitter nodes have no parent
 * pointer: asking a top-level declaration for its parent scans every declaration of the file, so
 * upward walks stop at these (a file with thousands of functions would otherwise make every walk
 * quadratic). `var`, `const` and `type` declarations also occur inside functions, so they are not here.
 */
const TOP_LEVEL = new Set(['function_declaration', 'method_declaration', 'import_declaration', 'package_clause']);

/** The innermost function (declaration, method or literal) that contains a node. */
export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  if (TOP_LEVEL.has(node.type)) return null;
  for (let n = node.parent; n; n = n.parent) {
    if (FUNCTION_TYPES.has(n.type)) return n;
    if (TOP_LEVEL.has(n.type)) return null;
  }
  return null;
}

/** The innermost function declaration or method (not literal) containing a node. */
export function enclosingDeclaration(node: SyntaxNode): SyntaxNode | null {
  if (TOP_LEVEL.has(node.type)) return null;
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return n;
    if (TOP_LEVEL.has(n.type)) return null;
  }
  return null;
}

/** Whether `inner` lies within `outer` (or is it). */
export function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/**
 * Scope answers "which declaration does this identifier refer to" and "what is its type" from
 * syntax alone, for one file of a package.
 */
export class Scope {
  private readonly resolved = new Map<string, Binding | undefined>();
  private readonly types = new Map<number, GoType>();
  private readonly statementLists = new Map<number, StatementList>();

  constructor(
    readonly file: GoFile,
    readonly pkg: PackageIndex,
  ) {}

  /** Resolves the identifier `name` as seen at `at` (defaults to the identifier node itself). */
  resolve(name: string, at: SyntaxNode): Binding | undefined {
    if (name === '_' || name === '') return undefined;
    // Several rules ask about the same identifiers; the tree is immutable, so answers are kept.
    const key = `${at.id}\0${name}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const binding = this.lookup(name, at);
    this.resolved.set(key, binding);
    return binding;
  }

  private lookup(name: string, at: SyntaxNode): Binding | undefined {
    const declaring = at.type === 'identifier' && at.text === name ? this.declarationAt(at) : undefined;
    if (declaring) return declaring;
    // A local declaration (parameters and receivers included) always precedes its uses in the
    // text of the top-level declaration that holds them: when the name appears nowhere before,
    // only the package can declare it, and the walk up the tree is skipped.
    if (this.declaredLocallyBefore(name, at)) {
      const local = this.walkUp(name, at);
      if (local) return local;
    }
    const global = this.pkg.vars.get(name);
    if (global) {
      return { name, kind: 'package', declNode: global.nameNode, typeNode: global.typeNode, valueNode: global.valueNode, func: null };
    }
    return undefined;
  }

  /** Whether the name appears (as a word) between the start of `at`'s top-level declaration and `at`. */
  private declaredLocallyBefore(name: string, at: SyntaxNode): boolean {
    const top = this.topLevelStart(at.startIndex);
    return top === undefined || hasWordBetween(this.file.source, name, top, at.startIndex);
  }

  /** The start offset of the top-level declaration containing an offset (binary search over the file's children). */
  private topLevelStart(offset: number): number | undefined {
    const i = indexContaining(this.file.topLevel, offset);
    return i < 0 ? undefined : this.file.topLevel.starts[i];
  }

  /** The statements of a statement list, their offsets and their function, read from the tree once. */
  private statementsOf(list: SyntaxNode): StatementList {
    let found = this.statementLists.get(list.id);
    if (!found) {
      found = { ...namedChildList(list), func: enclosingFunction(list) };
      this.statementLists.set(list.id, found);
    }
    return found;
  }

  private walkUp(name: string, at: SyntaxNode): Binding | undefined {
    let child = at;
    for (let parent = TOP_LEVEL.has(at.type) ? null : at.parent; parent; child = parent, parent = parent.parent) {
      const found = this.declaredIn(parent, child, name);
      if (found) return found;
      if (TOP_LEVEL.has(parent.type)) break;
    }
    return undefined;
  }

  /** The binding an identifier introduces, when it stands in a declaring position. */
  private declarationAt(ident: SyntaxNode): Binding | undefined {
    const parent = ident.parent;
    if (!parent) return undefined;
    if (
      parent.type === 'expression_list' &&
      parent.parent?.type === 'short_var_declaration' &&
      parent.parent.childForFieldName('left')?.id === parent.id
    ) {
      return declaredByStatement(parent.parent, ident.text, enclosingFunction(parent));
    }
    if (parent.type === 'var_spec' && parent.childrenForFieldName('name').some((n) => n.id === ident.id)) {
      const func = enclosingFunction(parent);
      if (!func) return undefined;
      const decl = parent.parent?.type === 'var_declaration' ? parent.parent : parent.parent?.parent;
      return decl ? declaredByStatement(decl, ident.text, func) : undefined;
    }
    if (parent.type === 'expression_list' && parent.parent?.type === 'range_clause') {
      const loop = parent.parent.parent;
      const body = loop?.childForFieldName('body');
      return loop && body ? this.declaredIn(loop, body, ident.text) : undefined;
    }
    if (parent.type === 'parameter_declaration' || parent.type === 'variadic_parameter_declaration') {
      const func = enclosingFunction(parent);
      const body = func?.childForFieldName('body');
      return func && body ? this.declaredIn(func, body, ident.text) : undefined;
    }
    return undefined;
  }

  /** Resolves an identifier node. */
  resolveIdent(ident: SyntaxNode): Binding | undefined {
    return ident.type === 'identifier' ? this.resolve(ident.text, ident) : undefined;
  }

  /** Whether an identifier refers to a local declaration rather than the package-level one. */
  isShadowed(ident: SyntaxNode): boolean {
    const binding = this.resolve(ident.text, ident);
    return binding !== undefined && binding.kind !== 'package';
  }

  private declaredIn(parent: SyntaxNode, child: SyntaxNode, name: string): Binding | undefined {
    switch (parent.type) {
      case 'statement_list': {
        // Only a statement whose text holds the name can declare it: the statements before
        // `child` are looked at from the nearest mention of the name backwards.
        const mentions = wordsBetween(this.file.source, name, parent.startIndex, child.startIndex);
        if (mentions.length === 0) return undefined;
        const list = this.statementsOf(parent);
        let last = -1;
        for (let m = mentions.length - 1; m >= 0; m--) {
          const mention = mentions[m] ?? 0;
          const i = indexContaining(list, mention);
          if (i < 0 || i === last || !mayBeDeclaredAt(this.file.source, list.starts[i] ?? 0, mention)) continue;
          last = i;
          const statement = list.nodes[i];
          const found = statement ? declaredByStatement(statement, name, list.func) : undefined;
          if (found) return found;
        }
        return undefined;
      }
      case 'for_statement': {
        const clause = parent.namedChildren.find((c) => c.type === 'for_clause' || c.type === 'range_clause');
        const func = enclosingFunction(parent);
        if (clause?.type === 'range_clause') {
          // The range expression is evaluated outside the loop's scope.
          if (clause.id === child.id || !hasToken(clause, ':=')) return undefined;
          const left = clause.childForFieldName('left')?.namedChildren ?? [];
          const index = left.findIndex((n) => n.text === name);
          const decl = left[index];
          if (!decl) return undefined;
          return { name, kind: 'local', declNode: decl, typeNode: null, valueNode: null, range: { clause, position: index }, func };
        }
        const init = clause?.childForFieldName('initializer');
        return init ? declaredByStatement(init, name, func) : undefined;
      }
      case 'if_statement':
      case 'expression_switch_statement':
      case 'type_switch_statement': {
        const init = parent.childForFieldName('initializer');
        if (parent.type === 'type_switch_statement' && child.type === 'type_case') {
          const alias = parent.childForFieldName('alias')?.namedChildren[0];
          if (alias?.text === name)
            return { name, kind: 'local', declNode: alias, typeNode: null, valueNode: null, func: enclosingFunction(parent) };
        }
        if (init && init.id !== child.id) return declaredByStatement(init, name, enclosingFunction(parent));
        return undefined;
      }
      case 'communication_case': {
        const comm = parent.childForFieldName('communication');
        if (comm?.type === 'receive_statement' && comm.id !== child.id && hasToken(comm, ':=')) {
          const left = comm.childForFieldName('left')?.namedChildren ?? [];
          const decl = left.find((n) => n.text === name);
          if (decl)
            return {
              name,
              kind: 'local',
              declNode: decl,
              typeNode: null,
              valueNode: left.indexOf(decl) === 0 ? comm.childForFieldName('right') : null,
              func: enclosingFunction(parent),
            };
        }
        return undefined;
      }
      case 'function_declaration':
      case 'method_declaration':
      case 'func_literal': {
        if (parent.type === 'method_declaration') {
          const found = paramBinding(parent.childForFieldName('receiver'), name, 'receiver', parent);
          if (found) return found;
        }
        return (
          paramBinding(parent.childForFieldName('parameters'), name, 'param', parent) ??
          paramBinding(parent.childForFieldName('result'), name, 'result', parent)
        );
      }
      default:
        return undefined;
    }
  }

  /** The type of a binding, from its declared type or its initializer. */
  typeOfBinding(binding: Binding, depth = 0): GoType {
    if (binding.typeNode) return typeFromNode(binding.typeNode);
    if (binding.range) {
      const rangeType = this.pkg.underlying(this.typeOf(binding.range.clause.childForFieldName('right'), depth + 1));
      if (binding.range.position === 0) {
        if (rangeType.kind === 'map') return rangeType.key;
        if (rangeType.kind === 'slice' || rangeType.kind === 'array') return { kind: 'basic', name: 'int' };
        if (rangeType.kind === 'chan') return rangeType.elem;
      } else if (rangeType.kind === 'map' || rangeType.kind === 'slice' || rangeType.kind === 'array') {
        return rangeType.elem;
      }
      return UNKNOWN;
    }
    if (binding.valueNode) return this.typeOf(binding.valueNode, depth + 1);
    if (binding.tuple) return this.resultsOfCall(binding.tuple.call, depth + 1)[binding.tuple.index] ?? UNKNOWN;
    return UNKNOWN;
  }

  /** The type of an expression, as far as syntax can tell. */
  typeOf(expr: SyntaxNode | null | undefined, depth = 0): GoType {
    if (!expr || depth > 12) return UNKNOWN;
    // The tree is immutable and many questions ask about the same expressions: answers are kept.
    const known = this.types.get(expr.id);
    if (known) return known;
    const type = this.computeType(expr, depth);
    this.types.set(expr.id, type);
    return type;
  }

  private computeType(expr: SyntaxNode, depth: number): GoType {
    switch (expr.type) {
      case 'identifier': {
        const binding = this.resolve(expr.text, expr);
        return binding ? this.typeOfBinding(binding, depth + 1) : UNKNOWN;
      }
      case 'parenthesized_expression':
        return this.typeOf(expr.namedChildren[0], depth + 1);
      case 'interpreted_string_literal':
      case 'raw_string_literal':
        return { kind: 'basic', name: 'string' };
      case 'int_literal':
        return { kind: 'basic', name: 'int' };
      case 'composite_literal':
        return typeFromNode(expr.childForFieldName('type'));
      case 'unary_expression': {
        const operator = expr.childForFieldName('operator')?.text;
        const operand = expr.childForFieldName('operand');
        if (operator === '&') return { kind: 'pointer', elem: this.typeOf(operand, depth + 1) };
        if (operator === '*') {
          const t = this.pkg.underlying(this.typeOf(operand, depth + 1));
          return t.kind === 'pointer' ? t.elem : UNKNOWN;
        }
        if (operator === '<-') {
          const t = this.pkg.underlying(this.typeOf(operand, depth + 1));
          return t.kind === 'chan' ? t.elem : UNKNOWN;
        }
        return UNKNOWN;
      }
      case 'call_expression':
        return this.typeOfCall(expr, depth);
      case 'selector_expression': {
        const fieldName = expr.childForFieldName('field')?.text ?? '';
        const field = this.fieldOf(this.typeOf(expr.childForFieldName('operand'), depth + 1), fieldName);
        return field ?? UNKNOWN;
      }
      case 'index_expression': {
        const t = this.pkg.underlying(this.typeOf(expr.childForFieldName('operand'), depth + 1));
        if (t.kind === 'map' || t.kind === 'slice' || t.kind === 'array') return t.elem;
        return UNKNOWN;
      }
      case 'slice_expression': {
        const t = this.typeOf(expr.childForFieldName('operand'), depth + 1);
        const u = this.pkg.underlying(t);
        if (u.kind === 'array') return { kind: 'slice', elem: u.elem };
        return t;
      }
      case 'type_conversion_expression':
        return typeFromNode(expr.childForFieldName('type'));
      default:
        return UNKNOWN;
    }
  }

  private typeOfCall(call: SyntaxNode, depth: number): GoType {
    const fn = call.childForFieldName('function');
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    if (!fn) return UNKNOWN;
    if (fn.type === 'identifier') {
      if (this.resolve(fn.text, fn)) return UNKNOWN;
      switch (fn.text) {
        case 'make':
          return typeFromNode(args[0]);
        case 'new':
          return { kind: 'pointer', elem: typeFromNode(args[0]) };
        case 'append':
          return this.typeOf(args[0], depth + 1);
        case 'len':
        case 'cap':
          return { kind: 'basic', name: 'int' };
        case 'string':
          return { kind: 'basic', name: 'string' };
        default: {
          const result = this.pkg.funcResult(fn.text);
          if (result) return result;
          if (this.pkg.types.has(fn.text)) return { kind: 'named', name: fn.text };
          return UNKNOWN;
        }
      }
    }
    if (fn.type === 'parenthesized_expression' || fn.type.endsWith('_type'))
      return typeFromNode(fn.type === 'parenthesized_expression' ? fn.namedChildren[0] : fn);
    const results = this.resultsOfCall(call, depth + 1);
    return results.length === 1 ? (results[0] ?? UNKNOWN) : UNKNOWN;
  }

  /**
   * The result types of a call of a function or method declared in the package (`f()`,
   * `x.m()` with x's type known), or none.
   */
  resultsOfCall(call: SyntaxNode, depth = 0): GoType[] {
    if (depth > 12) return [];
    const fn = call.childForFieldName('function');
    if (fn?.type === 'identifier' && !this.resolve(fn.text, fn)) {
      const decl = this.pkg.funcs.get(fn.text);
      return decl ? resultTypes(decl.node.childForFieldName('result')) : [];
    }
    if (fn?.type !== 'selector_expression') return [];
    let receiver = this.typeOf(fn.childForFieldName('operand'), depth + 1);
    if (receiver.kind === 'pointer') receiver = receiver.elem;
    const name = fn.childForFieldName('field')?.text ?? '';
    const method = receiver.kind === 'named' ? this.pkg.method(receiver.name, name) : undefined;
    return method ? resultTypes(method.node.childForFieldName('result')) : [];
  }

  /** The type of field `name` of a value of type `type` (pointers followed once). */
  fieldOf(type: GoType, name: string): GoType | undefined {
    let t = this.pkg.underlying(type);
    if (t.kind === 'pointer') t = this.pkg.underlying(t.elem);
    if (t.kind !== 'struct') return undefined;
    return t.fields.find((f) => f.name === name)?.type;
  }
}

/**
 * Whether a mention of a name in a statement starting at `statementStart` can be a name the
 * statement declares: declared names (`a, b :=`, `var a, b T`, `const a =`) come before any `=` of
 * their line. A mention after one (`ch := make(chan int)` for make) is a use, and the statement is
 * not read from the tree: a function of many `x := make(…)` lines stays linear (issue #15).
 */
function mayBeDeclaredAt(source: string, statementStart: number, mention: number): boolean {
  const from = Math.max(statementStart, source.lastIndexOf('\n', mention) + 1);
  return !source.slice(from, mention).includes('=');
}

function hasToken(node: SyntaxNode, token: string): boolean {
  for (let i = 0; i < node.childCount; i++) if (node.child(i)?.type === token) return true;
  return false;
}

function declaredByStatement(statement: SyntaxNode, name: string, func: SyntaxNode | null): Binding | undefined {
  if (statement.type === 'short_var_declaration') {
    const left = statement.childForFieldName('left')?.namedChildren ?? [];
    const right = statement.childForFieldName('right')?.namedChildren ?? [];
    const index = left.findIndex((n) => n.text === name);
    const decl = left[index];
    if (!decl) return undefined;
    return {
      name,
      kind: 'local',
      declNode: decl,
      typeNode: null,
      valueNode: left.length === right.length ? (right[index] ?? null) : null,
      ...tupleOf(left.length, right, index),
      func,
    };
  }
  if (statement.type === 'var_declaration') {
    for (const spec of statement.descendantsOfType('var_spec')) {
      const names = spec.childrenForFieldName('name');
      const index = names.findIndex((n) => n.text === name);
      const decl = names[index];
      if (!decl) continue;
      const values = spec.childForFieldName('value')?.namedChildren ?? [];
      return {
        name,
        kind: 'local',
        declNode: decl,
        typeNode: spec.childForFieldName('type'),
        valueNode: values.length === names.length ? (values[index] ?? null) : null,
        func,
      };
    }
  }
  if (statement.type === 'const_declaration') {
    for (const spec of statement.descendantsOfType('const_spec')) {
      const decl = spec.childrenForFieldName('name').find((n) => n.text === name);
      if (decl) return { name, kind: 'local', declNode: decl, typeNode: spec.childForFieldName('type'), valueNode: null, func };
    }
  }
  if (statement.type === 'labeled_statement') {
    const inner = statement.namedChildren.find((c) => c.type !== 'label_name');
    if (inner) return declaredByStatement(inner, name, func);
  }
  return undefined;
}

/** `a, b := f()`: several names and one call on the right: which result a name takes. */
function tupleOf(names: number, right: readonly SyntaxNode[], index: number): { tuple?: { call: SyntaxNode; index: number } } {
  const only = right.length === 1 ? right[0] : undefined;
  return names > 1 && only?.type === 'call_expression' ? { tuple: { call: only, index } } : {};
}

function paramBinding(list: SyntaxNode | null, name: string, kind: BindingKind, func: SyntaxNode): Binding | undefined {
  if (!list || list.type !== 'parameter_list') return undefined;
  for (const param of list.namedChildren) {
    if (param.type !== 'parameter_declaration' && param.type !== 'variadic_parameter_declaration') continue;
    const decl = param.childrenForFieldName('name').find((n) => n.text === name);
    if (!decl) continue;
    const typeNode = param.childForFieldName('type');
    // A variadic `xs ...T` has type []T, which has no node of its own: leave it unknown.
    if (param.type === 'variadic_parameter_declaration') return { name, kind, declNode: decl, typeNode: null, valueNode: null, func };
    return { name, kind, declNode: decl, typeNode, valueNode: null, func };
  }
  return undefined;
}
