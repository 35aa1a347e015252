import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRanges, parseGo, parseGoRecovering } from '../src/analysis/parser.js';

const wrap = (statement: string): string => `package p\n\nfunc f() {\n\t${statement}\n\tg()\n}\n`;

describe('parseGoRecovering', () => {
  it("reads Go 1.26's new(expr) as a call, keeping every index, where tree-sitter-go gives up", () => {
    for (const expression of ['new(int32(3))', 'new("x")', 'new(42)', 'new(a.b.c)', 'new([]string{"x"})', 'new(*n.Map())']) {
      const source = wrap(`p.v = ${expression}`);
      assert.ok(errorRanges(parseGo(source)?.rootNode ?? assert.fail()).length > 0, `${expression} is an error for the grammar`);
      const recovered = parseGoRecovering(source);
      assert.ok(recovered, expression);
      assert.deepEqual(errorRanges(recovered.tree.rootNode), [], expression);
      assert.equal(recovered.text.length, source.length, 'the same length: positions are unchanged');
      assert.equal(recovered.text.replace('n3w(', 'new('), source);
    }
  });

  it('leaves new(T) of every type alone, and files without errors untouched', () => {
    for (const type of ['int', 'pkg.T', '[]int', '[4]byte', 'map[string]int', '*T', 'chan int', 'struct{}', 'T[int]']) {
      const source = wrap(`p.v = new(${type})`);
      const recovered = parseGoRecovering(source);
      assert.equal(recovered?.text, source, type);
      assert.deepEqual(errorRanges(recovered?.tree.rootNode ?? assert.fail()), [], type);
    }
  });

  it('keeps the first tree when rewriting does not help', () => {
    const source = wrap('x := := new(int32(3))');
    const recovered = parseGoRecovering(source);
    assert.ok(recovered && errorRanges(recovered.tree.rootNode).length > 0);
  });
});
