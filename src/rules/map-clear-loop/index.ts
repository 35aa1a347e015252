import type { GoFile } from '../../analysis/go-file.js';
import { lifetimeModel } from '../../analysis/lifetime.js';
import type { Fix } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingDeclaration, enclosingFunction, type Scope } from '../../analysis/scope.js';
import { typeFromNode } from '../../analysis/types.js';
import { replaceLines } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { argumentsOf, isBuiltin, normalizeText, referencesTo, someInSameFunction, unparen } from '../../analysis/syntax.js';

export default defineRule({
  id: 'map-clear-loop',
  meta: {
    title: 'map emptied key by key keeps its buckets',
    family: 'residue',
    severity: 'notice',
    confidence: 'low',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      loop: "deleting every key of {{map}} keeps its buckets at their largest size; the map's memory is released only when the map itself is replaced",
    },
    hint: 'If the map should give its memory back, replace it with a fresh one where its owner holds it (m = make(map[K]V)); clear(m) keeps the buckets too (and is what the compiler already makes of this loop). If it is emptied to be refilled, keeping the buckets is the point and this can be ignored',
    docs: {
      description:
        "A Go map never shrinks: deleting entries frees the values they point to, but the bucket array stays at the size the map once reached. Emptying a map with `for k := range m { delete(m, k) }` (which the compiler has turned into one runtime call since Go 1.11, the same as `clear(m)`) therefore keeps all of that memory, and a long-lived map that once held a million entries keeps a million entries' worth of buckets for as long as it lives. Only replacing the map, where its owner holds it, lets the old buckets be collected. Whether that is wanted depends on whether the map will grow again, which syntax cannot tell, so findings are of low confidence (shown with `--confidence low`).",
      bad: 'var sessions = map[string]*Session{}\n\nfunc reset() {\n\tfor id := range sessions {\n\t\tdelete(sessions, id)\n\t}\n}',
      good: 'var sessions = map[string]*Session{}\n\nfunc reset() {\n\tsessions = make(map[string]*Session)\n}',
      confidence:
        'Low for every finding: a map emptied key by key keeps its buckets, but whether that matters depends on whether it will grow that large again, which syntax cannot tell; most such loops empty a map to refill it, where keeping the buckets is the point.',
      notReported: [
        'Maps that die with the call: locals that are not returned, and maps the function gets from a call (`h := w.Header()`), which belong to someone else and cannot be replaced here.',
        'Maps refilled by the same function after the loop (`m[k] = v` later on): emptied to be reused, so keeping the buckets is the point. Loops in a `Reset` method (an object recycled, as with a sync.Pool) likewise.',
        'Loops that do anything besides the single `delete(m, k)`, or delete conditionally: they are not clearing the whole map.',
        'Maps reached through calls or index expressions (`get().m`, `ms[i]`): re-evaluating the expression in a fix could have side effects.',
        "No suggestion for a parameter or a receiver passed by value: assigning a fresh map there would not empty the caller's map; the hint says the owner must replace it. `clear(m)` is never suggested: it keeps the buckets too.",
        'No suggestion for a local map whose value came from elsewhere (`m := s.cache`): assigning a fresh map to the local would no longer empty the shared one.',
        "No suggestion when the map's type is not spelled out where it is declared, or uses a package the file does not import.",
      ],
    },
  },
  nodeTypes: [],
  skipTestFiles: true,
  mustContain: ['delete('],
  check({ file, scope, pkg, report }) {
    for (const loop of file.nodesMatching(/\bfor\b/g, 'for_statement')) {
      const target = clearedMap(scope, loop);
      if (!target || reused(loop, target) || diesWithCall(file, scope, pkg, target)) continue;
      const fix = makeFix(file, scope, pkg, loop, target);
      report({ node: loop, messageId: 'loop', data: { map: target.text }, fix, ...(fix ? {} : { hint: OWNER_NOTE }) });
    }
  },
});

const OWNER_NOTE =
  "Only the map's owner can release its buckets, by replacing it with a fresh map (m = make(map[K]V)) where it holds it; clear(m) keeps the buckets too. If the map is emptied to be refilled, keeping the buckets is the point and this can be ignored";

/**
 * Whether the map dies with the call anyway: a local that never leaves the function (not returned,
 * stored, passed on or put in a literal), or a local holding a map the function got from a call
 * (someone else's map, which it could not replace).
 */
function diesWithCall(file: GoFile, scope: Scope, pkg: PackageIndex, map: SyntaxNode): boolean {
  if (map.type !== 'identifier') return lifetimeModel(pkg).ownerOf(file, map).lifetime === 'call';
  const binding = scope.resolveIdent(map);
  if (!binding || binding.kind !== 'local') return false;
  const value = unparen(binding.valueNode);
  const made =
    value?.type === 'composite_literal' ||
    (value?.type === 'call_expression' && isBuiltin(scope, value.childForFieldName('function'), 'make'));
  if (value?.type === 'call_expression' && !made) return true;
  // A local aliasing a map held elsewhere (`m := s.cache`) empties that map: not the local's to drop.
  if (!made) return false;
  const body = binding.func?.childForFieldName('body');
  if (!body) return false;
  return referencesTo(scope, body, binding).every((ref) => {
    const parent = ref.parent;
    if (!parent) return true;
    if (parent.type === 'argument_list') {
      const callee = parent.parent?.childForFieldName('function');
      return ['delete', 'len', 'clear'].some((b) => isBuiltin(scope, callee, b));
    }
    if (parent.type === 'literal_element') return false;
    if (parent.type === 'expression_list') return parent.parent?.childForFieldName('left')?.id === parent.id;
    return true;
  });
}

/** The map is refilled after the loop in the same function, or the loop recycles an object (a Reset method). */
function reused(loop: SyntaxNode, map: SyntaxNode): boolean {
  const decl = enclosingDeclaration(loop);
  // `Reset()` is the conventional method that readies an object for reuse (protobuf messages, pooled values).
  if (decl?.type === 'method_declaration' && decl.childForFieldName('name')?.text === 'Reset') return true;
  const body = enclosingFunction(loop)?.childForFieldName('body');
  const key = normalizeText(map.text);
  return (
    !!body &&
    someInSameFunction(body, (n) => {
      if (n.startIndex < loop.endIndex || n.type !== 'assignment_statement') return false;
      const target = unparen(n.childForFieldName('left')?.namedChildren[0]);
      return target?.type === 'index_expression' && normalizeText(target.childForFieldName('operand')?.text ?? '') === key;
    })
  );
}

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

/**
 * The suggestion: `m = make(map[K]V)` where the map's owner holds it (a package-level variable, a
 * local, a field through a pointer), when the type is spelled out and usable in the file. Nothing
 * for parameters and receivers passed by value: the owner is elsewhere, and `clear(m)` would keep
 * the buckets too.
 */
function makeFix(file: GoFile, scope: Scope, pkg: PackageIndex, loop: SyntaxNode, map: SyntaxNode): Fix | null {
  const replace = (statement: string): Fix | null =>
    loop.parent?.type === 'statement_list'
      ? { message: 'Replace the map with a fresh one', edits: [replaceLines(file, file.line(loop), loop.endPosition.row + 1, [statement])] }
      : null;
  if (map.type === 'identifier') {
    const binding = scope.resolveIdent(map);
    if (!binding || binding.kind === 'param' || binding.kind === 'receiver') return null;
    const typeText = declaredMapType(file, scope, pkg, binding.typeNode, binding.valueNode, binding.kind === 'package');
    return typeText ? replace(`${map.text} = make(${typeText})`) : null;
  }
  const operand = unparen(map.childForFieldName('operand'));
  if (operand?.type !== 'identifier') return null;
  const owner = scope.resolveIdent(operand);
  if (!owner) return null;
  // A field of a struct passed by value: assigning to the copy's field would not clear the caller's map.
  if ((owner.kind === 'param' || owner.kind === 'receiver') && pkg.underlying(scope.typeOfBinding(owner)).kind !== 'pointer') return null;
  const field = map.childForFieldName('field')?.text ?? '';
  const fieldType = fieldTypeNode(scope, pkg, operand, field);
  if (!fieldType || !usableIn(file, fieldType) || !isMapType(pkg, fieldType)) return null;
  return replace(`${map.text} = make(${fieldType.text})`);
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
