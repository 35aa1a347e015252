import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilePatch } from '../src/diff/parse.js';
import { checkSummary, checkTitle, commentBody, GITHUB_TEXT_LIMIT, reviewBody, truncate } from '../src/format/markdown.js';
import { lineChangeOf } from '../src/fix/line-change.js';
import { fenceFor, placeSuggestion, suggestionBlock } from '../src/format/suggestion.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { fingerprintOf, withFingerprints } from '../src/analysis/fingerprint.js';
import { markerOf, markersIn } from '../src/review/fingerprint.js';
import { finding } from './helpers/app-fixtures.js';

describe('fingerprints', () => {
  it('ignore the line number and whitespace, but not the rule, path or text', () => {
    const a = fingerprintOf('context-cancel-leak', 'a.go', 'ctx, _ := context.WithTimeout(p, d)');
    assert.equal(fingerprintOf('context-cancel-leak', 'a.go', '  ctx, _ :=   context.WithTimeout(p, d) '), a);
    assert.notEqual(fingerprintOf('map-clear-loop', 'a.go', 'ctx, _ := context.WithTimeout(p, d)'), a);
    assert.notEqual(fingerprintOf('context-cancel-leak', 'b.go', 'ctx, _ := context.WithTimeout(p, d)'), a);
    assert.match(a, /^[0-9a-f]{16}$/);
  });

  it('tell identical anchors apart by their order in the file, and survive a move', () => {
    const same = 'ch := make(chan int)';
    const first = finding({ path: 'a.go', line: 10, anchorText: same, rule: 'unbuffered-send-leak' });
    const second = finding({ path: 'a.go', line: 20, anchorText: same, rule: 'unbuffered-send-leak' });
    const [secondMarked, firstMarked] = withFingerprints([second, first]);
    assert.notEqual(firstMarked?.fingerprint, secondMarked?.fingerprint);
    const [moved] = withFingerprints([{ ...first, line: 15 }]);
    assert.equal(moved?.fingerprint, firstMarked?.fingerprint);
    assert.equal(firstMarked?.fingerprint, first.fingerprint, 'the first of identical anchors has occurrence 0');
  });

  it('round-trip through the hidden marker', () => {
    const body = `text\n${markerOf('0123456789abcdef')}\n- item ${markerOf('fedcba9876543210')}`;
    assert.deepEqual(markersIn(body), ['0123456789abcdef', 'fedcba9876543210']);
    assert.deepEqual(markersIn('<!-- leakhound:fp=nothex -->'), []);
    assert.deepEqual(markersIn(null), []);
  });
});

describe('suggestions', () => {
  const source = ['func f() {', '\tctx, _ := context.WithTimeout(p, d)', '\tuse(ctx)', '}', ''].join('\n');
  const fix = {
    message: 'Keep the cancel function and defer it',
    edits: [
      { startLine: 2, startColumn: 7, endLine: 2, endColumn: 8, newText: 'cancel' },
      { startLine: 2, startColumn: 37, endLine: 2, endColumn: 37, newText: '\n\tdefer cancel()' },
    ],
  };

  it('turn edits into whole new lines of the touched range', () => {
    assert.deepEqual(lineChangeOf(source, fix, 2), {
      startLine: 2,
      endLine: 2,
      oldLines: ['\tctx, _ := context.WithTimeout(p, d)'],
      newLines: ['\tctx, cancel := context.WithTimeout(p, d)', '\tdefer cancel()'],
    });
  });

  it('widen the range to the anchor line', () => {
    const r = lineChangeOf(
      source,
      { message: 'x', edits: [{ startLine: 3, startColumn: 2, endLine: 3, endColumn: 5, newText: 'USE' }] },
      2,
    );
    assert.deepEqual(r, {
      startLine: 2,
      endLine: 3,
      oldLines: ['\tctx, _ := context.WithTimeout(p, d)', '\tuse(ctx)'],
      newLines: ['\tctx, _ := context.WithTimeout(p, d)', '\tUSE(ctx)'],
    });
  });

  it('are placed only inside one hunk', () => {
    const { hunks } = parseFilePatch('@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -10,1 +11,2 @@\n x\n+y');
    const r = (startLine: number, endLine: number) => ({ startLine, endLine, newLines: ['z'] });
    assert.ok('replacement' in placeSuggestion(r(1, 3), hunks));
    assert.deepEqual(placeSuggestion(r(3, 11), hunks), { reason: 'the fix touches lines outside this change' });
    assert.deepEqual(placeSuggestion(r(5, 5), hunks), { reason: 'the fix touches lines outside this change' });
    assert.deepEqual(placeSuggestion(undefined, hunks), { reason: 'the fix could not be turned into whole lines' });
  });

  it('use a fence longer than any backtick run in the code', () => {
    assert.equal(fenceFor('a := `raw`'), '```');
    assert.equal(fenceFor('s := ```x```'), '````');
    assert.equal(suggestionBlock(['x := "````"']), '`````suggestion\nx := "````"\n`````');
    assert.equal(suggestionBlock([]), '```suggestion\n```');
  });
});

describe('markdown', () => {
  it('renders a comment: bold title, why, suggestion, docs link, suppression, marker', () => {
    const f = finding({
      path: 'a.go',
      line: 2,
      rule: 'unbuffered-send-leak',
      severity: 'error',
      message: 'ch of *Result is unbuffered',
      fix: { message: 'Buffer the channel', edits: [] },
    });
    const body = commentBody(f, 'abcdefabcdefabcd', {
      suggestion: { startLine: 2, endLine: 2, newLines: ['\tch := make(chan *Result, 1)'] },
    });
    assert.match(body, /^\*\*goroutine blocks forever on an unbuffered send\*\*|^\*\*[a-z]/);
    assert.match(body, /ch of \\\*Result is unbuffered\./);
    assert.match(body, /Buffer the channel:\n\n```suggestion\n\tch := make\(chan \*Result, 1\)\n```/);
    assert.match(
      body,
      /\[rule documentation\]\(https:\/\/github\.com\/leakhound\/leakhound\/blob\/main\/docs\/rules\/unbuffered-send-leak\.md\)/,
    );
    assert.match(body, /`\/\/leakhound:ignore unbuffered-send-leak <reason>`/);
    assert.ok(body.endsWith('<!-- leakhound:fp=abcdefabcdefabcd -->'));
  });

  it('explains a fix it cannot suggest, and shows the hint of a finding without one', () => {
    const withFix = finding({ path: 'a.go', line: 2, fix: { message: 'Defer cancel', edits: [] } });
    assert.match(
      commentBody(withFix, 'f'.repeat(16), { reason: 'the fix touches lines outside this change' }),
      /Fix: Defer cancel \(no one-click suggestion: the fix touches lines outside this change\)\./,
    );
    const hinted = finding({ path: 'a.go', line: 2, hint: 'Call `cancel` on every path' });
    assert.match(commentBody(hinted, 'f'.repeat(16), undefined), /reachable\. Call `cancel` on every path\./);
  });

  it('lists overflow in the review body with a marker each', () => {
    const listed = [1, 2].map((line) => ({ finding: finding({ path: 'p/a.go', line }), fingerprint: String(line).repeat(16) }));
    const { body } = reviewBody({
      htmlUrl: 'https://github.com/o/r',
      sha: 'abcdef1234567',
      posted: [],
      overflow: listed,
      unplaced: [],
      maxComments: 0,
    });
    assert.match(body, /found 2 new leaks in this change \(2 warnings\) at abcdef1/);
    assert.match(body, /\[`p\/a\.go:1`\]\(https:\/\/github\.com\/o\/r\/blob\/abcdef1234567\/p\/a\.go#L1\)/);
    assert.deepEqual(markersIn(body), ['1111111111111111', '2222222222222222']);
  });

  it('summarises by rule, with skipped files and configuration errors', () => {
    const findings = [
      { ...finding({ path: 'a.go', line: 1, severity: 'error', rule: 'unbuffered-send-leak' }), inDiff: true },
      { ...finding({ path: 'a.go', line: 5 }), inDiff: true },
      { ...finding({ path: 'b.go', line: 9 }), inDiff: false },
    ];
    const summary = checkSummary({
      sha: '0123456789',
      config: DEFAULT_CONFIG,
      configErrors: ['max_comments: must be <= 100; ignored'],
      findings,
      skipped: [{ path: 'gen.go', reason: 'generated file' }],
      filesAnalysed: 2,
      goFilesChanged: 1,
      reviewNotes: ['Posted 2 review comments.'],
    });
    assert.match(summary, /\| \[`unbuffered-send-leak`\]\(.*unbuffered-send-leak\.md\): .* \| error \| 1 \| 0 \|/);
    assert.match(summary, /\| \[`context-cancel-leak`\]\(.*\): .* \| warning \| 1 \| 1 \|/);
    assert.ok(summary.indexOf('unbuffered-send-leak') < summary.indexOf('context-cancel-leak'), 'most severe rule first');
    assert.match(summary, /### Files not analysed\n\n- `gen\.go`: generated file/);
    assert.match(summary, /### Configuration[\s\S]*max\\_comments: must be \\<= 100; ignored/);
    assert.equal(checkTitle(findings.filter((f) => f.inDiff)), '2 leaks in the changed lines (1 error, 1 warning)');
    assert.equal(checkTitle([]), 'No leaks in the changed lines');
  });

  it('says when a run was superseded', () => {
    const summary = checkSummary({
      sha: 'aaaaaaaa',
      config: DEFAULT_CONFIG,
      configErrors: [],
      findings: [],
      skipped: [],
      filesAnalysed: 0,
      goFilesChanged: 0,
      supersededBy: 'bbbbbbbbb',
      reviewNotes: [],
    });
    assert.match(summary, /Superseded: the pull request moved on to bbbbbbb while aaaaaaa was analysed/);
  });

  it('keeps texts under GitHub’s 65,535 characters', () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
    const cut = truncate(long, GITHUB_TEXT_LIMIT);
    assert.ok(cut.length <= GITHUB_TEXT_LIMIT);
    assert.match(cut, /truncated/);
    assert.equal(truncate('short', GITHUB_TEXT_LIMIT), 'short');
  });
});
