import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachWord, wordsBetween } from '../src/analysis/words.js';

function words(source: string): Array<[string, number]> {
  const found: Array<[string, number]> = [];
  forEachWord(source, (word, at) => found.push([word, at]));
  return found;
}

describe('forEachWord', () => {
  it('lists identifier-like tokens with their offsets, never a run that starts with a digit', () => {
    assert.deepEqual(words('x := 0x1f + _y2 // über 3d a.b'), [
      ['x', 0],
      ['_y2', 12],
      ['über', 19],
      ['a', 27],
      ['b', 29],
    ]);
  });

  it('gives the same tokens as the regular expression it replaces on Go source', () => {
    const source = 'package p\n\nfunc f(ß int) (r []*T) { s := "π≈3"; for i, v := range m { r = append(r, &T{v, 1e9, 0b1}) } }\n';
    const expected = [...source.matchAll(/(?<![\w\u0080-\uffff])[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/g)].map((m) => [m[0], m.index]);
    assert.deepEqual(words(source), expected);
  });
});

describe('wordsBetween', () => {
  it('finds whole words only, and skips selected names when asked', () => {
    const source = 'go goroutine(); x.go(); ago; go f()';
    assert.deepEqual(wordsBetween(source, 'go', 0, source.length), [0, 18, 29]);
    assert.deepEqual(wordsBetween(source, 'go', 0, source.length, { notSelected: true }), [0, 29]);
  });
});
