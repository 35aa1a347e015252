import type { GoFile } from '../../analysis/go-file.js';
import { atLeast, type GoVersion } from '../../analysis/go-version.js';
import type { Confidence, Fix, TextEdit } from '../../model.js';
import type { PackageIndex } from '../../analysis/package-index.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingFunction, type Binding, type Scope } from '../../analysis/scope.js';
import { replaceNode } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import {
  addressTaken,
  bindingBody,
  builtinVisible,
  constInt,
  outerParens,
  selfAppend,
  stdImport,
  writingStatement,
  writtenOnce,
} from '../shared/residue.js';
import { argumentsOf, isBuiltin, normalizeText, referencesTo, unparen } from '../../analysis/syntax.js';

/** The smallest constant `make` length or capacity that counts as a large backing array. */
const LARGE_MAKE = 1024;
/** How many local variables, appends and literals the analysis follows from one expression. */
const MAX_DEPTH = 8;

/** What a large operand is: a byte slice, a slice of other elements, or a string. */
type Kind = 'bytes' | 'slice' | 'string';

/** An operand known to be large: what it is, its element type (slices), why it is large, and the function that owns it. */
interface Large {
  readonly kind: Kind;
  readonly elem: string;
  readonly evidence: string;
  readonly home: SyntaxNode;
  /** The array's size in bytes when a constant says it (`make` with a constant size); undefined for reads of unknown size. */
  readonly bytes?: number;
}

const READERS: ReadonlyArray<{ path: string; names: readonly string[]; evidence: string }> = [
  { path: 'os', names: ['ReadFile'], evidence: 'the file read by os.ReadFile' },
  { path: 'io', names: ['ReadAll'], evidence: 'everything read by io.ReadAll' },
  { path: 'io/ioutil', names: ['ReadFile'], evidence: 'the file read by ioutil.ReadFile' },
  { path: 'io/ioutil', names: ['ReadAll'], evidence: 'everything read by ioutil.ReadAll' },
];

const CLONE_NOTE = 'The copy no longer aliases the original array: writes through one are not seen through the other';
const NIL_NOTE = '; an empty subslice becomes nil in the append form';
const APPEND_MESSAGE = 'Copy the subslice into a new array';

/**
 * The opening of a slicing expression, `x[a:` (one level of nested brackets allowed, as in
 * `b[hdr[0]:]`): found in the text, confirmed as a slice_expression in the tree.
 */
const SLICE_OPENING = /\[(?:[^[\]\n]|\[[^[\]\n]*\])*:/g;

export default defineRule({
  id: 'subslice-retains-backing-array',
  meta: {
    title: 'small subslice keeps a large backing array alive',
    family: 'residue',
    severity: 'warning',
    confidence: 'medium',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      slice:
        '{{expr}} shares the backing array of {{operand}} ({{evidence}}) and is {{escape}}; the whole array stays reachable as long as the subslice does',
      substring:
        '{{expr}} shares the bytes of {{operand}} ({{evidence}}) and is {{escape}}; the whole string stays reachable as long as the substring does',
    },
    hint: 'Copy the part you keep (bytes.Clone, slices.Clone, strings.Clone, or append([]T(nil), x[a:b]...)) so the large array can be collected',
    docs: {
      description:
        'Slicing does not copy: `x[a:b]` is a new header over the same backing array, and a substring `s[a:b]` points into the same bytes. As long as the small result is reachable, the garbage collector must keep the whole array or string, however little of it is used. A 4-byte header cut from a file read with `os.ReadFile`, kept in a struct, a map, a global or a channel, or returned to a caller that stores it, pins the entire file in memory. The rule reports a slicing expression whose operand is known to be large (a `make` with a constant length or capacity of at least 1024, `os.ReadFile`, `io.ReadAll`, `ioutil.ReadAll`/`ReadFile`, `(*bytes.Buffer).Bytes()`, or a string converted from one of these, followed through plain local assignments) when the result leaves the function: returned, stored in a package-level variable, a struct field, a map or slice element (or used as a map key), sent on a channel, or appended to a slice that does, also inside a composite literal.',
      bad: 'func readMagic(path string) ([]byte, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn data[:4], nil // keeps the whole file alive\n}',
      good: 'func readMagic(path string) ([]byte, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn bytes.Clone(data[:4]), nil\n}',
      confidence:
        "High when the backing array is big (a constant `make` of at least 32 KiB) and the subslice is kept (stored, sent on a channel, appended to a longer-lived slice). Medium when it is big and returned (the caller decides whether it keeps it), or when the operand's size is unknown (`os.ReadFile`, `io.ReadAll`, `bytes.Buffer.Bytes()`: it may be a tiny file). Low for smaller constant sizes (1 KiB to 32 KiB): such buffers are often filled almost whole, and a copy would cost more than it saves.",
      notReported: [
        'Operands of unknown size: parameters, fields, results of other functions, `Bytes()` of a buffer that is not a local variable, and `make` whose length and capacity are not constants (or are constants below 1024). Syntax cannot tell how large they are.',
        'Subslices used only inside the function (passed to a call, compared, printed, copied): they die with the function, and so does the array.',
        'Subslices passed to other functions: the rule does not follow calls, and the callee may only read them.',
        'Tails `x[a:]` (except `x[len(x)-k:]`) and whole slices `x[:]`, `x[:len(x)]`: they keep most of the array in use, and a copy would briefly double the memory to free little.',
        'Local variables written again after their declaration (`data = bytes.TrimSpace(data)`, `head = bytes.Clone(head)`; `v = append(v, …)` is allowed) or whose address is taken: without data flow the rule cannot tell which value is sliced or escapes.',
        'Results of library functions that also return subslices, such as `bytes.Split`, `bytes.Fields`, `strings.Split` or `bufio.Scanner.Bytes`: the rule does not model library internals.',
        'Values returned from a function literal other than the one that owns the large operand: what the caller of the literal does with them is unknown.',
        'Stores into a local struct, map or slice that is itself never returned or stored: the container dies with the function.',
      ],
      versions:
        'The copy depends on the `go` directive: a substring gets `strings.Clone(s[a:b])` on Go 1.18 and later, else `string([]byte(s[a:b]))`; a `[]byte` gets `bytes.Clone(x[a:b])` on Go 1.20 and later, else `append([]byte(nil), x[a:b]...)`; any other slice gets `slices.Clone(x[a:b])` on Go 1.21 and later, else `append([]T(nil), x[a:b]...)`. The import is added when the file lacks it; when the version is unknown the version-neutral form is used. The severity does not depend on the version.',
    },
  },
  nodeTypes: [],
  skipTestFiles: true,
  check({ file, scope, pkg, goVersion, report }) {
    const { ranges, names } = prefilter(file, pkg);
    if (ranges.length === 0) return;
    for (const slice of file.nodesMatching(SLICE_OPENING, 'slice_expression')) {
      const at = slice.startIndex;
      if (!ranges.some(([start, end]) => at >= start && at < end)) continue;
      const operand = unparen(slice.childForFieldName('operand'));
      if (!operand || (operand.type === 'identifier' && !names.has(operand.text)) || !isPartial(slice)) continue;
      const large = new Sources(file, scope, pkg).of(operand);
      if (!large) continue;
      const escape = new Escapes(scope, pkg, large).of(slice);
      if (!escape) continue;
      const fix = cloneFix(file, scope, pkg, slice, large, goVersion);
      report({
        confidence: confidenceOf(large, escape),
        node: slice,
        messageId: large.kind === 'string' ? 'substring' : 'slice',
        data: { expr: slice.text, escape, operand: operand.text, evidence: large.evidence },
        fix,
        ...(fix ? { hint: fix.message === APPEND_MESSAGE ? CLONE_NOTE + NIL_NOTE : CLONE_NOTE } : {}),
      });
    }
  },
});

/** A backing array this large pins enough memory per kept subslice to be worth a review comment. */
const BIG_ARRAY = 32 * 1024;

/**
 * How sure the evidence makes the retention. The size: a constant `make` of at least 32 KiB is
 * big; smaller constant sizes (a 1,600-byte packet buffer) are often filled almost whole, and a
 * clone would cost more than it saves; reads of unknown size (`os.ReadFile`) may be tiny files.
 * The destination: a subslice stored or sent somewhere is kept; one returned is up to the caller.
 * High: big and kept. Medium: big and returned, or of unknown size. Low: small constant sizes.
 */
function confidenceOf(large: Large, escape: string): Confidence {
  if (large.bytes === undefined) return 'medium';
  if (large.bytes < BIG_ARRAY) return 'low';
  return escape.endsWith('returned') ? 'medium' : 'high';
}

/** Text of every size evidence: `make([]…`, `ReadFile(`, `ReadAll(`, `.Bytes()`. */
const EVIDENCE_ALL = /\bmake\s*\(\s*\[\]|\bRead(?:File|All)\s*\(|\.Bytes\s*\(\s*\)/g;
const WORD = /[A-Za-z_]\w*/g;

/** Where a large operand may be sliced: functions with size evidence, and the names that may hold it. */
interface Prefilter {
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  readonly names: ReadonlySet<string>;
}

/**
 * A text-only superset of the candidates, so that files and functions without size evidence cost
 * no syntax work: the top-level functions whose text contains evidence, and the names that may hold
 * a large value — written on a line whose right-hand side has evidence, or passes such a name on
 * (`buf := data`, `s := string(data)`, `head := data[4:]`). A `make` counts only when its sizes may
 * be constants, `.Bytes()` only on a name declared as a bytes.Buffer in the function.
 */
function prefilter(file: GoFile, pkg: PackageIndex): Prefilter {
  const positions = [...file.source.matchAll(EVIDENCE_ALL)].map((m) => m.index);
  const ranges: Array<[number, number]> = [];
  const names = new Set<string>();
  if (positions.length === 0) return { ranges, names };
  const bytesName = file.importName('bytes');
  const lines: Array<{ left: string[]; evidence: boolean; passed: string[] }> = [];
  const decls = new Set<SyntaxNode>();
  for (const at of positions) {
    const decl = file.topLevelAt(at);
    if (decl?.type === 'function_declaration' || decl?.type === 'method_declaration') decls.add(decl);
  }
  for (const decl of decls) {
    const start = decl.startIndex;
    const end = decl.endIndex;
    ranges.push([start, end]);
    const text = file.source.slice(start, end);
    const localConsts = new Set([...text.matchAll(/\bconst\s+([A-Za-z_]\w*)/g)].map((m) => m[1] ?? ''));
    const constBlock = /\bconst\s*\(/.test(text);
    const isConst = (name: string): boolean => constBlock || localConsts.has(name) || pkg.consts.has(name);
    const buffers = bytesName ? bufferNames(text, bytesName) : new Set<string>();
    for (const line of text.split('\n')) {
      const assign = /^([^=]*?[^=!<>:+\-*/%&|^])?(:?=)(?!=)(.*)$/.exec(line);
      if (!assign?.[1]) continue;
      const right = (assign[3] ?? '').replace(/\/\/.*$/, '');
      lines.push({ left: assign[1].match(WORD) ?? [], evidence: hasEvidence(right, isConst, buffers), passed: passedNames(right) });
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const line of lines) {
      if (line.left.every((n) => names.has(n))) continue;
      if (line.evidence || line.passed.some((n) => names.has(n))) {
        for (const n of line.left) names.add(n);
        changed = true;
      }
    }
  }
  return { ranges, names };
}

/** Whether the text of an expression has size evidence. */
function hasEvidence(text: string, isConst: (name: string) => boolean, buffers: ReadonlySet<string>): boolean {
  if (/\bRead(?:File|All)\s*\(/.test(text)) return true;
  for (const match of text.matchAll(/\b([A-Za-z_]\w*)\s*\.\s*Bytes\s*\(\s*\)/g)) if (buffers.has(match[1] ?? '')) return true;
  for (const match of text.matchAll(/\bmake\s*\(\s*\[\]/g)) {
    const args = topLevelArguments(text.slice(match.index + match[0].length));
    if (!args) return true;
    if (args.slice(1).some((arg) => !arg.includes('(') && (arg.match(WORD) ?? []).every(isConst))) return true;
  }
  return false;
}

/** Names declared in a function's text as a bytes.Buffer, a *bytes.Buffer, `new(bytes.Buffer)` or `&bytes.Buffer{}`. */
function bufferNames(text: string, bytesName: string): Set<string> {
  const type = `${bytesName}\\s*\\.\\s*Buffer`;
  const declared = new RegExp(`\\b([A-Za-z_]\\w*)\\s+\\*?\\s*${type}\\b`, 'g');
  const made = new RegExp(`\\b([A-Za-z_]\\w*)\\s*:?=\\s*(?:new\\s*\\(\\s*${type}\\s*\\)|&?\\s*${type}\\s*\\{)`, 'g');
  return new Set([...text.matchAll(declared), ...text.matchAll(made)].map((m) => m[1] ?? ''));
}

/** The names the comma-separated values of a right-hand side pass on unchanged in size: `x`, `x[a:b]`, `string(x)`, `[]byte(x)`. */
function passedNames(right: string): string[] {
  const values = topLevelArguments(`${right})`) ?? [right];
  const names: string[] = [];
  for (const value of values) {
    const match = /^\s*(?:string\s*\(|\[\]byte\s*\(|\()?\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*\)?\s*$/.exec(value);
    if (match?.[1]) names.push(match[1]);
  }
  return names;
}

/** The comma-separated arguments up to the closing parenthesis (the opening one already consumed), or undefined past the line. */
function topLevelArguments(text: string): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(from, i));
      from = i + 1;
    } else if (c === ')') {
      args.push(text.slice(from, i));
      return args;
    }
  }
  return undefined;
}

/**
 * Whether a slicing expression may keep much more of the array than it covers: it has an end
 * (`x[a:b]`), or it is a short tail `x[len(x)-k:]`. `x[:]`, `x[:len(x)]` and tails `x[a:]` are not.
 */
function isPartial(slice: SyntaxNode): boolean {
  const operand = normalizeText(unparen(slice.childForFieldName('operand'))?.text ?? '');
  const start = unparen(slice.childForFieldName('start'));
  const end = unparen(slice.childForFieldName('end'));
  const isLen = (n: SyntaxNode | null): boolean => !!n && normalizeText(n.text) === `len(${operand})`;
  if (end) return !(isLen(end) && (!start || start.text === '0'));
  if (!start || start.type !== 'binary_expression' || start.childForFieldName('operator')?.text !== '-') return false;
  return isLen(unparen(start.childForFieldName('left')));
}

/** Finds out whether an expression is known to be large, following plain local assignments. */
class Sources {
  constructor(
    private readonly file: GoFile,
    private readonly scope: Scope,
    private readonly pkg: PackageIndex,
  ) {}

  of(expr: SyntaxNode | null | undefined, depth = 0): Large | undefined {
    const n = unparen(expr);
    if (!n || depth > MAX_DEPTH) return undefined;
    switch (n.type) {
      case 'identifier':
        return this.ofLocal(n, depth);
      case 'slice_expression': {
        const inner = this.of(n.childForFieldName('operand'), depth + 1);
        return inner && !inner.evidence.startsWith('part of') ? { ...inner, evidence: `part of ${inner.evidence}` } : inner;
      }
      case 'call_expression':
        return this.ofCall(n, depth);
      case 'type_conversion_expression': {
        // []byte(s) copies a large string into a byte slice of the same size.
        const type = n.childForFieldName('type');
        const inner = this.of(n.childForFieldName('operand'), depth + 1);
        if (!inner || inner.kind !== 'string' || type?.type !== 'slice_type' || !isByte(type.childForFieldName('element')?.text))
          return undefined;
        return {
          kind: 'bytes',
          elem: 'byte',
          evidence: `a byte copy of ${inner.evidence}`,
          home: inner.home,
          ...(inner.bytes !== undefined ? { bytes: inner.bytes } : {}),
        };
      }
      default:
        return undefined;
    }
  }

  /** A local variable declared with a large value and written since only by `v = append(v, …)`. */
  private ofLocal(ident: SyntaxNode, depth: number): Large | undefined {
    const binding = this.scope.resolveIdent(ident);
    if (!binding || binding.kind !== 'local' || binding.range || !binding.func) return undefined;
    const value = initialValue(binding);
    if (!value) return undefined;
    const large = value.multi ? this.ofReader(value.node, binding.func) : this.of(value.node, depth + 1);
    // `v = append(v, …)` keeps v's array while it has room and moves to a larger one when not.
    return large && writtenOnce(this.scope, binding, true) ? large : undefined;
  }

  private ofCall(call: SyntaxNode, depth: number): Large | undefined {
    const fn = call.childForFieldName('function');
    const args = argumentsOf(call);
    const home = enclosingFunction(call);
    if (!fn || !home) return undefined;
    if (isBuiltin(this.scope, fn, 'make')) {
      const type = args[0];
      if (type?.type !== 'slice_type') return undefined;
      const sizes = args.slice(1).map((a) => constInt(this.scope, this.pkg, a) ?? 0);
      const size = Math.max(0, ...sizes);
      if (size < LARGE_MAKE) return undefined;
      const elem = type.childForFieldName('element')?.text ?? '';
      const bytes = isByte(elem) ? size : size * 8;
      return { kind: isByte(elem) ? 'bytes' : 'slice', elem, evidence: `made with room for ${size} elements`, home, bytes };
    }
    if (isBuiltin(this.scope, fn, 'string') && args.length === 1) {
      const inner = this.of(args[0], depth + 1);
      if (!inner) return undefined;
      if (inner.kind === 'string') return inner;
      return inner.kind === 'bytes'
        ? {
            kind: 'string',
            elem: '',
            evidence: `a string copy of ${inner.evidence}`,
            home: inner.home,
            ...(inner.bytes !== undefined ? { bytes: inner.bytes } : {}),
          }
        : undefined;
    }
    if (fn.type === 'selector_expression' && fn.childForFieldName('field')?.text === 'Bytes' && args.length === 0) {
      const buffer = unparen(fn.childForFieldName('operand'));
      if (buffer?.type === 'identifier' && this.isBuffer(buffer))
        return { kind: 'bytes', elem: 'byte', evidence: `the contents of bytes.Buffer ${buffer.text}`, home };
    }
    return undefined;
  }

  /** `os.ReadFile(…)` and friends, whose first result is the whole input. */
  private ofReader(call: SyntaxNode, home: SyntaxNode): Large | undefined {
    if (call.type !== 'call_expression') return undefined;
    const fn = call.childForFieldName('function');
    const reader = READERS.find((r) => this.file.isQualified(fn, r.path, r.names));
    return reader ? { kind: 'bytes', elem: 'byte', evidence: reader.evidence, home } : undefined;
  }

  /** A local declared as bytes.Buffer or *bytes.Buffer, or made with new(bytes.Buffer) or &bytes.Buffer{}. */
  private isBuffer(ident: SyntaxNode): boolean {
    const binding = this.scope.resolveIdent(ident);
    if (!binding || binding.kind !== 'local') return false;
    const isBufferType = (t: SyntaxNode | null | undefined): boolean => {
      const type = t?.type === 'pointer_type' ? t.namedChildren[0] : t;
      return (
        type?.type === 'qualified_type' &&
        this.file.imports.get(type.childForFieldName('package')?.text ?? '') === 'bytes' &&
        type.childForFieldName('name')?.text === 'Buffer'
      );
    };
    if (binding.typeNode) return isBufferType(binding.typeNode);
    let value = unparen(binding.valueNode);
    if (value?.type === 'call_expression' && isBuiltin(this.scope, value.childForFieldName('function'), 'new'))
      return isBufferType(argumentsOf(value)[0]);
    if (value?.type === 'unary_expression' && value.childForFieldName('operator')?.text === '&')
      value = unparen(value.childForFieldName('operand'));
    return value?.type === 'composite_literal' && isBufferType(value.childForFieldName('type'));
  }
}

function isByte(elem: string | undefined): boolean {
  return elem === 'byte' || elem === 'uint8';
}

/** The expression a local is declared with; `multi` when it is the first of several results (`data, err := f()`). */
function initialValue(binding: Binding): { node: SyntaxNode; multi: boolean } | undefined {
  if (binding.valueNode) return { node: binding.valueNode, multi: false };
  const decl = binding.declNode;
  const parent = decl.parent;
  let names: SyntaxNode[] = [];
  let values: SyntaxNode[] = [];
  if (parent?.type === 'expression_list' && parent.parent?.type === 'short_var_declaration') {
    names = parent.namedChildren;
    values = parent.parent.childForFieldName('right')?.namedChildren ?? [];
  } else if (parent?.type === 'var_spec') {
    names = parent.childrenForFieldName('name');
    values = parent.childForFieldName('value')?.namedChildren ?? [];
  }
  const value = values[0];
  return values.length === 1 && names.length > 1 && names[0]?.id === decl.id && value ? { node: value, multi: true } : undefined;
}

/** Follows where the value of a slicing expression goes, and says how it leaves the function. */
class Escapes {
  private readonly visited = new Set<number>();

  constructor(
    private readonly scope: Scope,
    private readonly pkg: PackageIndex,
    private readonly large: Large,
  ) {}

  /** How the value of `expr` leaves its function, or undefined when it stays (or the syntax does not say). */
  of(expr: SyntaxNode, depth = 0): string | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const node = outerParens(expr);
    const parent = node.parent;
    if (!parent) return undefined;
    switch (parent.type) {
      case 'expression_list':
        return this.fromList(node, parent, depth);
      case 'send_statement':
        return parent.childForFieldName('value')?.id === node.id ? 'sent on a channel' : undefined;
      case 'literal_element':
        return this.fromLiteral(parent, depth);
      case 'unary_expression':
        return node.type === 'composite_literal' && parent.childForFieldName('operator')?.text === '&'
          ? this.of(parent, depth + 1)
          : undefined;
      case 'argument_list':
        return this.fromArgument(node, parent, depth);
      case 'type_conversion_expression':
        // []byte(s[a:b]) and []rune(…) copy a string; a slice converted to a slice type is the same array.
        return this.large.kind !== 'string' && parent.childForFieldName('type')?.type === 'slice_type'
          ? this.of(parent, depth + 1)
          : undefined;
      case 'index_expression':
        return parent.childForFieldName('index')?.id === node.id ? this.fromMapKey(parent, depth) : undefined;
      default:
        return undefined;
    }
  }

  private fromList(node: SyntaxNode, list: SyntaxNode, depth: number): string | undefined {
    const statement = list.parent;
    if (!statement) return undefined;
    if (statement.type === 'return_statement') return this.returnsFrom(enclosingFunction(statement)) ? 'returned' : undefined;
    let targets: SyntaxNode[];
    if (statement.type === 'short_var_declaration' || statement.type === 'assignment_statement') {
      if (statement.childForFieldName('right')?.id !== list.id) return undefined;
      if (statement.type === 'assignment_statement' && statement.childForFieldName('operator')?.text !== '=') return undefined;
      targets = statement.childForFieldName('left')?.namedChildren ?? [];
    } else if (statement.type === 'var_spec') {
      if (statement.childForFieldName('value')?.id !== list.id) return undefined;
      targets = statement.childrenForFieldName('name');
    } else {
      return undefined;
    }
    const values = list.namedChildren;
    const target = targets.length === values.length ? targets[values.findIndex((v) => v.id === node.id)] : undefined;
    return target ? this.storedIn(target, statement, depth) : undefined;
  }

  /** The value is written to `target` by `statement`. */
  private storedIn(target: SyntaxNode, statement: SyntaxNode, depth: number): string | undefined {
    const t = unparen(target);
    if (!t) return undefined;
    if (t.type === 'identifier') {
      const binding = this.scope.resolveIdent(t);
      if (!binding) return undefined;
      if (binding.kind === 'package') return `stored in package-level variable ${binding.name}`;
      const escape = this.followVariable(binding, statement, depth);
      return escape ? `assigned to ${binding.name}, which is ${escape}` : undefined;
    }
    if (t.type === 'selector_expression') return this.intoContainer(t, 'stored in a struct field', depth);
    if (t.type === 'index_expression') return this.intoContainer(t, 'stored in a map or slice element', depth);
    if (t.type === 'unary_expression' && t.childForFieldName('operator')?.text === '*')
      return this.intoContainer(t, 'stored through a pointer', depth);
    return undefined;
  }

  /**
   * The value is stored in a field, element or pointee reached from a variable. It leaves the
   * function when the path goes through memory shared with others (a pointer, map or slice that
   * the function did not make itself), or when the container itself leaves.
   */
  private intoContainer(target: SyntaxNode, what: string, depth: number): string | undefined {
    const steps: SyntaxNode[] = [];
    let root: SyntaxNode | null = target;
    while (root && (root.type === 'selector_expression' || root.type === 'index_expression' || root.type === 'unary_expression')) {
      if (root.type === 'unary_expression' && root.childForFieldName('operator')?.text !== '*') return undefined;
      steps.push(root);
      root = unparen(root.childForFieldName('operand'));
    }
    if (root?.type !== 'identifier') return undefined;
    const binding = this.scope.resolveIdent(root);
    if (!binding) return undefined;
    if (binding.kind === 'package') return `${what} of package-level variable ${binding.name}`;
    if (binding.kind !== 'local' || !this.isFresh(binding)) {
      // The container came from elsewhere: storing through a pointer, map or slice in it is sharing.
      const access = steps.map((step) => this.access(step));
      if (access.includes('shared')) return what;
      if (access.includes('unknown')) return undefined;
    }
    const escape = this.followVariable(binding, null, depth);
    return escape ? `${what} of ${binding.name}, which is ${escape}` : undefined;
  }

  /** Whether a field, element or pointee access reads memory of its operand's own value or memory it points to. */
  private access(step: SyntaxNode): 'value' | 'shared' | 'unknown' {
    const type = this.pkg.underlying(this.scope.typeOf(step.childForFieldName('operand')));
    if (step.type === 'index_expression')
      return type.kind === 'array' ? 'value' : type.kind === 'map' || type.kind === 'slice' ? 'shared' : 'unknown';
    if (type.kind === 'pointer') return 'shared';
    return step.type === 'selector_expression' && type.kind === 'struct' ? 'value' : 'unknown';
  }

  /** A local whose value the function made itself (so storing into it is not yet sharing). */
  private isFresh(binding: Binding): boolean {
    if (binding.range) return false;
    let value = unparen(binding.valueNode);
    if (!value) return binding.typeNode !== null && binding.declNode.parent?.type === 'var_spec' && !initialValue(binding);
    if (value.type === 'unary_expression' && value.childForFieldName('operator')?.text === '&')
      value = unparen(value.childForFieldName('operand'));
    if (value?.type === 'composite_literal') return true;
    const fn = value?.type === 'call_expression' ? value.childForFieldName('function') : null;
    return isBuiltin(this.scope, fn, 'make') || isBuiltin(this.scope, fn, 'new');
  }

  /**
   * The value is held by a variable of the function (a local, parameter or named result): it
   * leaves when one of the variable's uses does. Followed only when every other write to the
   * variable is `v = append(v, …)`, so the value seen at a use is the one we follow.
   */
  private followVariable(binding: Binding, carrier: SyntaxNode | null, depth: number): string | undefined {
    if (this.visited.has(binding.declNode.id) || binding.range) return undefined;
    this.visited.add(binding.declNode.id);
    const body = bindingBody(binding);
    if (!body) return undefined;
    const refs = referencesTo(this.scope, body, binding);
    for (const ref of refs) {
      if (addressTaken(ref)) return undefined;
      const writer = writingStatement(ref);
      if (writer && writer.id !== carrier?.id && !selfAppend(this.scope, writer, binding.name)) return undefined;
    }
    for (const ref of refs) {
      if (writingStatement(ref)) continue;
      // A slice of the variable is a slicing expression of its own, reported on its own.
      if (outerParens(ref).parent?.type === 'slice_expression') continue;
      const escape = this.of(ref, depth + 1);
      if (escape) return escape;
    }
    return binding.kind === 'result' && this.returnsFrom(binding.func) ? 'returned' : undefined;
  }

  /** The value (or a composite literal holding it) is an element of a composite literal: follow the literal. */
  private fromLiteral(element: SyntaxNode, depth: number): string | undefined {
    let n: SyntaxNode | null = element;
    while (n && (n.type === 'literal_element' || n.type === 'keyed_element' || n.type === 'literal_value')) n = n.parent;
    if (n?.type !== 'composite_literal') return undefined;
    const escape = this.of(n, depth + 1);
    return escape ? `put in a composite literal that is ${escape}` : undefined;
  }

  private fromArgument(node: SyntaxNode, list: SyntaxNode, depth: number): string | undefined {
    const call = list.parent;
    const fn = call?.childForFieldName('function');
    if (!call || !fn) return undefined;
    const args = argumentsOf(call);
    if (isBuiltin(this.scope, fn, 'append')) {
      const escape = this.of(call, depth + 1);
      if (!escape) return undefined;
      // The first argument's array is reused by append when it has room; later ones are stored as elements.
      return args[0]?.id === node.id ? escape : `appended to a slice that is ${escape}`;
    }
    // string(x[a:b]) copies bytes; string(s[a:b]) of a string is the same string.
    if (isBuiltin(this.scope, fn, 'string') && args.length === 1 && this.large.kind === 'string') return this.of(call, depth + 1);
    return undefined;
  }

  /** A substring used as a map key in an assignment (`m[s[a:b]] = v`, `m[s[a:b]]++`) is stored in the map. */
  private fromMapKey(index: SyntaxNode, depth: number): string | undefined {
    if (this.large.kind !== 'string') return undefined;
    const written = outerParens(index);
    const parent = written.parent;
    const isWrite =
      parent?.type === 'inc_statement' ||
      parent?.type === 'dec_statement' ||
      (parent?.type === 'expression_list' &&
        parent.parent?.type === 'assignment_statement' &&
        parent.parent.childForFieldName('left')?.id === parent.id);
    if (!isWrite) return undefined;
    const map = this.pkg.underlying(this.scope.typeOf(index.childForFieldName('operand')));
    if (map.kind !== 'map') return undefined;
    const escape = this.intoContainer(index, 'used as a map key', depth);
    return escape;
  }

  /** A return leaves for good when it ends a declared function or the literal that owns the large operand. */
  private returnsFrom(func: SyntaxNode | null): boolean {
    return !!func && (func.type !== 'func_literal' || func.id === this.large.home.id);
  }
}

/**
 * The suggestion: wrap the slicing expression in a copy. `strings.Clone` (Go ≥ 1.18) for strings,
 * `bytes.Clone` (Go ≥ 1.20) for []byte, `slices.Clone` (Go ≥ 1.21) for other slices; otherwise, or
 * when the package name is taken, the version-neutral `string([]byte(…))` / `append([]T(nil), …...)`.
 */
function cloneFix(
  file: GoFile,
  scope: Scope,
  pkg: PackageIndex,
  slice: SyntaxNode,
  large: Large,
  goVersion: GoVersion | undefined,
): Fix | null {
  const text = slice.text;
  const withImport = (importPath: string, minor: number, message: string): Fix | null => {
    if (!atLeast(goVersion, minor)) return null;
    const imp = stdImport(file, scope, pkg, importPath, slice);
    if (!imp) return null;
    const edits: TextEdit[] = [replaceNode(file, slice, `${imp.name}.Clone(${text})`)];
    if (imp.edit) edits.push(imp.edit);
    return { message, edits };
  };
  if (large.kind === 'string') {
    const cloned = withImport('strings', 18, 'Copy the substring with strings.Clone');
    if (cloned) return cloned;
    if (!builtinVisible(scope, pkg, 'string', slice) || !builtinVisible(scope, pkg, 'byte', slice)) return null;
    return { message: 'Copy the substring', edits: [replaceNode(file, slice, `string([]byte(${text}))`)] };
  }
  const cloned =
    large.kind === 'bytes'
      ? withImport('bytes', 20, 'Copy the subslice with bytes.Clone')
      : withImport('slices', 21, 'Copy the subslice with slices.Clone');
  if (cloned) return cloned;
  if (!builtinVisible(scope, pkg, 'append', slice) || !large.elem) return null;
  return { message: APPEND_MESSAGE, edits: [replaceNode(file, slice, `append([]${large.elem}(nil), ${text}...)`)] };
}
