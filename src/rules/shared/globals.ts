/**
 * Helpers for the rules about package-level variables: package-wide references (every file of the
 * package, locals that shadow the global left out), "does this code run only once", and the type a
 * package-level variable was declared with.
 */
import { indexContaining, type GoFile } from '../../analysis/go-file.js';
import type { PackageIndex, PackageVar } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingDeclaration, enclosingFunction, type Scope } from '../../analysis/scope.js';
import { typeFromNode, type GoType } from '../../analysis/types.js';
import { argumentsOf, unparen } from '../../analysis/syntax.js';

/** A mention of a package-level variable, with the scope of the file it is in. */
export interface PackageRef {
  readonly file: GoFile;
  readonly node: SyntaxNode;
  readonly scope: Scope;
}

const refCache = new WeakMap<PackageIndex, Map<string, PackageRef[]>>();

/**
 * Every mention of the package-level variable `name` in every file of the package
 * ({@link PackageIndex.globalRefs}), leaving out locals that shadow it (each resolved with the
 * scope of its own file) and field names in keyed composite literals (`T{name: …}`), which are not
 * references. Cached per package.
 */
export function packageRefs(pkg: PackageIndex, name: string): PackageRef[] {
  let cache = refCache.get(pkg);
  if (!cache) refCache.set(pkg, (cache = new Map()));
  let refs = cache.get(name);
  if (refs) return refs;
  refs = [];
  for (const { file, node } of pkg.globalRefs(name, () => false)) {
    if (isLiteralKey(node)) continue;
    const scope = pkg.scopeOf(file);
    if (mayBeShadowed(file, node) && scope.isShadowed(node)) continue;
    refs.push({ file, node, scope });
  }
  cache.set(name, refs);
  return refs;
}

const DECLARING = [
  'short_var_declaration',
  'var_spec',
  'const_spec',
  'parameter_declaration',
  'variadic_parameter_declaration',
  'range_clause',
  'receive_statement',
  'type_switch_statement',
];
/** Per file, the names declared anywhere inside each top-level declaration (parallel to `file.topLevel`). */
const declaredNames = new WeakMap<GoFile, Array<Set<string>>>();
const directChecks = new WeakMap<GoFile, number>();
/** Shadowing checks a file gets one by one before the table of its declared names pays off. */
const DIRECT_CHECKS = 32;

/**
 * Whether a local declaration of the identifier's name may exist in the top-level declaration
 * around it. When none does, the identifier cannot be shadowed, and the exact (and slower)
 * {@link Scope.isShadowed} walk is skipped. The table of declared names is built with one native
 * pass over the file, once a file has had more than a few checks (sparse mentions are cheaper one
 * by one).
 */
export function mayBeShadowed(file: GoFile, ident: SyntaxNode): boolean {
  let decls = declaredNames.get(file);
  if (!decls) {
    const checks = (directChecks.get(file) ?? 0) + 1;
    directChecks.set(file, checks);
    if (checks <= DIRECT_CHECKS) return true;
    decls = file.topLevel.nodes.map(() => new Set<string>());
    for (const node of file.root.descendantsOfType(DECLARING)) {
      const owner = decls[indexContaining(file.topLevel, node.startIndex)];
      if (owner) for (const name of namesDeclaredBy(node)) owner.add(name);
    }
    declaredNames.set(file, decls);
  }
  const owner = decls[indexContaining(file.topLevel, ident.startIndex)];
  return !owner || owner.has(ident.text);
}

/** The names a declaring node may introduce (an over-approximation: `=` range clauses count too). */
function namesDeclaredBy(node: SyntaxNode): string[] {
  switch (node.type) {
    case 'short_var_declaration':
    case 'range_clause':
    case 'receive_statement':
      return (node.childForFieldName('left')?.namedChildren ?? []).map((n) => n.text);
    case 'type_switch_statement':
      return (node.childForFieldName('alias')?.namedChildren ?? []).map((n) => n.text);
    default:
      return node.childrenForFieldName('name').map((n) => n.text);
  }
}

/** Whether an identifier is the key of a keyed composite-literal element (`T{name: …}`): a field name, not a reference. */
export function isLiteralKey(ident: SyntaxNode): boolean {
  const element = ident.parent;
  return (
    element?.type === 'literal_element' &&
    element.parent?.type === 'keyed_element' &&
    element.parent.childForFieldName('key')?.id === element.id
  );
}

/** Whether a file is a Go test file: it is not part of the program, so what it does bounds nothing. */
export function isTestFile(file: GoFile): boolean {
  return file.path.endsWith('_test.go');
}

/**
 * Whether other packages may use the variable: an exported name outside package `main` (nothing
 * imports a main package).
 */
export function visibleOutside(pkg: PackageIndex, name: string): boolean {
  return pkg.name !== 'main' && /^\p{Lu}/u.test(name);
}

/** The type a package-level variable was declared with, or the type of its initializer. */
export function declaredType(pkg: PackageIndex, v: PackageVar): GoType {
  if (v.typeNode) return typeFromNode(v.typeNode);
  return pkg.scopeOf(v.file).typeOf(v.valueNode);
}

/** Whether `type` is `pkg.name` (or a pointer to it) for a standard-library import path as seen from `file`. */
export function isStdType(file: GoFile, type: GoType, importPath: string, name: string): boolean {
  const t = type.kind === 'pointer' ? type.elem : type;
  return t.kind === 'qualified' && t.name === name && file.imports.get(t.pkg) === importPath;
}

/** The expressions on the left and right of an assignment statement. */
export function assignmentSides(assignment: SyntaxNode): { left: SyntaxNode[]; right: SyntaxNode[]; operator: string } {
  return {
    left: assignment.childForFieldName('left')?.namedChildren.filter((n) => n.type !== 'comment') ?? [],
    right: assignment.childForFieldName('right')?.namedChildren.filter((n) => n.type !== 'comment') ?? [],
    operator: assignment.childForFieldName('operator')?.text ?? '',
  };
}

/**
 * The function whose invocation runs `node`: function literals that are called on the spot
 * (`func() { … }()`, also deferred) belong to the function around them; a literal started with
 * `go`, passed somewhere or stored is a function of its own.
 */
export function runningFunction(node: SyntaxNode): SyntaxNode | null {
  let fn = enclosingFunction(node);
  while (fn?.type === 'func_literal') {
    const call = fn.parent;
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== fn.id || call.parent?.type === 'go_statement') break;
    fn = enclosingFunction(fn);
  }
  return fn;
}

/**
 * Whether `node` runs once per program, at start-up: directly in `init()`, in `main()` of package
 * `main`, or in a `sync.Once.Do` / `sync.OnceFunc` / `sync.OnceValue(s)` callback (a literal, or a
 * package-level function handed to one). A literal started with `go` or passed elsewhere (an HTTP
 * handler registered in main) runs on its own terms and does not count.
 */
export function runsOnce(file: GoFile, scope: Scope, node: SyntaxNode): boolean {
  const fn = runningFunction(node);
  if (!fn) return false;
  if (fn.type === 'function_declaration') {
    const name = fn.childForFieldName('name')?.text ?? '';
    return name === 'init' || (name === 'main' && file.packageName === 'main') || isOnceFunction(scope.pkg, name);
  }
  if (fn.type !== 'func_literal' || fn.parent?.type !== 'argument_list') return false;
  const call = fn.parent.parent;
  if (!call || call.type !== 'call_expression') return false;
  const params = fn.childForFieldName('parameters')?.namedChildren ?? [];
  return params.length === 0 && isOnceCall(file, scope, call, fn);
}

const onceFunctions = new WeakMap<PackageIndex, Map<string, boolean>>();

/**
 * Whether a package-level function is handed to `once.Do(f)` or `sync.OnceFunc(f)` somewhere in
 * the package (found by a text search for `(f)`): it runs once. Calls of it elsewhere are not
 * looked for; the rules err towards silence.
 */
function isOnceFunction(pkg: PackageIndex, name: string): boolean {
  let cache = onceFunctions.get(pkg);
  if (!cache) onceFunctions.set(pkg, (cache = new Map()));
  let once = cache.get(name);
  if (once === undefined) {
    once = false;
    const needle = `(${name})`;
    for (const file of pkg.files) {
      for (let i = file.source.indexOf(needle); i !== -1 && !once; i = file.source.indexOf(needle, i + needle.length)) {
        const ident = file.root.descendantForIndex(i + 1, i + 1 + name.length);
        const call = ident.parent?.parent;
        if (ident.type !== 'identifier' || ident.parent?.type !== 'argument_list' || call?.type !== 'call_expression') continue;
        once = isOnceCall(file, pkg.scopeOf(file), call, ident);
      }
      if (once) break;
    }
    cache.set(name, once);
  }
  return once;
}

/** `once.Do(fn)` on a sync.Once (or a value of a type the syntax does not settle), or `sync.OnceFunc/OnceValue/OnceValues(fn)`. */
function isOnceCall(file: GoFile, scope: Scope, call: SyntaxNode, fn: SyntaxNode): boolean {
  const callee = call.childForFieldName('function');
  const args = argumentsOf(call);
  if (args.length !== 1 || args[0]?.id !== fn.id) return false;
  if (file.isQualified(callee, 'sync', ['OnceFunc', 'OnceValue', 'OnceValues'])) return true;
  if (callee?.type !== 'selector_expression' || callee.childForFieldName('field')?.text !== 'Do') return false;
  const type = scope.pkg.underlying(scope.typeOf(unparen(callee.childForFieldName('operand'))));
  // A `Do(f)` on a receiver of unknown type is almost always a sync.Once; the rules err towards silence.
  return type.kind === 'unknown' || isStdType(file, type, 'sync', 'Once');
}

/** The name of the function or method declaration that is or contains `fn` ("" for none). */
export function declarationName(fn: SyntaxNode | null): string {
  if (!fn) return '';
  const decl = fn.type === 'function_declaration' || fn.type === 'method_declaration' ? fn : enclosingDeclaration(fn);
  return decl?.childForFieldName('name')?.text ?? '';
}

/** A short description of a function for messages: its name, or "the function literal in f". */
export function describeFunction(fn: SyntaxNode | null): string {
  if (!fn) return 'the function';
  if (fn.type !== 'func_literal') return fn.childForFieldName('name')?.text ?? 'the function';
  const outer = declarationName(fn);
  return outer ? `the function literal in ${outer}` : 'the function literal';
}

/** The statements of a block, comments left out. */
export function statementsOf(block: SyntaxNode | null | undefined): SyntaxNode[] {
  const list = block?.namedChildren.find((c) => c.type === 'statement_list');
  return list?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
}
