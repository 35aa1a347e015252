import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingFunction, type Scope } from '../../analysis/scope.js';
import type { GoFile } from '../../analysis/go-file.js';
import type { Fix } from '../../model.js';
import { insertLineAfterStatement, replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { fieldRefs } from '../../analysis/fields.js';
import { firstExitWithout } from '../../analysis/flow.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import { insideFuncLiteral, loopsBetween, referencesTo, unparen } from '../../analysis/syntax.js';

const CONSTRUCTORS = ['WithCancel', 'WithTimeout', 'WithDeadline', 'WithCancelCause', 'WithTimeoutCause', 'WithDeadlineCause'];

export default defineRule({
  id: 'context-cancel-leak',
  meta: {
    title: 'context cancel function is not called on every path',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      discarded:
        'the cancel function of context.{{ctor}} is discarded; the context and its timer stay reachable from the parent until it is done',
      neverCalled: '{{cancel}} is never called; the context and its timer stay reachable from the parent until it is done',
      earlyReturn:
        'the return at line {{line}} is reached before {{cancel}} is called; the context stays reachable from the parent until it is done',
      storedNeverCalled:
        '{{cancel}} is stored in {{field}}, but nothing in the package ever calls it; the context and its timer stay reachable from the parent until it is done',
    },
    hint: 'Call the cancel function on every path, usually with `defer cancel()` right after the context is made',
    docs: {
      description:
        'context.WithCancel, WithTimeout, WithDeadline and their Cause variants register the new context with its parent and (for timeouts) start a timer. Until the cancel function is called, or the parent is done, the parent keeps the child, its values and everything its goroutines reference reachable. A cancel function that is discarded, never called, or skipped by an early return leaks all of that for as long as the parent lives, which for `context.Background()` is forever.',
      bad: 'func query(parent context.Context, db *sql.DB) error {\n\tctx, _ := context.WithTimeout(parent, time.Second)\n\treturn db.PingContext(ctx)\n}',
      good: 'func query(parent context.Context, db *sql.DB) error {\n\tctx, cancel := context.WithTimeout(parent, time.Second)\n\tdefer cancel()\n\treturn db.PingContext(ctx)\n}',
      confidence:
        "High for every finding: a discarded or never-called cancel function, or a `return` that can follow the `context.With…` call without a call or `defer` of its cancel in between (what go vet's lostcancel reports), is a leak on that path whatever the caller does.",
      notReported: [
        "A `return` in another branch of the same `if`, `switch` or `select` as the `context.With…` call: it cannot follow it (a context made and deferred in one case does not leak through a sibling case's return). Loops are not followed back: a return reached only on a later iteration, after the cancel, is not reported.",
        'A cancel function that is returned, stored in a field or a variable that outlives the function, or passed to another function: its new owner is responsible for calling it.',
        'A cancel function referenced inside a function literal (`defer func() { cancel() }()`, a goroutine that calls it later): the rule cannot tell when the literal runs, so it assumes it does.',
        'A call to cancel inside an `if` before the return counts as a call: the rule does not follow conditions, and prefers silence to a guess.',
        "No suggestion inside loops: `defer cancel()` in a loop body would keep every iteration's context until the function returns; call cancel at the end of the iteration instead.",
      ],
    },
  },
  nodeTypes: [],
  requiresImports: ['context'],
  mustContain: ['.With'],
  check({ file, scope, pkg, report }) {
    for (const call of file.nodesMatching(/\.\s*With(?:Cancel|Timeout|Deadline)(?:Cause)?\s*\(/g, 'call_expression')) {
      const fn = call.childForFieldName('function');
      if (!file.isQualified(fn, 'context', CONSTRUCTORS)) continue;
      const ctor = fn?.childForFieldName('field')?.text ?? '';
      const target = cancelTarget(call);
      if (!target) continue;
      const { statement, cancelNode } = target;
      const func = enclosingFunction(call);
      if (!func) continue;
      if (cancelNode.type === 'blank_identifier' || cancelNode.text === '_') {
        report({ node: call, messageId: 'discarded', data: { ctor }, fix: makeFix(file, scope, statement, func, cancelNode, ctor, true) });
        continue;
      }
      // `ctx, s.cancel = context.WithCancel(…)`: stored straight into a field.
      const directField =
        unparen(cancelNode)?.type === 'selector_expression' ? neverCalledField(pkg, scope, unparen(cancelNode)) : undefined;
      if (directField) {
        report({ node: call, messageId: 'storedNeverCalled', data: { cancel: cancelNode.text, field: directField } });
        continue;
      }
      if (cancelNode.type !== 'identifier') continue;
      const binding = scope.resolve(cancelNode.text, cancelNode);
      if (!binding || binding.kind === 'package' || binding.kind === 'result' || binding.func?.id !== func.id) continue;
      const body = func.childForFieldName('body');
      if (!body) continue;
      const refs = referencesTo(scope, body, binding).filter((r) => r.id !== cancelNode.id);
      const escaping = refs.filter((r) => escapes(r, func));
      if (escaping.length > 0) {
        // Stored in a field that nothing calls (issue #11); any other escape hands it to an owner.
        const only = escaping.length === 1 ? escaping[0] : undefined;
        const field = only ? storedField(pkg, scope, only) : undefined;
        if (field) report({ node: call, messageId: 'storedNeverCalled', data: { cancel: binding.name, field } });
        continue;
      }
      const calls = refs.flatMap((r) =>
        r.parent?.type === 'call_expression' && r.parent.childForFieldName('function')?.id === r.id ? [r.parent] : [],
      );
      if (calls.length === 0) {
        report({
          node: call,
          messageId: 'neverCalled',
          data: { cancel: binding.name },
          fix: makeFix(file, scope, statement, func, cancelNode, ctor, false),
        });
        continue;
      }
      const exit = firstExitWithout(func, statement, calls, { returnsOnly: true });
      if (!exit) continue;
      report({
        node: call,
        messageId: 'earlyReturn',
        data: { cancel: binding.name, line: String(file.line(exit.node)) },
        fix: makeFix(file, scope, statement, func, cancelNode, ctor, false),
      });
    }
  },
});

/** The statement that receives the cancel function, and the expression it is assigned to. */
function cancelTarget(call: SyntaxNode): { statement: SyntaxNode; cancelNode: SyntaxNode } | undefined {
  const list = call.parent;
  const statement = list?.parent;
  if (list?.type !== 'expression_list' || list.namedChildCount !== 1 || !statement) return undefined;
  let left: SyntaxNode[] = [];
  if (
    (statement.type === 'short_var_declaration' || statement.type === 'assignment_statement') &&
    statement.childForFieldName('right')?.id === list.id
  ) {
    left = statement.childForFieldName('left')?.namedChildren ?? [];
  } else if (statement.type === 'var_spec') {
    left = statement.childrenForFieldName('name');
  }
  const cancelNode = left[1];
  if (left.length !== 2 || !cancelNode) return undefined;
  return { statement, cancelNode };
}

/**
 * For a cancel function stored in a field (`s.cancel = cancel`, `T{cancel: cancel}`), the field's
 * name when nothing in the package ever reads it again (so nothing can call it) and other packages
 * cannot either (the field is unexported, or the package is main).
 */
function storedField(pkg: PackageIndex, scope: Scope, ref: SyntaxNode): string | undefined {
  const parent = ref.parent;
  if (parent?.type === 'expression_list' && parent.parent?.type === 'assignment_statement') {
    const assignment = parent.parent;
    if (assignment.childForFieldName('right')?.id !== parent.id) return undefined;
    const index = parent.namedChildren.findIndex((n) => n.id === ref.id);
    const target = unparen(assignment.childForFieldName('left')?.namedChildren[index]);
    return target?.type === 'selector_expression' ? neverCalledField(pkg, scope, target) : undefined;
  }
  const keyed = parent?.type === 'literal_element' ? parent.parent : null;
  if (keyed?.type !== 'keyed_element' || keyed.childForFieldName('value')?.id !== parent?.id) return undefined;
  let literal: SyntaxNode | null = keyed.parent;
  while (literal && literal.type === 'literal_value') literal = literal.parent;
  const typeNode = literal?.type === 'composite_literal' ? literal.childForFieldName('type') : null;
  const typeName = typeNode?.type === 'type_identifier' ? typeNode.text : undefined;
  const field = keyed.childForFieldName('key')?.text;
  return typeName && field ? neverReadField(pkg, typeName, field) : undefined;
}

/** For a selector `x.f` naming a field of a package type: its name when the field is never read. */
function neverCalledField(pkg: PackageIndex, scope: Scope, selector: SyntaxNode | null): string | undefined {
  if (!selector) return undefined;
  let type = scope.typeOf(unparen(selector.childForFieldName('operand')));
  if (type.kind === 'pointer') type = type.elem;
  const field = selector.childForFieldName('field')?.text;
  return type.kind === 'named' && field ? neverReadField(pkg, type.name, field) : undefined;
}

function neverReadField(pkg: PackageIndex, typeName: string, field: string): string | undefined {
  if (!pkg.types.has(typeName) || (/^\p{Lu}/u.test(field) && pkg.name !== 'main')) return undefined;
  const refs = fieldRefs(pkg, { typeName, field });
  return refs.length > 0 && refs.every((r) => r.role === 'write') ? `${typeName}.${field}` : undefined;
}

/** A reference that hands the cancel function to code we cannot see. */
function escapes(ref: SyntaxNode, func: SyntaxNode): boolean {
  if (insideFuncLiteral(ref, func)) return true;
  const parent = ref.parent;
  if (!parent) return false;
  if (parent.type === 'call_expression' && parent.childForFieldName('function')?.id === ref.id) return false;
  if (parent.type === 'expression_list' && parent.parent?.type === 'assignment_statement') {
    const assignment = parent.parent;
    const left = assignment.childForFieldName('left')?.namedChildren ?? [];
    if (assignment.childForFieldName('left')?.id === parent.id) return false;
    // `_ = cancel` silences the compiler but does not call it.
    if (left.length === 1 && left[0]?.text === '_') return false;
  }
  return true;
}

/**
 * The suggestion: name a discarded cancel function `cancel`, and `defer` it on the next line.
 * None when the statement is not on its own line in a block, sits in a loop, or `cancel` is taken.
 */
function makeFix(
  file: GoFile,
  scope: Scope,
  statement: SyntaxNode,
  func: SyntaxNode,
  cancelNode: SyntaxNode,
  ctor: string,
  discarded: boolean,
): Fix | null {
  if (statement.parent?.type !== 'statement_list' || loopsBetween(statement, func).length > 0) return null;
  if (statement.type !== 'short_var_declaration' && statement.type !== 'assignment_statement') return null;
  const name = discarded ? 'cancel' : cancelNode.text;
  if (discarded && (statement.type !== 'short_var_declaration' || scope.resolve(name, statement) !== undefined)) return null;
  const argument = ctor === 'WithCancelCause' ? 'nil' : '';
  const deferCall = insertLineAfterStatement(file, statement, `defer ${name}(${argument})`);
  if (!deferCall) return null;
  const edits = [deferCall];
  if (discarded) edits.unshift(replaceNode(file, cancelNode, name));
  return { message: discarded ? 'Name the cancel function and defer it' : `Defer ${name}()`, edits };
}
