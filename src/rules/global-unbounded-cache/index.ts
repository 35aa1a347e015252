import type { GoFile } from '../../analysis/go-file.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import { frequencyModel } from '../../analysis/frequency.js';
import type { Confidence } from '../../model.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import type { GoType } from '../../analysis/types.js';
import { isTestCode } from '../../analysis/test-code.js';
import type { Scope } from '../../analysis/scope.js';
import { defineRule } from '../define-rule.js';
import {
  assignmentSides,
  declarationName,
  declaredType,
  isStdType,
  isTestFile,
  mayBeShadowed,
  packageRefs,
  runningFunction,
  runsOnce,
  visibleOutside,
} from '../shared/globals.js';
import { argumentsOf, isBuiltin, statementOf, unparen } from '../../analysis/syntax.js';

/** The kinds of package-level container the rule follows. */
type CacheKind = 'map' | 'slice' | 'syncMap';

/** What a mention of the container does to it. */
type Use =
  /** Adds an entry; `key` is the key expression of a map or sync.Map insertion. */
  | { readonly kind: 'insert'; readonly statement: SyntaxNode; readonly key: SyntaxNode | null }
  /** Removes entries or replaces the container: the container is managed, stay silent. */
  | { readonly kind: 'shrink' }
  /** Reaches code the rule cannot follow (passed on, aliased, address taken): stay silent. */
  | { readonly kind: 'escape' }
  | { readonly kind: 'neutral' };

/** A container that nothing in the package shrinks, with its insertion statements (start-up code left out). */
interface Verdict {
  readonly kind: CacheKind;
  readonly inserts: ReadonlyArray<{ readonly file: GoFile; readonly statement: SyntaxNode }>;
}

const INSERT_METHODS = new Set(['Store', 'LoadOrStore', 'Swap']);
const REMOVE_METHODS = new Set(['Delete', 'LoadAndDelete', 'CompareAndDelete', 'Clear']);
const READ_METHODS = new Set(['Load', 'Range', 'CompareAndSwap']);
const REGISTER_NAME = /^(?:[Mm]ust)?[Rr]egister(?:[\p{Lu}\d_]|$)/u;

/** Hints for the containers the default hint (about maps) does not fit. */
const HINTS: Partial<Record<CacheKind, string>> = {
  slice:
    'Bound the slice: drop elements once they are handled (clear them, then reslice or reset to nil), or keep a fixed-size ring buffer of the most recent ones',
  syncMap:
    'Delete entries when they are no longer needed (Delete, LoadAndDelete), or use a bounded cache (an LRU such as hashicorp/golang-lru/v2) or a TTL sweep that removes old entries',
};

const verdictCache = new WeakMap<PackageIndex, Map<string, Verdict>>();

export default defineRule({
  id: 'global-unbounded-cache',
  meta: {
    title: 'package-level cache grows and is never evicted',
    family: 'globals',
    severity: 'warning',
    confidence: 'low',
    since: '0.1.0',
    fix: 'hint',
    messages: {
      map: '{{name}} is a package-level map that nothing in the package deletes from; every entry inserted here stays reachable for the life of the process',
      slice:
        '{{name}} is a package-level slice that nothing in the package truncates or resets; every element appended here stays reachable for the life of the process',
      syncMap:
        '{{name}} is a package-level sync.Map that nothing in the package deletes from; every value stored here stays reachable for the life of the process',
    },
    hint: 'Evict entries when they are no longer needed (delete), bound the cache (an LRU such as hashicorp/golang-lru/v2), or add a TTL sweep that removes old entries',
    docs: {
      description:
        'A package-level variable is a garbage-collection root: whatever it references lives as long as the process. A package-level map, slice or `sync.Map` whose entries hold pointers (pointers, slices, maps, channels, functions, interfaces, or structs with any of those) that is inserted into while nothing anywhere in the package ever removes from it (no `delete`, `clear`, `Delete`, truncation or reassignment in any file of the package) grows with every insertion, and every object it references stays reachable forever. In a long-running service this is the slow leak of a session map nobody deletes from. The rule looks at every file of the package before deciding, and reports each insertion statement.',
      bad: 'var conns = map[string]*websocket.Conn{}\n\nfunc onOpen(id string, c *websocket.Conn) {\n\tconns[id] = c // nothing in the package ever deletes from conns\n}',
      good: 'var conns = map[string]*websocket.Conn{}\n\nfunc onOpen(id string, c *websocket.Conn) {\n\tconns[id] = c\n}\n\nfunc onClose(id string) {\n\tdelete(conns, id)\n}',
      confidence:
        'Medium when the insertion runs again and again (in a request handler or an event loop) with keys that are not looked up first (no get-or-create memo) and not of a small type (bool, 8- and 16-bit integers). Low otherwise: on real code nearly every package-level map is a cache that is the point (a memo over the keys a program uses, a registry filled by setup code, a table in a one-shot command or a test helper), which syntax cannot tell from a leak.',
      notReported: [
        'Element types that hold no pointers (`map[string]int`, `map[string]string`, `[]float64`): the entries cost their own bytes but keep no other objects alive; strings count as pointer-free here. Maps count when their keys or their values hold pointers; a `sync.Map` insertion counts unless both its key and value are known to be pointer-free (`Store(uid, name)` with an int and a string).',
        'Element types the syntax does not settle (a named type from another package such as `map[string]pkg.Conn`, a type parameter): the rule does not guess.',
        'Bounded cache types: anything that is not a map, a slice or a `sync.Map` (an LRU such as `*lru.Cache[K, V]`, `sync.Pool`, a struct with its own eviction), and tables of pools (`map[int]*sync.Pool`, any value type named `…Pool`), whose pools empty themselves. `sync.Map` is reported because it never evicts on its own.',
        'Containers that anything in the package shrinks: a `delete`, `clear`, `Delete`/`LoadAndDelete`/`CompareAndDelete`/`Clear`, a reassignment (`= nil`, `= make(…)`, `s = s[:0]`, `s = append(s[:i], s[i+1:]...)`) anywhere in any file of the package, even a conditional one: whether the eviction keeps up with the insertions is beyond syntax.',
        'Maps and `sync.Map`s that are passed to a function, assigned to another variable, returned, or whose address is taken, and slices whose address is taken or that have methods called on them: the code that receives them may evict.',
        'Insertions that run once at start-up: directly in `init()`, in `main()` of package `main`, or in a `sync.Once.Do` / `sync.OnceFunc` / `sync.OnceValue` callback, either a literal or a package-level function handed to one (`once.Do(load)`). A handler literal registered from `main` is still reported. Reassignments there are initialisation, not eviction.',
        'Registration tables: insertions in functions named `Register…`/`MustRegister…`, or in functions with an `if` that reads the table and then panics or calls `log.Fatal…`/`log.Panic…` (the "registered twice" check); they are filled by start-up code, often the `init` of other packages like database/sql drivers, and are bounded by the program text.',
        'Callback lists and tables (`[]func()`, `map[string]func(…)`): hooks registered by code, bounded by the program text.',
        'Per-type caches keyed by `reflect.Type` (a map with that key type, or an insertion whose key is one): bounded by the number of types in the program.',
        'Exported variables outside package `main`: other packages may evict from them.',
        'Test files (`_test.go`): insertions there are not reported, and a `delete` or reset there does not count, since tests do not bound the memory of the running program.',
        'Containers held in struct fields (`state.conns[id] = c`) or nested inside other containers (`byUser[u][id] = s`): a method may evict through a receiver the rule does not follow.',
      ],
    },
  },
  // Candidates come from the package index (package-level maps, slices and sync.Maps whose entries
  // hold pointers) and their mentions from a text search, so the rule never iterates a file's nodes.
  nodeTypes: [],
  check({ file, pkg, scope, report }) {
    if (pkg.vars.size === 0 || isTestFile(file)) return;
    for (const [name, verdict] of packageVerdicts(pkg)) {
      for (const insert of verdict.inserts) {
        if (insert.file !== file || isRegistration(file, scope, insert.statement, name)) continue;
        const hint = HINTS[verdict.kind];
        report({
          node: insert.statement,
          messageId: verdict.kind,
          data: { name },
          confidence: confidenceOf(file, pkg, insert.statement, name),
          ...(hint ? { hint } : {}),
        });
      }
    }
  },
});

/**
 * Growth matters when the insertion runs again and again with new keys: in a request handler or
 * an event loop (medium), unless the function first looks the key up and returns what it finds
 * (a memo over whatever keys the program uses) or the key's type has few values (a small integer,
 * a bool). Anything else (a registry filled by setup code, a memo in a one-shot tool) is low: on
 * real code nearly every such map is a cache that is the point (issue #9).
 */
function confidenceOf(file: GoFile, pkg: PackageIndex, statement: SyntaxNode, name: string): Confidence {
  if (isTestCode(file) || file.packageName === 'main') return 'low';
  if (isMemo(statement, name) || smallKey(pkg, file, statement)) return 'low';
  // Two levels of callers are enough to see a handler or an event loop; deeper chains stay low.
  return frequencyModel(pkg).frequencyAt(file, statement, SHALLOW).frequency === 'repeated' ? 'medium' : 'low';
}

/** A starting depth for frequency questions that follows two levels of callers (of the model's eight). */
const SHALLOW = 6;

/** A comma-ok lookup of the map (`v, ok := m[k]`) before the insertion: a get-or-create memo. */
function isMemo(statement: SyntaxNode, name: string): boolean {
  const fn = runningFunction(statement);
  const body = fn?.childForFieldName('body');
  if (!body) return false;
  const text = body.text.slice(0, Math.max(0, statement.startIndex - body.startIndex));
  // `v, ok := m[k]` (also in an if header) or `m.Load(k)` before the insertion: look up, then create.
  return new RegExp(`,\\s*\\w+\\s*:?=\\s*${name}\\s*\\[`).test(text) || new RegExp(`\\b${name}\\s*\\.\\s*Load\\s*\\(`).test(text);
}

/** A key of a type with few values: bool, 8- and 16-bit integers. */
function smallKey(pkg: PackageIndex, file: GoFile, statement: SyntaxNode): boolean {
  const target = statement.childForFieldName('left')?.namedChildren[0];
  const key = target?.type === 'index_expression' ? target.childForFieldName('index') : null;
  if (!key) return false;
  const type = pkg.underlying(pkg.scopeOf(file).typeOf(key));
  return type.kind === 'basic' && ['bool', 'int8', 'uint8', 'byte', 'int16', 'uint16'].includes(type.name);
}

/** The containers of a package that grow and are never shrunk, by name; computed once per package. */
function packageVerdicts(pkg: PackageIndex): Map<string, Verdict> {
  let verdicts = verdictCache.get(pkg);
  if (!verdicts) {
    verdicts = new Map();
    for (const name of pkg.vars.keys()) {
      const verdict = computeVerdict(pkg, name);
      if (verdict && verdict.inserts.length > 0) verdicts.set(name, verdict);
    }
    verdictCache.set(pkg, verdicts);
  }
  return verdicts;
}

function computeVerdict(pkg: PackageIndex, name: string): Verdict | null {
  const v = pkg.vars.get(name);
  if (!v || isTestFile(v.file) || visibleOutside(pkg, name)) return null;
  const kind = containerKind(pkg, v.file, name);
  if (!kind) return null;
  const inserts: Array<{ file: GoFile; statement: SyntaxNode }> = [];
  const seen = new Set<number>();
  for (const ref of packageRefs(pkg, name)) {
    // Test files are not part of the program: their evictions bound nothing, their insertions are not reported.
    if (isTestFile(ref.file)) continue;
    const use = classify(ref.file, ref.scope, ref.node, kind);
    if (use.kind === 'shrink' || use.kind === 'escape') return null;
    if (use.kind !== 'insert' || seen.has(use.statement.id) || isTypeKey(ref.file, ref.scope, use.key)) continue;
    if (kind === 'syncMap' && !storesPointers(pkg, ref.scope, use.key)) continue;
    if (!runsOnce(ref.file, ref.scope, use.statement)) {
      seen.add(use.statement.id);
      inserts.push({ file: ref.file, statement: use.statement });
    }
  }
  return { kind, inserts };
}

/** A map or slice whose entries hold pointers for certain, or a sync.Map; anything else is not followed. */
function containerKind(pkg: PackageIndex, file: GoFile, name: string): CacheKind | undefined {
  const v = pkg.vars.get(name);
  if (!v) return undefined;
  const type = declaredType(pkg, v);
  if (isStdType(file, type, 'sync', 'Map')) return 'syncMap';
  const u = pkg.underlying(type);
  // Callback lists and tables (`[]func()`, `map[string]func()`) are filled by code registering hooks, bounded by the program text.
  if ((u.kind === 'map' || u.kind === 'slice') && pkg.underlying(u.elem).kind === 'func') return undefined;
  if (u.kind === 'map' && isStdType(file, u.key, 'reflect', 'Type')) return undefined;
  // A table of pools (`map[int]*sync.Pool`, one per buffer size): the pools free their own contents.
  if ((u.kind === 'map' || u.kind === 'slice') && isPoolType(u.elem)) return undefined;
  if (u.kind === 'map' && (pkg.holdsPointers(u.key) === 'yes' || pkg.holdsPointers(u.elem) === 'yes')) return 'map';
  if (u.kind === 'slice' && pkg.holdsPointers(u.elem) === 'yes') return 'slice';
  return undefined;
}

/** `sync.Pool`, `*sync.Pool`, or any type named …Pool (`*mem.SimpleBufferPool`): a pool, which empties itself. */
function isPoolType(type: GoType): boolean {
  const t = type.kind === 'pointer' ? type.elem : type;
  return (t.kind === 'named' || t.kind === 'qualified') && /Pool$/.test(t.name);
}

/**
 * For a sync.Map insertion (`Store(k, v)`), whether the entry may hold pointers: the key or the
 * value is known to, or neither type is known. `Store(uid, name)` with an int and a string does not.
 */
function storesPointers(pkg: PackageIndex, scope: Scope, key: SyntaxNode | null): boolean {
  const call = key?.parent?.parent;
  const value = call?.type === 'call_expression' ? argumentsOf(call)[1] : undefined;
  if (!key || !value) return true;
  const keyHolds = pkg.holdsPointers(scope.typeOf(key));
  const valueHolds = pkg.holdsPointers(scope.typeOf(value));
  return keyHolds === 'yes' || valueHolds === 'yes' || (keyHolds === 'unknown' && valueHolds === 'unknown');
}

/** Whether an insertion's key is a `reflect.Type`: a per-type cache, bounded by the number of types in the program. */
function isTypeKey(file: GoFile, scope: Scope, key: SyntaxNode | null): boolean {
  return !!key && isStdType(file, scope.typeOf(key), 'reflect', 'Type');
}

/** What one mention of the container does to it. */
function classify(file: GoFile, scope: Scope, ref: SyntaxNode, kind: CacheKind): Use {
  const parent = ref.parent;
  if (!parent) return { kind: 'neutral' };
  switch (parent.type) {
    case 'index_expression': {
      if (parent.childForFieldName('operand')?.id !== ref.id) return kind === 'map' ? { kind: 'escape' } : { kind: 'neutral' };
      // m[k] = v inserts; reads, element writes of a slice and m[k].f = v do not grow the container.
      const list = parent.parent;
      const assignment = list?.parent;
      if (
        kind === 'map' &&
        list?.type === 'expression_list' &&
        assignment?.type === 'assignment_statement' &&
        assignment.childForFieldName('left')?.id === list.id &&
        assignmentSides(assignment).operator === '='
      )
        return { kind: 'insert', statement: assignment, key: parent.childForFieldName('index') };
      return { kind: 'neutral' };
    }
    case 'selector_expression': {
      if (kind !== 'syncMap') return { kind: 'escape' };
      const method = parent.childForFieldName('field')?.text ?? '';
      const call = parent.parent;
      if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== parent.id) return { kind: 'escape' };
      if (INSERT_METHODS.has(method)) {
        const statement = statementOf(call);
        return statement ? { kind: 'insert', statement, key: argumentsOf(call)[0] ?? null } : { kind: 'neutral' };
      }
      if (REMOVE_METHODS.has(method)) return { kind: 'shrink' };
      return READ_METHODS.has(method) ? { kind: 'neutral' } : { kind: 'escape' };
    }
    case 'argument_list': {
      const callee = parent.parent?.childForFieldName('function');
      const first = parent.namedChildren.find((n) => n.type !== 'comment')?.id === ref.id;
      if (first && (isBuiltin(scope, callee, 'delete') || isBuiltin(scope, callee, 'clear'))) return { kind: 'shrink' };
      if (isBuiltin(scope, callee, 'len') || isBuiltin(scope, callee, 'cap')) return { kind: 'neutral' };
      // A function that receives a slice gets a copy of its header: it cannot shrink or grow the variable.
      return kind === 'slice' ? { kind: 'neutral' } : { kind: 'escape' };
    }
    case 'unary_expression':
      return parent.childForFieldName('operator')?.text === '&' ? { kind: 'escape' } : { kind: 'neutral' };
    case 'range_clause':
    case 'binary_expression':
      // Ranging over the container or comparing it with nil reads it without handing it on.
      return { kind: 'neutral' };
    case 'expression_list': {
      const owner = parent.parent;
      const assigns =
        (owner?.type === 'assignment_statement' || owner?.type === 'range_clause') && owner.childForFieldName('left')?.id === parent.id;
      if (assigns) {
        if (kind === 'slice' && isSelfAppend(scope, owner, ref)) return { kind: 'insert', statement: owner, key: null };
        // Any other assignment replaces the container; at start-up that is initialisation, not eviction.
        return runsOnce(file, scope, owner) ? { kind: 'neutral' } : { kind: 'shrink' };
      }
      // Returned, sent, or assigned to another variable: a slice header copy cannot change the variable, a map can be evicted from.
      return kind === 'slice' ? { kind: 'neutral' } : { kind: 'escape' };
    }
    default:
      return kind === 'slice' ? { kind: 'neutral' } : { kind: 'escape' };
  }
}

/** `s = append(s, …)` where both `s` are the package-level variable. */
function isSelfAppend(scope: Scope, assignment: SyntaxNode, ref: SyntaxNode): boolean {
  const { left, right, operator } = assignmentSides(assignment);
  if (operator !== '=' || left.length !== 1 || right.length !== 1 || left[0]?.id !== ref.id) return false;
  const call = unparen(right[0]);
  if (call?.type !== 'call_expression' || !isBuiltin(scope, call.childForFieldName('function'), 'append')) return false;
  const first = unparen(argumentsOf(call)[0]);
  return first?.type === 'identifier' && first.text === ref.text && !(mayBeShadowed(scope.file, first) && scope.isShadowed(first));
}

/**
 * Whether an insertion fills a registration table: it is in a function named `Register…`, or in a
 * function with an `if` that reads the table in its header and panics (or calls log.Panic…/
 * log.Fatal…) in its body: the "registered twice" check (`if _, dup := m[k]; dup { panic(…) }`).
 * The calls are found by searching the function's text, so no function body is walked.
 */
function isRegistration(file: GoFile, scope: Scope, statement: SyntaxNode, name: string): boolean {
  const fn = runningFunction(statement);
  if (!fn) return false;
  if (REGISTER_NAME.test(declarationName(fn))) return true;
  const text = file.source.slice(fn.startIndex, fn.endIndex);
  for (const match of text.matchAll(/\b(?:panic|Panic\w*|Fatal\w*)\b/g)) {
    const start = fn.startIndex + (match.index ?? 0);
    const word = file.root.descendantForIndex(start, start + match[0].length);
    const callee = word.parent?.type === 'selector_expression' ? word.parent : word;
    const call = callee.parent;
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== callee.id || !stops(file, scope, callee)) continue;
    if (runningFunction(call)?.id !== fn.id) continue;
    for (let child: SyntaxNode = call, n = call.parent; n && n.id !== fn.id; child = n, n = n.parent) {
      if (n.type !== 'if_statement' || n.childForFieldName('consequence')?.id !== child.id) continue;
      const header = [n.childForFieldName('initializer'), n.childForFieldName('condition')];
      if (header.some((h) => h?.descendantsOfType('identifier').some((id) => id.text === name && !scope.isShadowed(id)))) return true;
    }
  }
  return false;
}

/** `panic(…)`, or `log.Panic…` / `log.Fatal…`. */
function stops(file: GoFile, scope: Scope, callee: SyntaxNode): boolean {
  if (callee.type === 'identifier') return isBuiltin(scope, callee, 'panic');
  const name = callee.childForFieldName('field')?.text ?? '';
  return file.isQualified(callee, 'log', name) && /^(?:Panic|Fatal)/.test(name);
}
