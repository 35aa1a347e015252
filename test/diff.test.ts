import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Finding } from '../src/model.js';
import { markFindings } from '../src/review/filter.js';
import { hunkOf, lineInHunks, parseFilePatch, parseGitDiff } from '../src/diff/parse.js';
import { ROOT } from './helpers/fixtures.js';

const fixture = (name: string): string => readFileSync(join(ROOT, 'fixtures', 'diff', name), 'utf8');

describe('parseFilePatch (GitHub per-file patch)', () => {
  const { hunks, addedLines } = parseFilePatch(fixture('github-file.patch'));

  it('reads every hunk with its new-side range', () => {
    assert.deepEqual(hunks, [
      { oldStart: 10, oldLines: 5, newStart: 10, newLines: 8 },
      { oldStart: 40, oldLines: 3, newStart: 43, newLines: 3 },
    ]);
  });

  it('numbers added lines on the new side, across hunks and a no-newline marker', () => {
    assert.deepEqual([...addedLines], [11, 12, 13, 14, 44]);
  });

  it('tells hunk membership, context lines included', () => {
    assert.equal(lineInHunks(hunks, 10), true);
    assert.equal(lineInHunks(hunks, 17), true);
    assert.equal(lineInHunks(hunks, 18), false);
    assert.equal(hunkOf(hunks, 45)?.newStart, 43);
  });

  it('returns nothing for a missing or malformed patch rather than throwing', () => {
    assert.deepEqual(parseFilePatch(undefined), { hunks: [], addedLines: new Set() });
    assert.doesNotThrow(() => parseFilePatch('@@ garbage @@\n+x'));
  });
});

describe('parseGitDiff', () => {
  const files = parseGitDiff(fixture('git-mixed.patch'));
  const byPath = new Map(files.map((f) => [f.path, f]));

  it('lists modified, binary, deleted, new and renamed files', () => {
    assert.deepEqual(
      files.map((f) => [f.path, f.status, f.oldPath ?? null, f.patchAvailable]),
      [
        ['a.go', 'modified', null, true],
        ['blob.bin', 'modified', null, false],
        ['gone.go', 'removed', null, true],
        ['new.go', 'added', null, true],
        ['renamed.go', 'renamed', 'old.go', true],
      ],
    );
  });

  it('marks added lines of each file', () => {
    assert.deepEqual([...(byPath.get('a.go')?.addedLines ?? [])], [3, 6, 7, 8]);
    assert.deepEqual([...(byPath.get('new.go')?.addedLines ?? [])], [1, 2, 3]);
    assert.deepEqual([...(byPath.get('renamed.go')?.addedLines ?? [])], [4, 5]);
    assert.deepEqual([...(byPath.get('gone.go')?.addedLines ?? [])], []);
  });

  it('handles a pure rename with no hunks', () => {
    const [file] = parseGitDiff('diff --git a/x.go b/y.go\nsimilarity index 100%\nrename from x.go\nrename to y.go\n');
    assert.deepEqual([file?.path, file?.status, file?.oldPath, file?.hunks.length], ['y.go', 'renamed', 'x.go', 0]);
  });
});

describe('markFindings', () => {
  const finding = (path: string, line: number): Finding => ({
    rule: 'map-clear-loop',
    severity: 'notice',
    confidence: 'high',
    path,
    line,
    column: 1,
    endLine: line,
    endColumn: 2,
    message: 'm',
    anchorText: 'x',
    fingerprint: '0123456789abcdef',
    fix: null,
  });
  const changed = new Map(parseGitDiff(fixture('git-mixed.patch')).map((f) => [f.path, f]));

  it('marks rather than drops: inDiff for added lines, inHunk for context lines', () => {
    const marked = markFindings(
      [finding('a.go', 6), finding('a.go', 4), finding('a.go', 20), finding('untouched.go', 1), finding('gone.go', 1)],
      changed,
    );
    assert.deepEqual(
      marked.map((f) => [f.path, f.line, f.inDiff, f.inHunk]),
      [
        ['a.go', 6, true, true],
        ['a.go', 4, false, true],
        ['a.go', 20, false, false],
        ['untouched.go', 1, false, false],
        ['gone.go', 1, false, false],
      ],
    );
  });
});
