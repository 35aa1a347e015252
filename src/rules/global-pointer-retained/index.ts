import type { GoFile } from '../../analysis/go-file.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { frequencyModel } from '../../analysis/frequency.js';
import { contains, type Scope } from '../../analysis/scope.js';
import { defineRule } from '../define-rule.js';
import {
  assignmentSides,
  declaredType,
  describeFunction,
  isLiteralKey,
  isTestFile,
  packageRefs,
  runningFunction,
  runsOnce,
  statementsOf,
  visibleOutside,
} from '../shared/globals.js';
import { isBuiltin, normalizeText, unparen, walk } from '../../analysis/syntax.js';

/** Function names that install long-lived values on purpose (setters, start-up and reset hooks). */
const SETTER_NAME = /^(?:[Ss]et|[Rr]eset|[Ii]nit|[Ii]nitiali[sz]e|[Ss]etup|[Cc]onfigure|[Rr]egister|[Ii]nstall|[Uu]se)(?:[\p{Lu}\d_]|$)/u;
const LOCK_METHODS = new Set(['Lock', 'Unlock', 'RLock', 'RUnlock']);

const candidateCache = new WeakMap<PackageIndex, Candidate[]>();

export default defineRule({
  id: 'global-pointer-retained',
  meta: {
    title: 'package-level pointer keeps a per-call value alive',
    family: 'globals',
    severity: 'notice',
    confidence: 'low',
    since: '0.1.0',
    fix: 'hint',
    messages: {
      retained:
        '{{name}} keeps {{what}} reachable after {{func}} returns, and nothing in the package resets it to nil; everything it references stays alive until the next assignment',
    },
    hint: "Don't keep per-call objects (requests, buffers, sessions) in package-level variables; pass them as arguments, or reset the variable to nil when the work is done",
    docs: {
      description:
        'A package-level variable is a garbage-collection root. When an ordinary function stores into one a pointer (or a slice or map of pointers) that it received as a parameter or allocated itself from its data, that object and everything it references (a request with its body, a buffer, a whole session) stay reachable after the function returns, until some later call overwrites the variable. If nothing in the package ever sets the variable back to `nil`, the last value is kept for the life of the process: the typical case is keeping "the last request" for debugging.',
      bad: 'var lastRequest *http.Request\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\tlastRequest = r // the request and its body stay reachable\n\tserve(w, r)\n}',
      good: 'var lastPath string\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\tlastPath = r.URL.Path // keep what you need, not the request\n\tserve(w, r)\n}',
      confidence:
        "Medium when the assignment runs again and again (an HTTP handler, a function called in an event loop): the variable keeps the last request's data. Low otherwise: most such variables hold a handle or configuration set up a few times.",
      notReported: [
        "Handles that are replaced on purpose: a function that reads the variable's previous value before assigning the new one (`old := server; server = next; old.Close()`): the variable holds the one current value by design.",
        'Assignments that run once at start-up: directly in `init()`, in `main()` of package `main`, or in a `sync.Once.Do` / `sync.OnceFunc` / `sync.OnceValue` callback (a literal, or a package-level function handed to one: `once.Do(load)`), and package-level initialisers such as `var client = NewClient()`. A handler literal registered from `main` is still reported.',
        'Lazy initialisation guarded by a nil check of the same variable (`if client == nil { client = &Client{…} }`): it is meant to live as long as the program.',
        'Setters and lifecycle hooks: functions named `Set…`, `Reset…`, `Init…`, `Setup…`, `Configure…`, `Register…`, `Install…` or `Use…`, and functions whose only statements are assignments to package-level variables (with optional locking): the caller decides the lifetime, usually at start-up.',
        "Fresh values assigned directly that hold none of the function's data (`g = make(…)`, `g = new(T)`, `g = &T{}`, `g = &T{size: 64}`): replacing a global with a new empty value releases the old one; it is state being reset, not a call's data being kept. A local that starts fresh and is then published (`m := make(…); m[k] = v; g = m`) is reported.",
        "Values that come from a method's receiver (`func (s *Server) serve() { current = s }`): a method publishing its own object usually registers a long-lived instance.",
        "Values the syntax cannot trace to the function's parameters or its own allocations, such as results of calls (`s := NewSession(r)`): the callee may return a shared, long-lived object.",
        'Variables that anything in the package resets: `= nil`, `s = s[:0]`, `clear`, `delete` anywhere in any file of the package, or whose address is taken (`&v`, so someone else may reset it).',
        'Exported variables outside package `main` (other packages may reset them), variables of interface type, and assignments in test files (`_test.go`; a reset in a test file does not count either).',
        'Appends to a package-level slice and insertions into a package-level map: those grow rather than replace, and are reported by `global-unbounded-cache`.',
      ],
    },
  },
  // Candidates come from the package index (package-level pointers and slices or maps of pointers)
  // and their mentions from a text search, so the rule never iterates a file's nodes.
  nodeTypes: [],
  check({ file, pkg, scope, report }) {
    if (pkg.vars.size === 0 || isTestFile(file)) return;
    for (const { name, assignment, value } of retainedAssignments(pkg)) {
      if (assignment.file !== file) continue;
      const fn = runningFunction(assignment.node);
      if (!fn || runsOnce(file, scope, assignment.node) || isLazyInit(assignment.node, fn, name) || isSetter(pkg, scope, fn)) continue;
      const what = origin(scope, value, fn, 0);
      if (!what || replacesHandle(scope, assignment.node, name)) continue;
      // Only a value replaced again and again (a handler, a loop) is "the last request": medium.
      // Otherwise a setter-like assignment of unknown frequency: low.
      const repeated = frequencyModel(pkg).frequencyAt(file, assignment.node).frequency === 'repeated';
      report({
        node: assignment.node,
        messageId: 'retained',
        data: { name, what, func: describeFunction(fn) },
        confidence: repeated ? 'medium' : 'low',
      });
    }
  },
});

/** A whole-variable assignment `v = value` to a package-level variable that nothing resets. */
interface Candidate {
  readonly name: string;
  readonly assignment: { readonly file: GoFile; readonly node: SyntaxNode };
  readonly value: SyntaxNode;
}

/**
 * The assignments (outside test files) to package-level pointers, and slices or maps of pointers,
 * that nothing in the package resets; computed once per package.
 */
function retainedAssignments(pkg: PackageIndex): Candidate[] {
  let list = candidateCache.get(pkg);
  if (!list) {
    list = [];
    for (const name of pkg.vars.keys()) list.push(...candidatesFor(pkg, name));
    candidateCache.set(pkg, list);
  }
  return list;
}

function candidatesFor(pkg: PackageIndex, name: string): Candidate[] {
  const v = pkg.vars.get(name);
  if (!v || isTestFile(v.file) || visibleOutside(pkg, name)) return [];
  const type = pkg.underlying(declaredType(pkg, v));
  const holdsPointer =
    type.kind === 'pointer' || ((type.kind === 'slice' || type.kind === 'map') && pkg.underlying(type.elem).kind === 'pointer');
  if (!holdsPointer || !assignedInText(pkg, name)) return [];
  const candidates: Candidate[] = [];
  for (const ref of packageRefs(pkg, name)) {
    // Test files are not part of the program: their resets bound nothing, their assignments are not reported.
    if (isTestFile(ref.file)) continue;
    if (resets(ref.scope, ref.node)) return [];
    const value = assignedValue(ref.node);
    if (value) candidates.push({ name, assignment: { file: ref.file, node: value.assignment }, value: value.value });
  }
  return candidates;
}

/** What follows a variable that is assigned: `v = …`, `v, w = …` (`v, w := …` too: the tree tells them apart). */
const ASSIGNED_AFTER = /^[ \t]*(?:,[^=\n]*)?=(?!=)/;

/** Whether some mention of the variable in the package's text is followed by an assignment's `=` (a cheap filter before the tree). */
function assignedInText(pkg: PackageIndex, name: string): boolean {
  return pkg
    .varMentions(name)
    .some(({ file, index }) => ASSIGNED_AFTER.test(file.source.slice(index + name.length, index + name.length + 200)));
}

/** For `v = value` (also one pair of `a, v = x, value`), the assignment and the value. */
function assignedValue(ref: SyntaxNode): { assignment: SyntaxNode; value: SyntaxNode } | undefined {
  const list = ref.parent;
  const assignment = list?.parent;
  if (list?.type !== 'expression_list' || assignment?.type !== 'assignment_statement') return undefined;
  if (assignment.childForFieldName('left')?.id !== list.id) return undefined;
  const { left, right, operator } = assignmentSides(assignment);
  if (operator !== '=' || left.length !== right.length) return undefined;
  const value = right[left.findIndex((n) => n.id === ref.id)];
  return value ? { assignment, value } : undefined;
}

/** Whether a mention resets the variable (`= nil`, `= v[:…]`, `clear(v)`, `delete(v, k)`) or lets others do so (`&v`). */
function resets(scope: Scope, ref: SyntaxNode): boolean {
  const parent = ref.parent;
  if (!parent) return false;
  if (parent.type === 'unary_expression') return parent.childForFieldName('operator')?.text === '&';
  if (parent.type === 'argument_list') {
    const callee = parent.parent?.childForFieldName('function');
    return isBuiltin(scope, callee, 'clear') || isBuiltin(scope, callee, 'delete');
  }
  const assignment = parent.parent;
  if (parent.type !== 'expression_list' || assignment?.type !== 'assignment_statement') return false;
  if (assignment.childForFieldName('left')?.id !== parent.id) return false;
  const sides = assignmentSides(assignment);
  const index = sides.left.findIndex((n) => n.id === ref.id);
  const value = unparen(sides.left.length === sides.right.length ? sides.right[index] : null);
  if (!value) return false;
  if (value.type === 'nil') return true;
  const operand = value.type === 'slice_expression' ? unparen(value.childForFieldName('operand')) : null;
  return operand?.type === 'identifier' && operand.text === ref.text;
}

/**
 * `old := g; g = next; old.Stop()`: the function reads the global's previous value before
 * replacing it, the way code swaps the handle of a running service (a server, a listener). The
 * global holds the one current value by design.
 */
function replacesHandle(scope: Scope, assignment: SyntaxNode, name: string): boolean {
  const fn = runningFunction(assignment);
  const body = fn?.childForFieldName('body');
  if (!body) return false;
  let found = false;
  walk(body, (node) => {
    if (found || node.startIndex >= assignment.startIndex) return false;
    if (node.type === 'short_var_declaration' || node.type === 'assignment_statement') {
      const right = node.childForFieldName('right')?.namedChildren ?? [];
      if (right.some((r) => unparen(r)?.type === 'identifier' && unparen(r)?.text === name && !scope.isShadowed(unparen(r) ?? r)))
        found = true;
    }
    return !found;
  });
  return found;
}

/** `if v == nil { v = … }`: lazy initialisation of a long-lived value. */
function isLazyInit(assignment: SyntaxNode, fn: SyntaxNode, name: string): boolean {
  for (let n = assignment.parent; n && n.id !== fn.id; n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const condition = normalizeText(n.childForFieldName('condition')?.text ?? '');
    if (condition.includes(`${name}==nil`) || condition.includes(`nil==${name}`)) return true;
  }
  return false;
}

/**
 * A declared function named like a setter, or an exported one whose body only assigns package-level
 * variables (and locks): a configuration API, called at start-up. An unexported one-liner such as
 * `func track(r *Request) { last = r }` is more likely a per-call helper and stays reported.
 */
function isSetter(pkg: PackageIndex, scope: Scope, fn: SyntaxNode): boolean {
  if (fn.type === 'func_literal') return false;
  const name = fn.childForFieldName('name')?.text ?? '';
  if (SETTER_NAME.test(name)) return true;
  if (!/^\p{Lu}/u.test(name)) return false;
  const statements = statementsOf(fn.childForFieldName('body'));
  return (
    statements.length > 0 &&
    statements.every((s) => {
      if (s.type === 'assignment_statement')
        return assignmentSides(s).left.every((t) => t.type === 'identifier' && pkg.vars.has(t.text) && !scope.isShadowed(t));
      const call = s.type === 'expression_statement' || s.type === 'defer_statement' ? unparen(s.namedChildren[0]) : null;
      const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
      return callee?.type === 'selector_expression' && LOCK_METHODS.has(callee.childForFieldName('field')?.text ?? '');
    })
  );
}

/**
 * Where a value comes from, for the message, when it is the function's own: a parameter (or
 * something reached from one), the address of a local, or an allocation holding the function's
 * data. Undefined when the syntax does not say.
 */
function origin(scope: Scope, expr: SyntaxNode, fn: SyntaxNode, depth: number): string | undefined {
  const e = unparen(expr);
  if (!e || depth > 4) return undefined;
  switch (e.type) {
    case 'identifier': {
      const binding = scope.resolveIdent(e);
      if (!binding?.func || !contains(binding.func, fn)) return undefined;
      if (binding.kind === 'param') return `the parameter ${e.text}`;
      // The receiver is left out: a method publishing its own object (`current = s`) usually registers a long-lived instance.
      if (binding.kind !== 'local') return undefined;
      if (binding.range) {
        if (binding.range.position !== 1) return undefined;
        const source = origin(scope, binding.range.clause.childForFieldName('right') ?? e, fn, depth + 1);
        return source ? `an element of ${source}` : undefined;
      }
      if (!binding.valueNode) return undefined;
      // A local that starts as a fresh value is filled by the function before it is published (`m := make(…); m[k] = v; g = m`).
      if (isFreshValue(scope, binding.valueNode)) return `a value allocated in ${describeFunction(fn)}`;
      return origin(scope, binding.valueNode, fn, depth + 1);
    }
    case 'unary_expression': {
      if (e.childForFieldName('operator')?.text !== '&') return undefined;
      const operand = unparen(e.childForFieldName('operand'));
      if (!operand) return undefined;
      if (operand.type === 'composite_literal') return allocation(scope, operand, fn);
      if (operand.type === 'identifier') {
        const binding = scope.resolveIdent(operand);
        if (binding?.func && contains(binding.func, fn) && binding.kind !== 'package') return `the local variable ${operand.text}`;
        return undefined;
      }
      return reachedFrom(scope, operand, fn);
    }
    case 'composite_literal':
      return allocation(scope, e, fn);
    case 'selector_expression':
    case 'index_expression':
      return reachedFrom(scope, e, fn);
    default:
      return undefined;
  }
}

/** `p.f.g` or `p.items[i]` with `p` a parameter: a value reached from the caller's data. */
function reachedFrom(scope: Scope, expr: SyntaxNode, fn: SyntaxNode): string | undefined {
  let root: SyntaxNode | null = expr;
  while (root && (root.type === 'selector_expression' || root.type === 'index_expression' || root.type === 'parenthesized_expression'))
    root = root.type === 'parenthesized_expression' ? (root.namedChildren[0] ?? null) : root.childForFieldName('operand');
  if (root?.type !== 'identifier') return undefined;
  const binding = scope.resolveIdent(root);
  if (!binding?.func || !contains(binding.func, fn)) return undefined;
  return binding.kind === 'param' ? `a value reached from the parameter ${root.text}` : undefined;
}

/** `make(…)`, `new(T)`, a composite literal or `&T{…}`. */
function isFreshValue(scope: Scope, expr: SyntaxNode): boolean {
  const e = unparen(expr);
  if (!e) return false;
  if (e.type === 'composite_literal') return true;
  if (e.type === 'unary_expression' && e.childForFieldName('operator')?.text === '&')
    return unparen(e.childForFieldName('operand'))?.type === 'composite_literal';
  const callee = e.type === 'call_expression' ? e.childForFieldName('function') : null;
  return isBuiltin(scope, callee, 'make') || isBuiltin(scope, callee, 'new');
}

/** A composite literal that packs the function's own data (a parameter or a local); empty or constant literals do not count. */
function allocation(scope: Scope, literal: SyntaxNode, fn: SyntaxNode): string | undefined {
  const body = literal.childForFieldName('body');
  if (!body) return undefined;
  let holdsCallData = false;
  walk(body, (node) => {
    if (holdsCallData) return false;
    if (node.type !== 'identifier') return true;
    if (isLiteralKey(node)) return false;
    const binding = scope.resolveIdent(node);
    if (binding && (binding.kind === 'param' || binding.kind === 'local') && binding.func && contains(binding.func, fn))
      holdsCallData = true;
    return false;
  });
  return holdsCallData ? `a value allocated in ${describeFunction(fn)}` : undefined;
}
