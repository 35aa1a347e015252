import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Parser from 'tree-sitter';
import { parseGo, type SyntaxNode } from '../src/analysis/parser.js';

// The binding's own getters, read before the first parse installs the faster ones.
const base = (Parser as unknown as { SyntaxNode: { prototype: object } }).SyntaxNode.prototype;
const native = (name: string): ((this: SyntaxNode) => unknown) => {
  const getter = Object.getOwnPropertyDescriptor(base, name)?.get;
  if (!getter) throw new Error(`tree-sitter has no ${name} getter`);
  return getter as (this: SyntaxNode) => unknown;
};
const nativeType = native('type');
const nativeStart = native('startIndex');
const nativeId = native('id');
const nativeParent = native('parent') as (this: SyntaxNode) => SyntaxNode | null;

function goFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return goFilesUnder(path);
    return entry.endsWith('.go') ? [path] : [];
  });
}

describe('node access', () => {
  it('installs faster getters that give the native answers for every node of every fixture', () => {
    const sources = goFilesUnder(join(process.cwd(), 'fixtures')).map((path) => readFileSync(path, 'utf8'));
    sources.push('package p\n\nvar ü = "漢字 🙂"\nfunc 𝔣() { x := := 1; go func( {\n', '', '\0\0\0');
    let nodes = 0;
    for (const source of sources) {
      const tree = parseGo(source) ?? assert.fail('parsed');
      const pending: SyntaxNode[] = [tree.rootNode];
      for (let node = pending.pop(); node; node = pending.pop()) {
        nodes++;
        assert.equal(node.type, nativeType.call(node));
        assert.equal(node.startIndex, nativeStart.call(node));
        assert.equal(node.id, nativeId.call(node));
        assert.equal(node.parent?.id, nativeParent.call(node)?.id);
        assert.equal(node.parent?.id, nativeParent.call(node)?.id, 'asked twice');
        pending.push(...node.children);
      }
    }
    assert.ok(nodes > 10_000, `${nodes} nodes checked`);
    assert.notEqual(Object.getOwnPropertyDescriptor(base, 'startIndex')?.get, nativeStart, 'the faster startIndex is installed');
    assert.notEqual(Object.getOwnPropertyDescriptor(base, 'id')?.get, nativeId, 'the faster id is installed');
  });
});
