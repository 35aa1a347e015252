/**
 * Faster answers to the questions the rules ask of syntax nodes most often: `type`, `startIndex`,
 * `id` and `parent`. In node-tree-sitter (0.25) each is a call into the native binding that first
 * copies the node into a transfer buffer; together they were a fifth of the analysis.
 *
 * The first three can be answered from what the JavaScript node object already holds:
 * - The binding makes a node's object from the class it keeps for the node's symbol id and means
 *   to store the type name on each class's prototype, but that assignment is silently dropped
 *   (the base class defines `type` as a getter). Here every symbol gets a class of its own, and the
 *   first node of a class asks the native getter and leaves the answer on the prototype. ERROR
 *   nodes (made from the base class) keep the native getter.
 * - The object holds the six numbers the binding marshals a node into (`node[0..5]`): the 64-bit
 *   node id as two 32-bit halves, low first, then the node's context, whose first number is its
 *   start byte. The native getters return `id` as that pointer as a number and `startIndex` as
 *   the start byte / 2 (the parser reads UTF-16).
 *
 * The parent is still the binding's answer, remembered per tree (see {@link rememberParents}).
 *
 * The layout is the binding's, not a public interface, so {@link speedUpNodeAccess} checks every
 * node of a sample tree against the native getters before it installs anything, and installs
 * nothing when one answer differs (a binding that changed its layout is only slower).
 */
import type { SyntaxNode, Tree } from './parser.js';

/** What node-tree-sitter adds to a language once a parser has used it: one node class per symbol id. */
interface LanguageWithClasses {
  nodeSubclasses?: Array<NodeClass | undefined>;
}

type NodeClass = new (...args: never[]) => SyntaxNode;

/** A node object as the binding builds it: the marshalled numbers are its indexed properties. */
type MarshalledNode = SyntaxNode & { readonly [slot: number]: number };

/** Go exercising what the check must see: nested nodes, anonymous tokens, non-ASCII text, an error. */
const SAMPLE = 'package p\n\n// é ü 漢字\nfunc f(ß int) string { s := "π≈3"; if ß > 0 { return s }; return `x` }\nfunc g( {\n';

/**
 * Installs the faster getters on the binding's node classes for `language`, once a parser using
 * it exists (`parse` parses {@link SAMPLE} with it). Returns whether they were installed.
 */
export function speedUpNodeAccess(parserBase: NodeClass, language: unknown, parse: (source: string) => Tree | undefined): boolean {
  const classes = (language as LanguageWithClasses).nodeSubclasses;
  const native = {
    type: Object.getOwnPropertyDescriptor(parserBase.prototype, 'type')?.get,
    startIndex: Object.getOwnPropertyDescriptor(parserBase.prototype, 'startIndex')?.get,
    id: Object.getOwnPropertyDescriptor(parserBase.prototype, 'id')?.get,
  };
  const sample = parse(SAMPLE);
  if (!classes || !native.type || !native.startIndex || !native.id || !sample) return false;
  if (!marshalledFieldsAgree(sample.rootNode, native.startIndex, native.id)) return false;

  for (let symbol = 0; symbol < classes.length; symbol++) {
    let nodeClass = classes[symbol];
    if (!nodeClass) continue;
    if (nodeClass === parserBase) classes[symbol] = nodeClass = class extends parserBase {};
    cacheTypeOnFirstUse(nodeClass.prototype as object, native.type);
  }
  Object.defineProperty(parserBase.prototype, 'startIndex', {
    configurable: true,
    get(this: MarshalledNode): number {
      return (this[2] ?? 0) / 2;
    },
  });
  Object.defineProperty(parserBase.prototype, 'id', {
    configurable: true,
    get(this: MarshalledNode): number {
      return (this[1] ?? 0) * 0x1_0000_0000 + (this[0] ?? 0);
    },
  });
  const nativeParent = Object.getOwnPropertyDescriptor(parserBase.prototype, 'parent')?.get;
  if (nativeParent) rememberParents(parserBase.prototype as object, nativeParent);
  return true;
}

function cacheTypeOnFirstUse(prototype: object, nativeType: (this: SyntaxNode) => string): void {
  Object.defineProperty(prototype, 'type', {
    configurable: true,
    get(this: SyntaxNode): string {
      const name = nativeType.call(this);
      Object.defineProperty(prototype, 'type', { value: name, configurable: true });
      return name;
    },
  });
}

/**
 * tree-sitter keeps no parent pointers: `ts_node_parent` descends from the root, scanning every
 * top-level declaration and then each level's children, on every call. Walks up the tree
 * (the enclosing function, the scope of a name) ask the same ancestors over and over, so each
 * tree remembers the parents it was asked for; the memory goes with the tree.
 */
function rememberParents(prototype: object, nativeParent: (this: SyntaxNode) => SyntaxNode | null): void {
  const parentsByTree = new WeakMap<object, Map<number, SyntaxNode | null>>();
  Object.defineProperty(prototype, 'parent', {
    configurable: true,
    get(this: SyntaxNode): SyntaxNode | null {
      let parents = parentsByTree.get(this.tree);
      if (!parents) parentsByTree.set(this.tree, (parents = new Map()));
      const id = this.id;
      let parent = parents.get(id);
      if (parent === undefined) parents.set(id, (parent = nativeParent.call(this)));
      return parent;
    },
  });
}

/** Whether `startIndex` and `id` computed from the marshalled numbers match the native getters on every node. */
function marshalledFieldsAgree(root: SyntaxNode, nativeStart: () => number, nativeId: () => number): boolean {
  const pending: SyntaxNode[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const fields = node as MarshalledNode;
    if ((fields[2] ?? -1) / 2 !== nativeStart.call(node)) return false;
    if ((fields[1] ?? -1) * 0x1_0000_0000 + (fields[0] ?? -1) !== nativeId.call(node)) return false;
    pending.push(...node.children);
  }
  return true;
}
