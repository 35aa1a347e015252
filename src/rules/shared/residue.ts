/**
 * Helpers of the slice-residue rules (subslice-retains-backing-array, pointer-slice-stale-element):
 * constant evaluation, simple access paths, write detection, and the standard-library names a fix may use.
 */
import { defaultImportName, type GoFile } from '../../analysis/go-file.js';
import type { TextEdit } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import type { Binding, Scope } from '../../analysis/scope.js';
import { addImport } from '../../fix/edits.js';
import { isBuiltin, referencesTo, unparen } from '../../analysis/syntax.js';

/** A standard-library package a fix calls: the name to write, and the edit importing it when the file does not yet. */
export interface FixImport {
  readonly name: string;
  readonly edit: TextEdit | null;
}

/**
 * The qualifier under which a fix at `at` can call into `importPath`: the file's own import name, or the
 * default name with an import edit. Undefined when that name means something else there (another
 * import, a local, a package-level declaration), so the fix would not compile.
 */
export function stdImport(file: GoFile, scope: Scope, pkg: PackageIndex, importPath: string, at: SyntaxNode): FixImport | undefined {
  const existing = file.importName(importPath);
  const name = existing ?? defaultImportName(importPath);
  if (existing === undefined && file.imports.has(name)) return undefined;
  if (scope.resolve(name, at) || pkg.funcs.has(name) || pkg.types.has(name) || pkg.consts.has(name)) return undefined;
  if (existing !== undefined) return { name, edit: null };
  const edit = addImport(file, importPath);
  return edit ? { name, edit } : undefined;
}

/** Whether a predeclared name (`append`, `string`, `clear`, …) means the builtin at `at`. */
export function builtinVisible(scope: Scope, pkg: PackageIndex, name: string, at: SyntaxNode): boolean {
  return !scope.resolve(name, at) && !pkg.funcs.has(name) && !pkg.types.has(name) && !pkg.consts.has(name);
}

/** An identifier, a chain of field selections on one, or `*p`, possibly parenthesised: evaluating it has no side effects. */
export function isSimplePath(node: SyntaxNode | null | undefined): boolean {
  const n = unparen(node);
  if (!n) return false;
  if (n.type === 'identifier') return true;
  if (n.type === 'selector_expression') return isSimplePath(n.childForFieldName('operand'));
  if (n.type === 'unary_expression' && n.childForFieldName('operator')?.text === '*') return isSimplePath(n.childForFieldName('operand'));
  return false;
}

/** The text of a simple path with parentheses and spaces removed (`(*s)` and `*s` compare equal). */
export function pathKey(node: SyntaxNode | null | undefined): string {
  const n = unparen(node);
  if (!n) return '';
  if (n.type === 'selector_expression') return `${pathKey(n.childForFieldName('operand'))}.${n.childForFieldName('field')?.text ?? ''}`;
  if (n.type === 'unary_expression') return `*${pathKey(n.childForFieldName('operand'))}`;
  return n.text.replace(/\s+/g, '');
}

/** The root identifier of a simple path. */
export function pathRoot(node: SyntaxNode | null | undefined): SyntaxNode | null {
  const n = unparen(node);
  if (!n) return null;
  if (n.type === 'identifier') return n;
  if (n.type === 'selector_expression' || n.type === 'unary_expression') return pathRoot(n.childForFieldName('operand'));
  return null;
}

const MAX_CONST_DEPTH = 8;

/**
 * The value of an integer constant expression, when syntax settles it: literals, `+ - * / % << >>`,
 * parentheses, and constants declared in the function or the package with a plain value (not iota).
 */
export function constInt(scope: Scope, pkg: PackageIndex, node: SyntaxNode | null | undefined, depth = 0): number | undefined {
  const n = unparen(node);
  if (!n || depth > MAX_CONST_DEPTH) return undefined;
  switch (n.type) {
    case 'int_literal':
      return parseIntLiteral(n.text);
    case 'unary_expression': {
      const value = constInt(scope, pkg, n.childForFieldName('operand'), depth + 1);
      const operator = n.childForFieldName('operator')?.text;
      if (value === undefined) return undefined;
      return operator === '-' ? -value : operator === '+' ? value : undefined;
    }
    case 'binary_expression': {
      const left = constInt(scope, pkg, n.childForFieldName('left'), depth + 1);
      const right = constInt(scope, pkg, n.childForFieldName('right'), depth + 1);
      if (left === undefined || right === undefined) return undefined;
      const result = binary(n.childForFieldName('operator')?.text ?? '', left, right);
      return result !== undefined && Number.isSafeInteger(result) ? result : undefined;
    }
    case 'identifier': {
      const value = constValueNode(scope, pkg, n);
      return value ? constInt(scope, pkg, value, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

function binary(operator: string, left: number, right: number): number | undefined {
  switch (operator) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return right === 0 ? undefined : Math.trunc(left / right);
    case '%':
      return right === 0 ? undefined : left % right;
    case '<<':
      return right >= 0 && right < 63 ? left * 2 ** right : undefined;
    case '>>':
      return right >= 0 ? Math.floor(left / 2 ** right) : undefined;
    default:
      return undefined;
  }
}

function parseIntLiteral(text: string): number | undefined {
  const t = text.replace(/_/g, '').toLowerCase();
  const value = /^0[0-7]+$/.test(t) ? parseInt(t, 8) : Number(t);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The value expression of the constant an identifier names (a local const, else a package-level one). */
function constValueNode(scope: Scope, pkg: PackageIndex, ident: SyntaxNode): SyntaxNode | null {
  const binding = scope.resolve(ident.text, ident);
  if (binding) return binding.declNode.parent?.type === 'const_spec' ? specValue(binding.declNode.parent, ident.text) : null;
  if (!pkg.consts.has(ident.text)) return null;
  for (const file of pkg.files) {
    for (const decl of file.topLevel.nodes) {
      if (decl.type !== 'const_declaration') continue;
      for (const spec of decl.descendantsOfType('const_spec')) {
        if (spec.childrenForFieldName('name').some((name) => name.text === ident.text)) return specValue(spec, ident.text);
      }
    }
  }
  return null;
}

function specValue(spec: SyntaxNode, name: string): SyntaxNode | null {
  const names = spec.childrenForFieldName('name');
  const values = spec.childForFieldName('value')?.namedChildren ?? [];
  const index = names.findIndex((n) => n.text === name);
  return values.length === names.length && index >= 0 ? (values[index] ?? null) : null;
}

/** The outermost expression that is `node` in parentheses. */
export function outerParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  return n;
}

/** For an identifier written to as a whole, the assignment or declaration statement that writes it. */
export function writingStatement(ident: SyntaxNode): SyntaxNode | undefined {
  const expr = outerParens(ident);
  const list = expr.parent;
  const statement = list?.parent;
  if (list?.type === 'expression_list' && statement && statement.childForFieldName('left')?.id === list.id) {
    if (statement.type === 'assignment_statement' || statement.type === 'short_var_declaration') return statement;
  }
  if (list?.type === 'inc_statement' || list?.type === 'dec_statement') return list;
  return undefined;
}

/** Whether the address of an identifier is taken (`&x`), so it may change behind the syntax's back. */
export function addressTaken(ident: SyntaxNode): boolean {
  const parent = outerParens(ident).parent;
  return parent?.type === 'unary_expression' && parent.childForFieldName('operator')?.text === '&';
}

/** The body in which a function-local binding lives. */
export function bindingBody(binding: Binding): SyntaxNode | null {
  return binding.func?.childForFieldName('body') ?? null;
}

/**
 * Whether a function-local variable is never assigned after its declaration (except, when
 * `appends` is set, by `v = append(v, …)`), nor has its address taken.
 */
export function writtenOnce(scope: Scope, binding: Binding, appends = false): boolean {
  const body = bindingBody(binding);
  if (!body) return false;
  return referencesTo(scope, body, binding).every((ref) => {
    const writer = writingStatement(ref);
    return !addressTaken(ref) && (!writer || (appends && selfAppend(scope, writer, ref.text)));
  });
}

/** `v = append(v, …)`: a write that keeps what `v` held. */
export function selfAppend(scope: Scope, statement: SyntaxNode, name: string): boolean {
  if (statement.type !== 'assignment_statement' || statement.childForFieldName('operator')?.text !== '=') return false;
  const left = statement.childForFieldName('left')?.namedChildren ?? [];
  const right = statement.childForFieldName('right')?.namedChildren ?? [];
  const call = unparen(right[0]);
  if (left.length !== 1 || right.length !== 1 || call?.type !== 'call_expression') return false;
  if (!isBuiltin(scope, call.childForFieldName('function'), 'append')) return false;
  const first = call.childForFieldName('arguments')?.namedChildren[0];
  return unparen(first)?.text === name && unparen(left[0])?.text === name;
}
