/**
 * How long values live, from the syntax of one package: the ownership half of the evidence model
 * (ARCHITECTURE.md, "Evidence, lifetime and confidence"). Retention only matters when the
 * container outlives the operation that filled it, so the residue and globals rules ask this model
 * who owns a slice, map or pointer and how long the owner lives.
 *
 * - `process`: a package-level variable, or a value reached from one: a GC root.
 * - `long`: a value of a type whose values are long-lived: held by a package-level variable (also
 *   through a generic wrapper such as `Singleton[T]`), built in start-up code, stored into a
 *   long-lived value, or handed to a method of a package-level variable.
 * - `call`: a value that dies with the call that made it: a local that is not returned, stored,
 *   sent or passed on; a type with no sign of long-lived values and at least two thirds of whose
 *   constructions in the package are such locals.
 * - `unknown`: anything the syntax does not settle, in particular exported types and values
 *   returned from exported constructors, whose callers are outside the package.
 *
 * Deliberately left to silence (the answer is `unknown`): values passed to functions (the callee
 * may keep them), sent on channels, held by goroutines, stored in maps or slices of locals, and
 * anything reached through interfaces or function values.
 */
import { frequencyModel } from './frequency.js';
import type { GoFile } from './go-file.js';
import type { PackageIndex } from './package-index.js';
import type { SyntaxNode } from './parser.js';
import { enclosingFunction, type Binding } from './scope.js';
import { argumentsOf, insideFuncLiteral, isBuiltin, referencesTo, unparen } from './syntax.js';
import type { GoType } from './types.js';
import { WORD_CLASS } from './words.js';

/** How long a value lives. */
export type Lifetime = 'process' | 'long' | 'call' | 'unknown';

/** A lifetime with the reason. */
export interface LifetimeEvidence {
  readonly lifetime: Lifetime;
  readonly why: string;
}

const UNKNOWN: LifetimeEvidence = { lifetime: 'unknown', why: 'the syntax does not say how long it lives' };
const MAX_DEPTH = 6;
/** Constructions of a type looked at when judging its lifetime. */
const MAX_SITES = 24;
/** Words that may name a type (qualified names are another package's: `pkg.T` yields pkg and T, and only package types count). */
const TYPE_WORDS = new RegExp(`(?<![${WORD_CLASS}.])[A-Za-z_\\u0080-\\uffff][${WORD_CLASS}]*`, 'g');
/** `T{`, `&T{`, `T[…]{`, `new(T)` at the start of an initialiser: the type constructed. */
const CONSTRUCTION_START = /^(?:&\s*)?([\p{L}_][\p{L}\p{N}_]*)\s*(?:\[[^\]]*\])?\s*\{|^new\s*\(\s*([\p{L}_][\p{L}\p{N}_]*)\s*\)/u;
/** `[…](` or `[…]{`: the type arguments of a generic call or literal. */
const TYPE_ARGUMENTS = /\[([^\]]*)\]\s*[({]/gu;

const models = new WeakMap<PackageIndex, LifetimeModel>();

/** The lifetime model of a package, made once and shared by every rule. */
export function lifetimeModel(pkg: PackageIndex): LifetimeModel {
  let model = models.get(pkg);
  if (!model) models.set(pkg, (model = new LifetimeModel(pkg)));
  return model;
}

/** Whether a lifetime outlives any single call: a GC root or a long-lived value. */
export function outlivesCalls(lifetime: Lifetime): boolean {
  return lifetime === 'process' || lifetime === 'long';
}

/** Lifetimes of the values of a package's types and of the owners of access paths, memoised. */
export class LifetimeModel {
  private readonly types = new Map<string, LifetimeEvidence>();
  private readonly inProgress = new Set<string>();
  private holderIndex: { globals: Map<string, string>; structs: Map<string, string[]> } | undefined;

  constructor(readonly pkg: PackageIndex) {}

  /**
   * The lifetime of the value that holds the last field of an access path (`q.items`: the value
   * `q` points to; `s.a.b`: the value `s.a`), or of a package-level variable named alone.
   */
  ownerOf(file: GoFile, path: SyntaxNode): LifetimeEvidence {
    const scope = this.pkg.scopeOf(file);
    const target = unparen(path);
    if (!target) return UNKNOWN;
    const root = rootOf(target);
    if (root?.type === 'identifier') {
      const binding = scope.resolveIdent(root);
      if (binding?.kind === 'package') return { lifetime: 'process', why: `reached from package-level variable ${binding.name}` };
    }
    if (target.type === 'identifier') return UNKNOWN;
    const operand = target.type === 'selector_expression' ? target.childForFieldName('operand') : null;
    if (!operand) return UNKNOWN;
    const owner = namedTypeName(this.pkg, scope.typeOf(unparen(operand)));
    return owner ? this.typeLifetime(owner) : UNKNOWN;
  }

  /** How long the values of a struct type declared in the package live. */
  typeLifetime(name: string, depth = 0): LifetimeEvidence {
    const known = this.types.get(name);
    if (known) return known;
    if (depth > MAX_DEPTH || this.inProgress.has(name)) return UNKNOWN;
    this.inProgress.add(name);
    let answer: LifetimeEvidence;
    try {
      answer = this.computeTypeLifetime(name, depth);
    } finally {
      this.inProgress.delete(name);
    }
    this.types.set(name, answer);
    return answer;
  }

  private computeTypeLifetime(name: string, depth: number): LifetimeEvidence {
    const decl = this.pkg.types.get(name);
    if (!decl) return UNKNOWN;
    const held = this.holders().globals.get(name);
    if (held) return { lifetime: 'long', why: `held by package-level variable ${held}` };
    for (const other of this.holders().structs.get(name) ?? []) {
      const outer = this.typeLifetime(other, depth + 1);
      if (outer.lifetime === 'long') return { lifetime: 'long', why: `a field of ${other}, which is ${outer.why}` };
    }
    // A sample is enough to tell a per-call type: the first constructions in the package's files.
    const sites = this.constructions(name).slice(0, MAX_SITES);
    let perCall = 0;
    for (const site of sites) {
      const flow = site.declared
        ? this.declaredLifetime(site.file, site.node, depth + 1)
        : this.siteLifetime(site.file, site.node, depth + 1);
      if (outlivesCalls(flow.lifetime))
        return { lifetime: 'long', why: `built at ${site.file.path}:${site.file.line(site.node)}, ${flow.why}` };
      if (flow.lifetime === 'call') perCall++;
    }
    // With no sign of a long-lived value, a type the package mostly makes per call is a per-call
    // type: the few constructions the syntax cannot follow are not evidence to the contrary.
    if (sites.length > 0 && perCall * 3 >= sites.length * 2)
      return { lifetime: 'call', why: `${perCall} of the ${sites.length} ${name} values the package makes die with their call` };
    const foreign = this.pkg.name !== 'main' && /^\p{Lu}/u.test(name);
    return foreign ? { lifetime: 'unknown', why: `${name} is exported: other packages decide how long its values live` } : UNKNOWN;
  }

  /**
   * Who holds values of each type, found once per package: package-level variables (not
   * sync.Pools) whose declared type or initialiser names it (`var x *T`, `var x = newT()` is found
   * through the constructions, `var x = T{…}`, `once.NewSingleton[T]()`), and struct types with a
   * field that holds it. Function signatures and channel element types only mention a type.
   */
  private holders(): { globals: Map<string, string>; structs: Map<string, string[]> } {
    if (this.holderIndex) return this.holderIndex;
    const globals = new Map<string, string>();
    const structs = new Map<string, string[]>();
    const names = (text: string): string[] => text.match(TYPE_WORDS) ?? [];
    for (const v of this.pkg.vars.values()) {
      if (v.file.path.endsWith('_test.go')) continue;
      const typeText = v.typeNode?.text ?? '';
      const valueText = v.valueNode?.text ?? '';
      if (/\bsync\s*\.\s*Pool\b/.test(typeText) || /^&?\s*sync\s*\.\s*Pool\s*\{/.test(valueText)) continue;
      const held = [
        ...names(holdingText(typeText)),
        ...(CONSTRUCTION_START.exec(valueText)
          ?.slice(1, 3)
          .filter((n): n is string => !!n) ?? []),
        ...[...holdingText(valueText.split('\n')[0] ?? '').matchAll(TYPE_ARGUMENTS)].flatMap((m) => names(m[1] ?? '')),
      ];
      for (const type of held) if (this.pkg.types.has(type) && !globals.has(type)) globals.set(type, v.name);
    }
    for (const [outer, decl] of this.pkg.types) {
      if (decl.typeNode?.type !== 'struct_type') continue;
      for (const type of new Set(names(holdingText(decl.typeNode.text)))) {
        if (type === outer || !this.pkg.types.has(type)) continue;
        const list = structs.get(type) ?? [];
        list.push(outer);
        structs.set(type, list);
      }
    }
    this.holderIndex = { globals, structs };
    return this.holderIndex;
  }

  /**
   * Composite literals `T{…}`, `&T{…}`, `T[…]{…}`, `new(T)`, and local `var x T` declarations (a
   * zero value: `declared`, node = the declared name), outside test files.
   */
  private constructions(name: string): Array<{ file: GoFile; node: SyntaxNode; declared?: boolean }> {
    const sites: Array<{ file: GoFile; node: SyntaxNode; declared?: boolean }> = [];
    for (const { file, index } of this.pkg.occurrences(name)) {
      if (file.path.endsWith('_test.go')) continue;
      const node = file.root.namedDescendantForIndex(index, index + name.length);
      if (node.startIndex !== index) continue;
      const parent = node.parent;
      if (node.type === 'type_identifier') {
        // T{…}, &T{…}, T[…]{…}
        let literal = parent;
        if (literal?.type === 'generic_type') literal = literal.parent;
        if (literal?.type === 'composite_literal') sites.push({ file, node: literal });
        // var x T (a zero value; not *T, []T…)
        const spec = parent?.type === 'var_spec' ? parent : null;
        if (spec && spec.childForFieldName('type')?.id === node.id && enclosingFunction(spec)) {
          for (const declared of spec.childrenForFieldName('name')) sites.push({ file, node: declared, declared: true });
        }
      } else if (parent?.type === 'argument_list') {
        // new(T): T is an argument of the builtin.
        const call = parent.parent;
        if (call?.type === 'call_expression' && isBuiltin(this.pkg.scopeOf(file), call.childForFieldName('function'), 'new'))
          sites.push({ file, node: call });
      }
    }
    return sites;
  }

  /** How long the zero value of a local `var x T` lives: as long as the uses of x keep it. */
  private declaredLifetime(file: GoFile, name: SyntaxNode, depth: number): LifetimeEvidence {
    const binding = this.pkg.scopeOf(file).resolveIdent(name);
    const spec = name.parent;
    if (!binding || !spec) return UNKNOWN;
    const flow = this.followLocal(file, binding, spec, depth);
    if (flow.lifetime !== 'unknown') return flow;
    return frequencyModel(this.pkg).runsOnceAt(file, name) ? { lifetime: 'long', why: 'declared in start-up code' } : flow;
  }

  /** How long a value made at `node` lives: where it flows, and failing that whether the code runs once. */
  private siteLifetime(file: GoFile, node: SyntaxNode, depth: number): LifetimeEvidence {
    const flow = this.flowOf(file, node, depth);
    if (flow.lifetime !== 'unknown') return flow;
    // Start-up code keeps what it builds: the values are handed to the program's long-lived parts.
    if (frequencyModel(this.pkg).runsOnceAt(file, node)) return { lifetime: 'long', why: 'made in start-up code' };
    return flow;
  }

  /** Where the value of the expression `node` goes, as a lifetime. */
  flowOf(file: GoFile, node: SyntaxNode, depth: number): LifetimeEvidence {
    if (depth > MAX_DEPTH) return UNKNOWN;
    let expr = node;
    while (expr.parent?.type === 'parenthesized_expression') expr = expr.parent;
    const parent = expr.parent;
    if (!parent) return UNKNOWN;
    switch (parent.type) {
      case 'unary_expression':
        return parent.childForFieldName('operator')?.text === '&' ? this.flowOf(file, parent, depth) : CALL_USE;
      case 'literal_element': {
        let outer: SyntaxNode | null = parent;
        while (outer && outer.type !== 'composite_literal') outer = outer.parent;
        if (!outer) return UNKNOWN;
        const keyed = parent.parent;
        if (keyed?.type === 'keyed_element' && keyed.childForFieldName('key')?.id === parent.id) return CALL_USE;
        return this.flowOf(file, outer, depth + 1);
      }
      case 'expression_list':
        return this.fromList(file, expr, parent, depth);
      case 'var_spec':
        return enclosingFunction(parent)
          ? this.fromTarget(file, parent.childrenForFieldName('name')[0] ?? null, parent, depth)
          : PROCESS_VAR;
      case 'argument_list':
        return this.fromArgument(file, expr, parent, depth);
      case 'selector_expression':
      case 'binary_expression':
      case 'expression_statement':
      case 'call_expression':
        // A field read, a method call, a comparison, a call of the value: nothing keeps it.
        return CALL_USE;
      case 'index_expression':
        // `v[i]` reads it; `m[v] = x` keeps it as a key.
        return parent.childForFieldName('operand')?.id === expr.id ? CALL_USE : UNKNOWN;
      case 'slice_expression':
      case 'type_conversion_expression':
      case 'type_assertion_expression':
        return this.flowOf(file, parent, depth + 1);
      default:
        return UNKNOWN;
    }
  }

  private fromList(file: GoFile, expr: SyntaxNode, list: SyntaxNode, depth: number): LifetimeEvidence {
    const statement = list.parent;
    if (!statement) return UNKNOWN;
    if (statement.type === 'return_statement') return this.resultFlow(file, enclosingFunction(statement), depth);
    if (statement.type !== 'short_var_declaration' && statement.type !== 'assignment_statement') return UNKNOWN;
    if (statement.childForFieldName('right')?.id !== list.id) return UNKNOWN;
    const targets = statement.childForFieldName('left')?.namedChildren ?? [];
    const values = list.namedChildren;
    if (targets.length !== values.length) return UNKNOWN;
    return this.fromTarget(file, targets[values.findIndex((v) => v.id === expr.id)] ?? null, statement, depth);
  }

  /** The value is written to `target` (a variable, a field, an element). */
  private fromTarget(file: GoFile, target: SyntaxNode | null, statement: SyntaxNode, depth: number): LifetimeEvidence {
    const t = unparen(target);
    if (!t) return UNKNOWN;
    const scope = this.pkg.scopeOf(file);
    if (t.type === 'identifier') {
      if (t.text === '_') return CALL_USE;
      const binding = scope.resolveIdent(t);
      if (!binding) return UNKNOWN;
      if (binding.kind === 'package') return { lifetime: 'process', why: `stored in package-level variable ${binding.name}` };
      return this.followLocal(file, binding, statement, depth);
    }
    if (t.type === 'selector_expression' || t.type === 'index_expression') {
      const root = rootOf(t);
      const rootBinding = root?.type === 'identifier' ? scope.resolveIdent(root) : undefined;
      if (rootBinding?.kind === 'package') return { lifetime: 'process', why: `stored under package-level variable ${rootBinding.name}` };
      if (t.type === 'selector_expression') {
        const owner = this.ownerOf(file, t);
        if (owner.lifetime !== 'unknown') return { lifetime: owner.lifetime, why: `stored in a field of a value ${owner.why}` };
      }
    }
    return UNKNOWN;
  }

  /**
   * A local (or parameter) holds the value: it lives as long as the longest-lived use. Reads,
   * method calls and comparisons keep nothing; returns, stores and sends are followed; any other
   * use (passed to a function, captured by a function literal, address taken) is unknown.
   */
  private followLocal(file: GoFile, binding: Binding, writer: SyntaxNode, depth: number): LifetimeEvidence {
    if (binding.kind !== 'local') return UNKNOWN;
    const body = binding.func?.childForFieldName('body');
    if (!body) return UNKNOWN;
    const scope = this.pkg.scopeOf(file);
    let answer: LifetimeEvidence = { lifetime: 'call', why: `kept only in the local ${binding.name}` };
    for (const ref of referencesTo(scope, body, binding)) {
      if (ref.startIndex >= writer.startIndex && ref.endIndex <= writer.endIndex) continue;
      if (insideFuncLiteral(ref, binding.func)) return UNKNOWN;
      const parent = unparenUp(ref).parent;
      // Writing the variable itself, or a field of what it points to, does not hand the value on.
      if (parent?.type === 'expression_list' && parent.parent?.childForFieldName('left')?.id === parent.id) continue;
      const flow = this.flowOf(file, ref, depth + 1);
      if (outlivesCalls(flow.lifetime)) return flow;
      if (flow.lifetime === 'unknown') answer = UNKNOWN;
    }
    return answer;
  }

  private fromArgument(file: GoFile, expr: SyntaxNode, list: SyntaxNode, depth: number): LifetimeEvidence {
    const call = list.parent;
    const callee = unparen(call?.childForFieldName('function'));
    if (!call || !callee) return UNKNOWN;
    const scope = this.pkg.scopeOf(file);
    if (isBuiltin(scope, callee, 'append')) {
      if (argumentsOf(call)[0]?.id === expr.id) return UNKNOWN;
      return this.flowOf(file, call, depth + 1);
    }
    if (['len', 'cap', 'copy', 'delete', 'print', 'println', 'panic'].some((b) => isBuiltin(scope, callee, b))) return CALL_USE;
    if (callee.type === 'selector_expression') {
      const root = rootOf(callee.childForFieldName('operand'));
      const binding = root?.type === 'identifier' ? scope.resolveIdent(root) : undefined;
      if (binding?.kind === 'package') return { lifetime: 'process', why: `handed to package-level variable ${binding.name}` };
    }
    return UNKNOWN;
  }

  /** A value returned from `fn` lives as long as its callers keep it. */
  private resultFlow(file: GoFile, fn: SyntaxNode | null, depth: number): LifetimeEvidence {
    if (!fn || fn.type === 'func_literal' || depth > MAX_DEPTH) return UNKNOWN;
    const name = fn.childForFieldName('name')?.text ?? '';
    const frequencies = frequencyModel(this.pkg);
    const func =
      fn.type === 'function_declaration'
        ? this.pkg.funcs.get(name)
        : [...this.pkg.methods.values()].flat().find((m) => m.file === file && m.node.startIndex === fn.startIndex);
    if (!func || func.node.startIndex !== fn.startIndex) return UNKNOWN;
    const sites = frequencies.callSites(func).filter((s) => s.kind === 'call' && !s.file.path.endsWith('_test.go'));
    const external = this.pkg.name !== 'main' && /^\p{Lu}/u.test(name);
    let allCall = sites.length > 0;
    for (const site of sites) {
      const flow = this.siteLifetime(site.file, site.node, depth + 1);
      if (outlivesCalls(flow.lifetime)) return { lifetime: flow.lifetime, why: `returned by ${name} and ${flow.why}` };
      if (flow.lifetime !== 'call') allCall = false;
    }
    if (allCall && !external) return { lifetime: 'call', why: `every caller of ${name} drops it` };
    return UNKNOWN;
  }
}

const CALL_USE: LifetimeEvidence = { lifetime: 'call', why: 'used on the spot' };
const PROCESS_VAR: LifetimeEvidence = { lifetime: 'process', why: 'the initialiser of a package-level variable' };

/** The identifier at the root of `a.b[c].d` or `*p`. */
function rootOf(node: SyntaxNode | null | undefined): SyntaxNode | null {
  let n = unparen(node);
  while (n && (n.type === 'selector_expression' || n.type === 'index_expression' || n.type === 'unary_expression'))
    n = unparen(n.childForFieldName('operand'));
  return n;
}

/** The outermost parenthesised expression around `node`. */
function unparenUp(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  return n;
}

/** The name of the package-declared type a value has (through one pointer). */
function namedTypeName(pkg: PackageIndex, type: GoType): string | undefined {
  const t = type.kind === 'pointer' ? type.elem : type;
  return t.kind === 'named' && pkg.types.has(t.name) ? t.name : undefined;
}

/**
 * A type's text without the parts that mention types without holding values of them: function
 * signatures (`func(c *conn)` holds no conn) and channel element types (values only pass through).
 */
function holdingText(text: string): string {
  let out = text;
  for (let previous = ''; previous !== out;) {
    previous = out;
    out = out.replace(/\bfunc\s*\([^()]*\)\s*(?:\([^()]*\)|[\w.*[\]]+)?/g, ' ').replace(/\bchan\b\s*(?:<-)?\s*[\w.*[\]]+/g, ' ');
  }
  return out;
}
