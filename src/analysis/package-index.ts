import type { GoFile } from './go-file.js';
import type { SyntaxNode } from './parser.js';
import { Scope } from './scope.js';
import { isNumericName, typeFromNode, resultTypes, UNKNOWN, type GoType, type Tri } from './types.js';
import { forEachWord, WORD_CLASS } from './words.js';

/** A package-level `var` (one name of a var spec). */
export interface PackageVar {
  readonly name: string;
  readonly file: GoFile;
  readonly nameNode: SyntaxNode;
  readonly typeNode: SyntaxNode | null;
  /** The initializer expression for this name, if any. */
  readonly valueNode: SyntaxNode | null;
}

/** A package-level type declaration. */
export interface PackageType {
  readonly name: string;
  readonly file: GoFile;
  readonly spec: SyntaxNode;
  readonly typeNode: SyntaxNode | null;
  /** `type A = B` */
  readonly alias: boolean;
}

/** A package-level function or a method. */
export interface PackageFunc {
  readonly name: string;
  readonly file: GoFile;
  readonly node: SyntaxNode;
  /** For methods: the receiver's base type name. */
  readonly receiverType?: string;
  readonly pointerReceiver: boolean;
}

/** A mention of a package-level variable somewhere in the package. */
export interface GlobalRef {
  readonly file: GoFile;
  readonly node: SyntaxNode;
}

/**
 * PackageIndex holds the package-level declarations of one Go package (all of its files) and
 * answers type questions from syntax: "does this type hold pointers", "is this a small scalar struct".
 */
export class PackageIndex {
  readonly files: readonly GoFile[];
  readonly name: string;
  private readonly decls = {
    vars: new Map<string, PackageVar>(),
    consts: new Set<string>(),
    types: new Map<string, PackageType>(),
    funcs: new Map<string, PackageFunc>(),
    methods: new Map<string, PackageFunc[]>(),
  };
  private collected = false;
  private refsCache: Map<string, GlobalRef[]> | undefined;
  private readonly scopes = new Map<GoFile, Scope>();
  private readonly underlyingCache = new Map<string, GoType>();
  private readonly declaredTypes = new Map<string, GoType>();
  private wordIndex: Map<string, number[]> | undefined;
  private readonly wordPlaces = new Map<string, Array<{ file: GoFile; index: number }>>();
  private mentionCache: Map<string, Array<{ file: GoFile; index: number }>> | undefined;
  private fieldOwners: Map<string, number> | undefined;
  private funcsByPlace: Map<GoFile, Map<number, PackageFunc>> | undefined;

  /** Declarations are read lazily, on the first question a rule asks about the package. */
  constructor(files: readonly GoFile[]) {
    this.files = files;
    this.name = files[0]?.packageName ?? '';
  }

  private declarations(): PackageIndex['decls'] {
    if (!this.collected) {
      this.collected = true;
      for (const file of this.files) this.collect(file);
    }
    return this.decls;
  }

  /** The scope of one of the package's files, made once and shared by every rule and model (its answers are cached). */
  scopeOf(file: GoFile): Scope {
    let scope = this.scopes.get(file);
    if (!scope) this.scopes.set(file, (scope = new Scope(file, this)));
    return scope;
  }

  /** Package-level variables by name. */
  get vars(): Map<string, PackageVar> {
    return this.declarations().vars;
  }

  /** Package-level constant names. */
  get consts(): Set<string> {
    return this.declarations().consts;
  }

  /** Package-level types by name. */
  get types(): Map<string, PackageType> {
    return this.declarations().types;
  }

  /** Package-level functions by name (not methods, not init). */
  get funcs(): Map<string, PackageFunc> {
    return this.declarations().funcs;
  }

  /** Methods by receiver base type name. */
  get methods(): Map<string, PackageFunc[]> {
    return this.declarations().methods;
  }

  private collect(file: GoFile): void {
    // The file's top-level declarations (read once, shared with the scopes); functions and methods
    // (the most numerous) are named from their source text, which costs no further calls into the parser.
    for (const decl of file.topLevel.nodes) {
      const type = decl.type;
      if (type === 'function_declaration') {
        const name =
          FUNC_HEADER.exec(file.source.slice(decl.startIndex, decl.startIndex + 512))?.[1] ?? decl.childForFieldName('name')?.text;
        if (name && name !== 'init') this.decls.funcs.set(name, { name, file, node: decl, pointerReceiver: false });
      } else if (type === 'method_declaration') {
        const header = METHOD_HEADER.exec(file.source.slice(decl.startIndex, decl.startIndex + 512));
        const receiver = header ? { typeName: header[2] ?? '', pointer: header[1] === '*' } : receiverOf(decl);
        const name = header?.[3] ?? decl.childForFieldName('name')?.text;
        if (!name || !receiver?.typeName) continue;
        const method: PackageFunc = { name, file, node: decl, receiverType: receiver.typeName, pointerReceiver: receiver.pointer };
        const list = this.decls.methods.get(receiver.typeName) ?? [];
        list.push(method);
        this.decls.methods.set(receiver.typeName, list);
      } else if (type === 'var_declaration') {
        for (const spec of specsOf(decl, 'var_spec')) this.addVarSpec(file, spec);
      } else if (type === 'const_declaration') {
        for (const spec of specsOf(decl, 'const_spec')) for (const n of spec.childrenForFieldName('name')) this.decls.consts.add(n.text);
      } else if (type === 'type_declaration') {
        for (const spec of decl.namedChildren) {
          if (spec.type !== 'type_spec' && spec.type !== 'type_alias') continue;
          const name = spec.childForFieldName('name')?.text;
          if (name)
            this.decls.types.set(name, { name, file, spec, typeNode: spec.childForFieldName('type'), alias: spec.type === 'type_alias' });
        }
      }
    }
  }

  private addVarSpec(file: GoFile, spec: SyntaxNode): void {
    const names = spec.childrenForFieldName('name');
    const typeNode = spec.childForFieldName('type');
    const values = spec.childForFieldName('value')?.namedChildren ?? [];
    names.forEach((nameNode, i) => {
      if (nameNode.text === '_') return;
      const valueNode = values.length === names.length ? (values[i] ?? null) : null;
      this.decls.vars.set(nameNode.text, { name: nameNode.text, file, nameNode, typeNode, valueNode });
    });
  }

  /** The package function or method a `function_declaration` or `method_declaration` node declares. */
  funcDeclaredAt(file: GoFile, decl: SyntaxNode): PackageFunc | undefined {
    if (!this.funcsByPlace) {
      this.funcsByPlace = new Map();
      for (const f of [...this.funcs.values(), ...[...this.methods.values()].flat()]) {
        let inFile = this.funcsByPlace.get(f.file);
        if (!inFile) this.funcsByPlace.set(f.file, (inFile = new Map()));
        inFile.set(f.node.startIndex, f);
      }
    }
    return this.funcsByPlace.get(file)?.get(decl.startIndex);
  }

  /** The method declared on a type (either receiver kind). */
  method(typeName: string, methodName: string): PackageFunc | undefined {
    return this.methods.get(typeName)?.find((m) => m.name === methodName);
  }

  /**
   * Every identifier in the package that names a package-level variable and is not shadowed by a
   * local declaration. Computed once per package on first use.
   */
  globalRefs(name: string, isShadowed: (ident: SyntaxNode) => boolean): readonly GlobalRef[] {
    let refs = this.refsCache?.get(name);
    if (!refs) {
      refs = [];
      // The text finds the candidates; only the mentions of the name asked about are looked up in
      // the tree, which is far cheaper than listing every identifier of every file.
      for (const { file, index } of this.mentions().get(name) ?? []) {
        const node = file.root.namedDescendantForIndex(index, index + name.length);
        if (node.type === 'identifier' && node.startIndex === index && node.endIndex === index + name.length) refs.push({ file, node });
      }
      this.refsCache ??= new Map();
      this.refsCache.set(name, refs);
    }
    const declId = this.vars.get(name)?.nameNode.id;
    return refs.filter((ref) => ref.node.id !== declId && !isShadowed(ref.node));
  }

  /**
   * Every place a word (an identifier-like token, in code, comments or strings alike) appears in
   * the package's files: found in one pass over each file the first time any word is asked for,
   * so that questions about many names (call sites, constructions, field mentions) cost a lookup
   * each instead of a scan of the package per name. Callers confirm each place in the tree.
   */
  occurrences(word: string): ReadonlyArray<{ readonly file: GoFile; readonly index: number }> {
    const wordIndex = this.words();
    let found = this.wordPlaces.get(word);
    if (!found) {
      const flat = wordIndex.get(word) ?? [];
      found = [];
      for (let i = 0; i < flat.length; i += 2) {
        const file = this.files[flat[i] ?? 0];
        if (file) found.push({ file, index: flat[i + 1] ?? 0 });
      }
      this.wordPlaces.set(word, found);
    }
    return found;
  }

  private words(): Map<string, number[]> {
    if (!this.wordIndex) {
      const index = new Map<string, number[]>();
      this.files.forEach((file, f) => {
        forEachWord(file.source, (word, at) => {
          const list = index.get(word);
          if (list) list.push(f, at);
          else index.set(word, [f, at]);
        });
      });
      this.wordIndex = index;
    }
    return this.wordIndex;
  }

  /**
   * How many of the package's declared struct types have a field of this name: when only one does,
   * a selector `x.name` can name no other of the package's fields.
   */
  structsWithField(name: string): number {
    if (!this.fieldOwners) {
      const owners = new Map<string, number>();
      for (const decl of this.types.values()) {
        const type = decl.alias ? undefined : this.declaredType(decl.name);
        if (type?.kind !== 'struct') continue;
        for (const field of new Set(type.fields.map((f) => f.name))) owners.set(field, (owners.get(field) ?? 0) + 1);
      }
      this.fieldOwners = owners;
    }
    return this.fieldOwners.get(name) ?? 0;
  }

  /** Where the name of a package-level variable appears in the package's text (not after a `.`); the tree is not asked. */
  varMentions(name: string): ReadonlyArray<{ readonly file: GoFile; readonly index: number }> {
    return this.mentions().get(name) ?? [];
  }

  /** Where each package-level variable's name appears as a word, found in one pass over each file. */
  private mentions(): Map<string, Array<{ file: GoFile; index: number }>> {
    if (this.mentionCache) return this.mentionCache;
    const found = new Map<string, Array<{ file: GoFile; index: number }>>();
    this.mentionCache = found;
    const names = [...this.vars.keys()].sort((a, b) => b.length - a.length);
    if (names.length === 0) return found;
    const pattern = new RegExp(`(?<![${WORD_CLASS}.])(?:${names.map(escapeRegExp).join('|')})(?![${WORD_CLASS}])`, 'g');
    for (const file of this.files) {
      for (const match of file.source.matchAll(pattern)) {
        const list = found.get(match[0]) ?? [];
        list.push({ file, index: match.index ?? 0 });
        found.set(match[0], list);
      }
    }
    return found;
  }

  /** Follows named types declared in this package to their underlying type (cycle-safe). */
  underlying(type: GoType): GoType {
    if (type.kind !== 'named') return type;
    let known = this.underlyingCache.get(type.name);
    if (!known) {
      known = this.resolveUnderlying(type, new Set());
      this.underlyingCache.set(type.name, known);
    }
    return known;
  }

  private resolveUnderlying(type: GoType, seen: Set<string>): GoType {
    if (type.kind !== 'named') return type;
    const decl = this.types.get(type.name);
    if (!decl || seen.has(type.name)) return { kind: 'unknown' };
    seen.add(type.name);
    return this.resolveUnderlying(this.declaredType(type.name) ?? UNKNOWN, seen);
  }

  /** The type a package-level type declaration spells out (its node converted once). */
  declaredType(name: string): GoType | undefined {
    let known = this.declaredTypes.get(name);
    if (!known) {
      const decl = this.types.get(name);
      if (!decl) return undefined;
      known = typeFromNode(decl.typeNode);
      this.declaredTypes.set(name, known);
    }
    return known;
  }

  /**
   * Whether values of the type contain pointers the GC must follow. Strings count as pointer-free
   * here: a leak through string bytes is not what these rules look for.
   */
  holdsPointers(type: GoType, seen: Set<string> = new Set()): Tri {
    switch (type.kind) {
      case 'basic':
        return 'no';
      case 'pointer':
      case 'slice':
      case 'map':
      case 'chan':
      case 'func':
      case 'interface':
        return 'yes';
      case 'array':
        return this.holdsPointers(type.elem, seen);
      case 'struct': {
        let answer: Tri = 'no';
        for (const field of type.fields) {
          const fieldAnswer = this.holdsPointers(field.type, seen);
          if (fieldAnswer === 'yes') return 'yes';
          if (fieldAnswer === 'unknown') answer = 'unknown';
        }
        return answer;
      }
      case 'named': {
        if (seen.has(type.name)) return 'no';
        if (type.node && this.isTypeParameter(type.node, type.name)) return 'unknown';
        seen.add(type.name);
        const decl = this.types.get(type.name);
        if (!decl) return 'unknown';
        return this.holdsPointers(this.declaredType(type.name) ?? UNKNOWN, seen);
      }
      case 'qualified':
        return knownQualifiedPointers(type.pkg, type.name);
      case 'unknown':
        return 'unknown';
    }
  }

  /** Whether a name used as a type inside a generic declaration is one of its type parameters. */
  private isTypeParameter(node: SyntaxNode, name: string): boolean {
    for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
      const params = n.childForFieldName('type_parameters');
      if (params && params.descendantsOfType('identifier').some((i) => i.text === name)) return true;
    }
    return false;
  }

  /**
   * Whether a type name is a struct declared in this package with at most `maxFields` fields, all
   * fixed-size scalars (numbers, bool, small arrays of them), and no sync types inside.
   */
  isSmallScalarStruct(typeName: string, maxFields = 4): boolean {
    const decl = this.types.get(typeName);
    if (!decl || decl.alias || decl.typeNode?.type !== 'struct_type') return false;
    if (decl.spec.childForFieldName('type_parameters')) return false;
    const type = this.declaredType(typeName) ?? UNKNOWN;
    if (type.kind !== 'struct' || type.fields.length === 0 || type.fields.length > maxFields) return false;
    return type.fields.every((f) => this.isFixedScalar(f.type));
  }

  private isFixedScalar(type: GoType, depth = 0): boolean {
    if (depth > 4) return false;
    if (type.kind === 'basic') return type.name !== 'string' && (type.name === 'bool' || isNumericName(type.name));
    if (type.kind === 'array') return type.length !== undefined && type.length <= 16 && this.isFixedScalar(type.elem, depth + 1);
    if (type.kind === 'named') {
      const decl = this.types.get(type.name);
      return !!decl && this.isFixedScalar(this.declaredType(type.name) ?? UNKNOWN, depth + 1);
    }
    return false;
  }

  /** The single result type of a package-level function, when it has exactly one. */
  funcResult(name: string): GoType | undefined {
    const fn = this.funcs.get(name);
    if (!fn) return undefined;
    const results = resultTypes(fn.node.childForFieldName('result'));
    return results.length === 1 ? results[0] : undefined;
  }
}

/** An identifier: the word characters of words.ts (Unicode property classes are several times slower). */
const IDENT = `[A-Za-z_\\u0080-\\uffff][${WORD_CLASS}]*`;
/** `func Name` at the start of a function declaration. */
const FUNC_HEADER = new RegExp(`^func\\s+(${IDENT})\\s*[([]`);
/** `func (r *T[K]) Name(` at the start of a method declaration: pointer mark, receiver type, method name. */
const METHOD_HEADER = new RegExp(
  `^func\\s*\\(\\s*(?:${IDENT}\\s+)?(\\*?)\\s*(${IDENT})\\s*(?:\\[[^\\]]*\\])?\\s*\\)\\s*(${IDENT})\\s*[([]`,
);

/** Pointer content of well-known standard-library types; anything else from another package is unknown. */
function knownQualifiedPointers(pkg: string, name: string): Tri {
  const key = `${pkg}.${name}`;
  if (
    [
      'sync.Mutex',
      'sync.RWMutex',
      'time.Duration',
      'sync.WaitGroup',
      // Its only pointer is to a *time.Location, shared by every Time of that zone: nothing per value.
      'time.Time',
      'atomic.Int64',
      'atomic.Int32',
      'atomic.Bool',
      'atomic.Uint64',
      'atomic.Uint32',
    ].includes(key)
  )
    return 'no';
  if (
    ['http.Request', 'http.Client', 'bytes.Buffer', 'strings.Builder', 'sync.Map', 'sync.Pool', 'atomic.Value', 'atomic.Pointer'].includes(
      key,
    )
  )
    return 'yes';
  return 'unknown';
}

function specsOf(decl: SyntaxNode, specType: string): SyntaxNode[] {
  const specs: SyntaxNode[] = [];
  for (const child of decl.namedChildren) {
    if (child.type === specType) specs.push(child);
    else if (child.type.endsWith('_spec_list')) for (const s of child.namedChildren) if (s.type === specType) specs.push(s);
  }
  return specs;
}

/** The receiver of a method declaration: its base type name and whether it is a pointer. */
export function receiverOf(method: SyntaxNode): { name: string | undefined; typeName: string; pointer: boolean } | undefined {
  const param = method.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  let typeNode = param?.childForFieldName('type') ?? null;
  if (!param || !typeNode) return undefined;
  let pointer = false;
  if (typeNode.type === 'pointer_type') {
    pointer = true;
    typeNode = typeNode.namedChildren[0] ?? null;
  }
  if (typeNode?.type === 'generic_type') typeNode = typeNode.childForFieldName('type');
  if (!typeNode) return undefined;
  return { name: param.childForFieldName('name')?.text, typeName: typeNode.text, pointer };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
