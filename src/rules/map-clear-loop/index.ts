import type { GoFile } from '../../analysis/go-file.js';
import { atLeast, type GoVersion } from '../../analysis/go-version.js';
import type { Fix } from '../../analysis/model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import type { Scope } from '../../analysis/scope.js';
import { typeFromNode } from '../../analysis/types.js';
import { replaceLines } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { argumentsOf, isBuiltin, normalizeText, unparen } from '../shared/syntax.js';

const CLEAR_NOTE =
  "clear empties the caller's map but keeps its buckets; reassigning a parameter would not clear the caller's map, so to release the memory the owner of the map must replace it with a fresh one";

export default defineRule({
  id: 'map-clear-loop',
  meta: {
    title: 'map emptied key by key keeps its buckets',
    family: 'residue',
    severity: 'notice',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      loop: "deleting every key of {{map}} one by one keeps its buckets at their largest size; the map's memory is never released",
    },
    hint: 'Replace the map with a fresh one (m = make(map[K]V)) so the old buckets can be collected; clear(m) on Go 1.21+ is faster but also keeps the buckets',
    docs: {
      description:
        "A Go map never shrinks: deleting entries frees the values they point to, but the bucket array stays at the size the map once reached. Emptying a map with `for k := range m { delete(m, k) }` therefore keeps all of that memory, and a map that once held a million entries keeps a million entries' worth of buckets for as long as it lives. Assigning a fresh map lets the old buckets be collected.",
      bad: 'var sessions = map[string]*Session{}\n\nfunc reset() {\n\tfor id := range sessions {\n\t\tdelete(sessions, id)\n\t}\n}',
      good: 'var sessions = map[string]*Session{}\n\nfunc reset() {\n\tsessions = make(map[string]*Session)\n}',
      notReported: [
        'Loops that do anything besides the single `delete(m, k)`, or delete conditionally: they are not clearing the whole map.',
        'Maps reached through calls or index expressions (`get().m`, `ms[i]`): re-evaluating the expression in a fix could have side effects.',
        'No suggestion for a local map whose value came from elsewhere (`m := s.cache`): assigning a fresh map to the local would no longer empty the shared one.',
        "No suggestion when the map's type is not spelled out where it is declared, or uses a package the file does not import.",
      ],
      versions:
        "On Go 1.21 and later a parameter gets `clear(m)` as its suggestion (reassigning a parameter would not clear the caller's map); earlier versions get a hint only.",
    },
  },
  nodeTypes: [],
  skipTestFiles: true,
  mustContain: ['delete('],
  check({ file, scope, pkg, goVersion, report }) {
    for (const loop of file.nodesMatching(/\bfor\b/g, 'for_statement')) {
      const target = clearedMap(scope, loop);
      if (!target) continue;
      const { fix, hint } = makeFix(file, scope, pkg, loop, target, goVersion);
      report({ node: loop, messageId: 'loop', data: { map: target.text }, fix, ...(hint ? { hint } : {}) });
    }
  },
});

/** For `for k := range m { delete(m, k) }`, the map expression `m`. */
function clearedMap(scope: Scope, loop: SyntaxNode): SyntaxNode | undefined {
  const clause = loop.namedChildren.find((c) => c.type === 'range_clause');
  const body = loop.childForFieldName('body');
  if (!clause || !body) return undefined;
  const key = clause.childForFieldName('left')?.namedChildren[0];
  const map = unparen(clause.childForFieldName('right'));
  if (!key || key.type !== 'identifier' || key.text === '_' || !map || !isSimplePath(map)) return undefined;
  const statements = body.namedChildren.find((c) => c.type === 'statement_list')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const only = statements.length === 1 ? statements[0] : undefined;
  const call = only?.type === 'expression_statement' ? only.namedChildren[0] : undefined;
  if (call?.type !== 'call_expression' || !isBuiltin(scope, call.childForFieldName('function'), 'delete')) return undefined;
  const [mapArg, keyArg] = argumentsOf(call);
  if (!mapArg || !keyArg || normalizeText(mapArg.text) !== normalizeText(map.text) || keyArg.text !== key.text) return undefined;
  return map;
}

/** An identifier or a chain of field selections on one. */
function isSimplePath(node: SyntaxNode): boolean {
  let n: SyntaxNode | null = node;
  while (n?.type === 'selector_expression') n = unparen(n.childForFieldName('operand'));
  return n?.type === 'identifier';
}

function makeFix(
  file: GoFile,
  scope: Scope,
  pkg: PackageIndex,
  loop: SyntaxNode,
  map: SyntaxNode,
  goVersion: GoVersion | undefined,
): { fix: Fix | null; hint?: string } {
  const replace = (statement: string, message: string): Fix | null =>
    loop.parent?.type === 'statement_list'
      ? { message, edits: [replaceLines(file, file.line(loop), loop.endPosition.row + 1, [statement])] }
      : null;
  const clearFix = (): { fix: Fix | null; hint?: string } =>
    atLeast(goVersion, 21) ? { fix: replace(`clear(${map.text})`, 'Clear the map with clear'), hint: CLEAR_NOTE } : { fix: null };
  if (map.type === 'identifier') {
    const binding = scope.resolveIdent(map);
    if (!binding) return { fix: null };
    if (binding.kind === 'param' || binding.kind === 'receiver') return clearFix();
    const typeText = declaredMapType(file, scope, pkg, binding.typeNode, binding.valueNode, binding.kind === 'package');
    if (!typeText) return { fix: null };
    return { fix: replace(`${map.text} = make(${typeText})`, 'Replace the map with a fresh one') };
  }
  const operand = unparen(map.childForFieldName('operand'));
  if (operand?.type !== 'identifier') return { fix: null };
  const owner = scope.resolveIdent(operand);
  if (!owner) return { fix: null };
  // A field of a struct passed by value: assigning to the copy's field would not clear the caller's map.
  if ((owner.kind === 'param' || owner.kind === 'receiver') && pkg.underlying(scope.typeOfBinding(owner)).kind !== 'pointer')
    return clearFix();
  const field = map.childForFieldName('field')?.text ?? '';
  const fieldType = fieldTypeNode(scope, pkg, operand, field);
  if (!fieldType || !usableIn(file, fieldType) || !isMapType(pkg, fieldType)) return { fix: null };
  return { fix: replace(`${map.text} = make(${fieldType.text})`, 'Replace the map with a fresh one') };
}

/** The spelled-out type of a map variable, when it is fresh (made or a literal) or package-level. */
function declaredMapType(
  file: GoFile,
  scope: Scope,
  pkg: PackageIndex,
  typeNode: SyntaxNode | null,
  valueNode: SyntaxNode | null,
  packageLevel: boolean,
): string | undefined {
  if (typeNode) {
    if (!packageLevel && valueNode && !isFresh(scope, valueNode)) return undefined;
    return isMapType(pkg, typeNode) && usableIn(file, typeNode) ? typeNode.text : undefined;
  }
  if (!valueNode) return undefined;
  let literalType: SyntaxNode | null = null;
  if (valueNode.type === 'composite_literal') literalType = valueNode.childForFieldName('type');
  else if (valueNode.type === 'call_expression' && isBuiltin(scope, valueNode.childForFieldName('function'), 'make'))
    literalType = argumentsOf(valueNode)[0] ?? null;
  if (!literalType || !isMapType(pkg, literalType) || !usableIn(file, literalType)) return undefined;
  return literalType.text;
}

function isFresh(scope: Scope, value: SyntaxNode): boolean {
  return (
    value.type === 'composite_literal' ||
    (value.type === 'call_expression' && isBuiltin(scope, value.childForFieldName('function'), 'make'))
  );
}

function isMapType(pkg: PackageIndex, typeNode: SyntaxNode): boolean {
  return pkg.underlying(typeFromNode(typeNode)).kind === 'map';
}

/** The declared type node of field `field` of the struct that `operand` has (pointers followed). */
function fieldTypeNode(scope: Scope, pkg: PackageIndex, operand: SyntaxNode | null, field: string): SyntaxNode | null {
  let type = pkg.underlying(scope.typeOf(operand));
  if (type.kind === 'pointer') type = pkg.underlying(type.elem);
  if (type.kind !== 'struct') return null;
  return type.fields.find((f) => f.name === field)?.typeNode ?? null;
}

/** Whether every package a type mentions is imported under the same name in this file. */
function usableIn(file: GoFile, typeNode: SyntaxNode): boolean {
  return typeNode.descendantsOfType('qualified_type').every((q) => {
    const pkgName = q.childForFieldName('package')?.text ?? '';
    return file.imports.has(pkgName);
  });
}
