/**
 * How often code runs, from the syntax of one package: the run-frequency half of the evidence
 * model (ARCHITECTURE.md, "Evidence, lifetime and confidence").
 *
 * - `once`: start-up code. `init`, `main` of package main, `TestMain`, `sync.Once` callbacks,
 *   package-level initialisers, and functions whose every caller in the package runs once (and
 *   that nothing outside the package can call).
 * - `repeated`: code that runs again and again while the program lives: HTTP handlers, and calls
 *   made inside an endless loop, a `for cond` loop or a loop over a channel (an event or request
 *   loop), or from a function that itself runs repeatedly.
 * - `unknown`: everything else, in particular exported functions without such evidence.
 *
 * A counted loop (`for i := 0; i < n; i++`, `for _, x := range xs`) does not make its body
 * repeated: starting a fixed set of workers at start-up is still start-up. Calls through function
 * values and interfaces are invisible; a method call whose receiver type the syntax does not
 * settle counts as a possible call (it can prevent `once`, never prove `repeated`).
 */
import type { GoFile } from './go-file.js';
import type { PackageFunc, PackageIndex } from './package-index.js';
import type { SyntaxNode } from './parser.js';
import { enclosingFunction, type Scope } from './scope.js';
import { argumentsOf, unparen } from './syntax.js';

/** How often a piece of code runs. */
export type Frequency = 'once' | 'repeated' | 'unknown';

/** A frequency with the reason, for messages and for the benchmark's judges. */
export interface FrequencyEvidence {
  readonly frequency: Frequency;
  readonly why: string;
}

/** A call of a package-level function or method, or a mention of it as a value. */
export interface CallSite {
  readonly file: GoFile;
  /** The call expression, or for a value use the identifier or selector. */
  readonly node: SyntaxNode;
  /** Whether the receiver's type is known to be the method's (always true for functions). */
  readonly certain: boolean;
  readonly kind: 'call' | 'value';
}

const UNKNOWN: FrequencyEvidence = { frequency: 'unknown', why: 'no caller says how often it runs' };
const COMMAND: FrequencyEvidence = { frequency: 'once', why: 'a command-line command, run once per process' };
/** The fields through which CLI frameworks (cobra, urfave/cli, caddy's) take a command's function. */
const COMMAND_FIELDS = new Set([
  'Run',
  'RunE',
  'PreRun',
  'PreRunE',
  'PersistentPreRun',
  'PersistentPreRunE',
  'PostRun',
  'PostRunE',
  'Action',
  'Before',
  'After',
  'Func',
]);
const MAX_DEPTH = 8;

/** Callback-taking functions whose argument runs once. */
const ONCE_CALLS = new Set(['OnceFunc', 'OnceValue', 'OnceValues']);
/** Registrations whose callback serves requests (net/http and its look-alikes). */
const HANDLER_REGISTRATION = /^(?:Handle|HandleFunc|HandlerFunc)$/;

const models = new WeakMap<PackageIndex, FrequencyModel>();

/** The frequency model of a package, made once and shared by every rule. */
export function frequencyModel(pkg: PackageIndex): FrequencyModel {
  let model = models.get(pkg);
  if (!model) models.set(pkg, (model = new FrequencyModel(pkg)));
  return model;
}

/** Call sites and run frequencies of one package, memoised. */
export class FrequencyModel {
  private readonly sites = new Map<string, CallSite[]>();
  private readonly frequencies = new Map<string, FrequencyEvidence>();
  private readonly inProgress = new Set<string>();
  private readonly onceCache = new Map<string, boolean>();

  constructor(readonly pkg: PackageIndex) {}

  /** How often the code at `node` runs: its function's frequency, made repeated by an event loop around it. */
  frequencyAt(file: GoFile, node: SyntaxNode, depth = 0): FrequencyEvidence {
    const fn = enclosingFunction(node);
    if (!fn) return { frequency: 'once', why: 'a package-level initialiser' };
    const loop = repeatingLoopBetween(this.pkg.scopeOf(file), node, fn);
    // An event loop repeats its body even in start-up code (main's accept loop serves every connection).
    if (loop) return { frequency: 'repeated', why: `inside the loop at line ${file.line(loop)}` };
    return this.frequencyOf(file, fn, depth);
  }

  /**
   * Whether the code at `node` runs at most once per process (start-up code): the question the
   * lifetime model asks. Cheaper than {@link frequencyAt}: it gives up at the first caller that is
   * not start-up code, and exported functions (callers elsewhere) are never start-up code.
   */
  runsOnceAt(file: GoFile, node: SyntaxNode, depth = 0): boolean {
    const fn = enclosingFunction(node);
    if (!fn) return true;
    if (repeatingLoopBetween(this.pkg.scopeOf(file), node, fn)) return false;
    const key = `${file.path}:${fn.startIndex}`;
    const known = this.onceCache.get(key);
    if (known !== undefined) return known;
    const cached = this.frequencies.get(key);
    if (cached) return cached.frequency === 'once';
    if (depth > MAX_DEPTH || this.inProgress.has(key)) return false;
    this.inProgress.add(key);
    try {
      const once = this.functionRunsOnce(file, fn, depth);
      this.onceCache.set(key, once);
      return once;
    } finally {
      this.inProgress.delete(key);
    }
  }

  private functionRunsOnce(file: GoFile, fn: SyntaxNode, depth: number): boolean {
    if (fn.type === 'func_literal') {
      const parent = fn.parent;
      if (parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === fn.id)
        return this.runsOnceAt(file, parent, depth + 1);
      const call = parent?.type === 'argument_list' ? parent.parent : null;
      if (call && this.isOnceCall(file, call, fn)) return true;
      if (call && isGoCallback(call)) return this.runsOnceAt(file, call, depth + 1);
      return isCommandCallback(fn);
    }
    const name = fn.childForFieldName('name')?.text ?? '';
    if (fn.type === 'function_declaration' && (name === 'init' || name === 'TestMain' || (name === 'main' && file.packageName === 'main')))
      return true;
    if (this.pkg.name !== 'main' && /^\p{Lu}/u.test(name) && !file.path.endsWith('_test.go')) return false;
    const func = this.declared(file, fn);
    if (!func) return false;
    const inTest = file.path.endsWith('_test.go');
    const sites = this.callSites(func).filter((site) => inTest || !site.file.path.endsWith('_test.go'));
    if (sites.length === 0) return false;
    return sites.every((site) => {
      if (site.kind === 'call') return this.runsOnceAt(site.file, site.node, depth + 1);
      const call = site.node.parent?.type === 'argument_list' ? site.node.parent.parent : null;
      return (call !== null && call !== undefined && this.isOnceCall(site.file, call, site.node)) || isCommandCallback(site.node);
    });
  }

  /** How often a function (declaration, method or literal) runs. */
  frequencyOf(file: GoFile, fn: SyntaxNode, depth = 0): FrequencyEvidence {
    const key = `${file.path}:${fn.startIndex}`;
    const known = this.frequencies.get(key);
    if (known) return known;
    if (depth > MAX_DEPTH || this.inProgress.has(key)) return UNKNOWN;
    this.inProgress.add(key);
    let answer: FrequencyEvidence;
    try {
      answer = fn.type === 'func_literal' ? this.literalFrequency(file, fn, depth) : this.declarationFrequency(file, fn, depth);
    } finally {
      this.inProgress.delete(key);
    }
    this.frequencies.set(key, answer);
    return answer;
  }

  private literalFrequency(file: GoFile, literal: SyntaxNode, depth: number): FrequencyEvidence {
    const parent = literal.parent;
    if (parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === literal.id) {
      // Called on the spot (`func() { … }()`, also deferred or started with go): it runs when the code around it does.
      return this.frequencyAt(file, parent, depth + 1);
    }
    if (parent?.type === 'argument_list') {
      const call = parent.parent;
      if (call && this.isOnceCall(file, call, literal)) return { frequency: 'once', why: 'a sync.Once callback' };
      if (call && isHandlerRegistration(call)) return { frequency: 'repeated', why: 'a request handler' };
      // `g.Go(func() error { … })` (errgroup, sync.WaitGroup.Go): run once, where the call is.
      if (call && isGoCallback(call)) return this.frequencyAt(file, call, depth + 1);
    }
    if (isCommandCallback(literal)) return COMMAND;
    return UNKNOWN;
  }

  private declarationFrequency(file: GoFile, decl: SyntaxNode, depth: number): FrequencyEvidence {
    const name = decl.childForFieldName('name')?.text ?? '';
    if (decl.type === 'function_declaration') {
      if (name === 'init') return { frequency: 'once', why: 'an init function' };
      if (name === 'main' && file.packageName === 'main') return { frequency: 'once', why: 'func main' };
      if (name === 'TestMain') return { frequency: 'once', why: 'TestMain' };
    }
    if (isHttpHandler(file, decl, name)) return { frequency: 'repeated', why: `${name} serves HTTP requests` };
    const func = this.declared(file, decl);
    if (!func) return UNKNOWN;
    // Tests and benchmarks call production code in loops; that says nothing about the program.
    const inTest = file.path.endsWith('_test.go');
    const sites = this.callSites(func).filter((site) => inTest || !site.file.path.endsWith('_test.go'));
    const external = this.pkg.name !== 'main' && /^\p{Lu}/u.test(name) && !file.path.endsWith('_test.go');
    let allOnce = sites.length > 0;
    for (const site of sites) {
      const at = this.siteFrequency(site, depth + 1);
      if (at.frequency === 'repeated' && site.certain) {
        const caller = describeCaller(site);
        return { frequency: 'repeated', why: `called ${caller ? `from ${caller} ` : ''}${at.why}` };
      }
      if (at.frequency !== 'once') allOnce = false;
    }
    if (allOnce && !external) {
      const only = sites.length === 1 ? describeCaller(sites[0]) : undefined;
      return { frequency: 'once', why: only ? `only called from ${only}, which runs once` : 'every caller runs once' };
    }
    return external ? { frequency: 'unknown', why: `${name} is exported: callers outside the package are not seen` } : UNKNOWN;
  }

  private siteFrequency(site: CallSite, depth: number): FrequencyEvidence {
    if (site.kind === 'call') return this.frequencyAt(site.file, site.node, depth);
    const list = site.node.parent;
    const call = list?.type === 'argument_list' ? list.parent : null;
    if (call && this.isOnceCall(site.file, call, site.node)) return { frequency: 'once', why: 'a sync.Once callback' };
    if (call && isHandlerRegistration(call)) return { frequency: 'repeated', why: 'as a request handler' };
    if (isCommandCallback(site.node)) return COMMAND;
    return UNKNOWN;
  }

  /** The package function or method a declaration node is. */
  private declared(file: GoFile, decl: SyntaxNode): PackageFunc | undefined {
    return this.pkg.funcDeclaredAt(file, decl);
  }

  /**
   * Every call of a package function or method in the package (test files included: they are
   * callers too), and every mention of it as a value. Method calls whose receiver type is unknown
   * are kept as uncertain.
   */
  callSites(func: PackageFunc): readonly CallSite[] {
    const key = `${func.receiverType ?? ''}.${func.name}`;
    let sites = this.sites.get(key);
    if (sites) return sites;
    sites = [];
    for (const { file, index } of this.pkg.occurrences(func.name)) {
      const dotted = precededByDot(file.source, index);
      const site = func.receiverType
        ? dotted
          ? this.methodSite(file, index, func)
          : undefined
        : dotted
          ? undefined
          : this.funcSite(file, index, func);
      if (site) sites.push(site);
    }
    this.sites.set(key, sites);
    return sites;
  }

  private funcSite(file: GoFile, start: number, func: PackageFunc): CallSite | undefined {
    const ident = file.root.namedDescendantForIndex(start, start + func.name.length);
    if (ident.type !== 'identifier' || ident.startIndex !== start) return undefined;
    const parent = ident.parent;
    if (!parent || parent.type === 'function_declaration' || parent.type === 'method_declaration') return undefined;
    if (parent.type === 'keyed_element' || parent.type === 'literal_element') {
      const keyed = parent.type === 'literal_element' ? parent.parent : parent;
      if (keyed?.type === 'keyed_element' && keyed.childForFieldName('key')?.startIndex === ident.startIndex) return undefined;
    }
    if (this.pkg.scopeOf(file).resolve(func.name, ident)) return undefined; // a local of that name
    const isCall = parent.type === 'call_expression' && parent.childForFieldName('function')?.id === ident.id;
    return { file, node: isCall ? parent : ident, certain: true, kind: isCall ? 'call' : 'value' };
  }

  private methodSite(file: GoFile, start: number, func: PackageFunc): CallSite | undefined {
    const field = file.root.namedDescendantForIndex(start, start + func.name.length);
    const selector = field.parent;
    if (field.type !== 'field_identifier' || selector?.type !== 'selector_expression') return undefined;
    if (selector.childForFieldName('field')?.id !== field.id) return undefined;
    const operand = unparen(selector.childForFieldName('operand'));
    if (operand?.type === 'identifier' && file.imports.has(operand.text) && !this.pkg.scopeOf(file).resolve(operand.text, operand))
      return undefined; // pkg.Func of another package
    let type = this.pkg.scopeOf(file).typeOf(operand);
    if (type.kind === 'pointer') type = type.elem;
    let certain = false;
    if (type.kind === 'named') {
      if (type.name === func.receiverType) certain = true;
      else if (this.pkg.underlying(type).kind !== 'interface') return undefined;
    } else if (type.kind !== 'unknown' && type.kind !== 'interface') {
      return undefined;
    }
    const call = selector.parent;
    const isCall = call?.type === 'call_expression' && call.childForFieldName('function')?.id === selector.id;
    return { file, node: isCall && call ? call : selector, certain, kind: isCall ? 'call' : 'value' };
  }

  /** `once.Do(fn)` on a sync.Once (or a receiver of unknown type), or `sync.OnceFunc/OnceValue/OnceValues(fn)`. */
  isOnceCall(file: GoFile, call: SyntaxNode, fn: SyntaxNode): boolean {
    if (call.type !== 'call_expression') return false;
    const callee = call.childForFieldName('function');
    const args = argumentsOf(call);
    if (args.length !== 1 || args[0]?.id !== fn.id) return false;
    if (file.isQualified(callee, 'sync', [...ONCE_CALLS])) return true;
    if (callee?.type !== 'selector_expression' || callee.childForFieldName('field')?.text !== 'Do') return false;
    const type = this.pkg.underlying(this.pkg.scopeOf(file).typeOf(unparen(callee.childForFieldName('operand'))));
    // A `Do(f)` on a receiver of unknown type is almost always a sync.Once.
    if (type.kind === 'unknown') return true;
    const t = type.kind === 'pointer' ? type.elem : type;
    return t.kind === 'qualified' && t.name === 'Once' && file.imports.get(t.pkg) === 'sync';
  }
}

/** Whether the word at `index` follows a `.` (spaces allowed): a selector's field or method. */
function precededByDot(source: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && (source[i] === ' ' || source[i] === '\t' || source[i] === '\n' || source[i] === '\r')) i--;
  return source[i] === '.';
}

/**
 * The innermost loop between `node` and its function that repeats without a bound known at its
 * start: `for { … }`, `for cond { … }`, or a range over a channel (or over `time.Tick(…)`).
 * Counted loops and ranges over slices and maps are left out.
 */
export function repeatingLoopBetween(scope: Scope, node: SyntaxNode, fn: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n && n.id !== fn.id; n = n.parent) {
    if (n.type !== 'for_statement') continue;
    const body = n.childForFieldName('body');
    if (!body || body.startIndex > node.startIndex) continue;
    const header = n.namedChildren.filter((c) => c.type !== 'block' && c.type !== 'comment');
    const [clause] = header;
    if (!clause) return n;
    if (clause.type === 'for_clause') {
      if (!clause.childForFieldName('initializer') && !clause.childForFieldName('update')) return n;
      continue;
    }
    if (clause.type === 'range_clause') {
      const right = unparen(clause.childForFieldName('right'));
      const tick = right?.type === 'call_expression' && scope.file.isQualified(right.childForFieldName('function'), 'time', 'Tick');
      if (tick || scope.pkg.underlying(scope.typeOf(right)).kind === 'chan') return n;
      continue;
    }
    return n; // `for cond { … }`
  }
  return undefined;
}

/**
 * `&cobra.Command{RunE: run}`, `cli.Command{Action: func(…) {…}}`, `cmd.RunE = wrap(run)`: a
 * function a command-line framework runs once, when the process runs that command.
 */
function isCommandCallback(value: SyntaxNode, depth = 0): boolean {
  const parent = value.parent;
  // Wrapped first: `cmd.RunE = wrap(run)`.
  if (parent?.type === 'argument_list' && parent.parent?.type === 'call_expression' && depth === 0)
    return isCommandCallback(parent.parent, 1);
  // Assigned: `cmd.RunE = run`.
  if (parent?.type === 'expression_list' && parent.parent?.type === 'assignment_statement') {
    const assignment = parent.parent;
    const index = parent.namedChildren.findIndex((n) => n.id === value.id);
    const target =
      assignment.childForFieldName('right')?.id === parent.id ? assignment.childForFieldName('left')?.namedChildren[index] : undefined;
    return target?.type === 'selector_expression' && COMMAND_FIELDS.has(target.childForFieldName('field')?.text ?? '');
  }
  // In a literal: `&cobra.Command{RunE: run}`.
  const element = parent?.type === 'literal_element' ? parent : null;
  const keyed = element?.parent;
  if (keyed?.type !== 'keyed_element' || keyed.childForFieldName('value')?.id !== element?.id) return false;
  if (!COMMAND_FIELDS.has(keyed.childForFieldName('key')?.text ?? '')) return false;
  let literal: SyntaxNode | null = keyed.parent;
  while (literal?.type === 'literal_value') literal = literal.parent;
  const type = literal?.type === 'composite_literal' ? (literal.childForFieldName('type')?.text ?? '') : '';
  return /(?:^|\.)(?:Command|App)$/.test(type);
}

/** `g.Go(fn)`: errgroup.Group, sync.WaitGroup (Go 1.25) and their look-alikes run `fn` once. */
function isGoCallback(call: SyntaxNode): boolean {
  const callee = unparen(call.childForFieldName('function'));
  return callee?.type === 'selector_expression' && callee.childForFieldName('field')?.text === 'Go';
}

/**
 * Function names of lifecycle steps: constructors, Start, Run, Serve, Init, Setup, Open, Listen…
 * Such functions usually run once per component (often once per process), so a leak of one
 * goroutine per call in them is weak evidence of growth.
 */
export function isLifecycleName(name: string): boolean {
  return LIFECYCLE.test(name);
}

const LIFECYCLE = /^(?:[Nn]ew|[Ss]tart|[Rr]un$|[Rr]un[A-Z]|[Ss]erve|[Ii]nit|[Ss]etup|[Oo]pen|[Ll]isten|[Ll]aunch|[Bb]oot|[Mm]ain)/;

/** `w http.ResponseWriter, r *http.Request` parameters, or a ServeHTTP method. */
function isHttpHandler(file: GoFile, decl: SyntaxNode, name: string): boolean {
  if (decl.type === 'method_declaration' && name === 'ServeHTTP') return true;
  const params = decl.childForFieldName('parameters')?.namedChildren ?? [];
  const types = params.map((p) => p.childForFieldName('type'));
  return (
    types.some((t) => isHttp(file, t, 'ResponseWriter')) &&
    types.some((t) => t?.type === 'pointer_type' && isHttp(file, t.namedChildren[0], 'Request'))
  );
}

function isHttp(file: GoFile, type: SyntaxNode | null | undefined, name: string): boolean {
  return (
    type?.type === 'qualified_type' &&
    type.childForFieldName('name')?.text === name &&
    file.imports.get(type.childForFieldName('package')?.text ?? '') === 'net/http'
  );
}

/** `mux.HandleFunc(pattern, fn)`, `http.Handle(…)`, `http.HandlerFunc(fn)`: the callback serves requests. */
function isHandlerRegistration(call: SyntaxNode): boolean {
  const callee = unparen(call.childForFieldName('function'));
  const name = callee?.type === 'selector_expression' ? callee.childForFieldName('field')?.text : callee?.text;
  return !!name && HANDLER_REGISTRATION.test(name);
}

function describeCaller(site: CallSite | undefined): string | undefined {
  if (!site) return undefined;
  const fn = enclosingFunction(site.node);
  if (!fn) return 'a package-level initialiser';
  if (fn.type === 'func_literal') return 'a function literal';
  return fn.childForFieldName('name')?.text;
}
