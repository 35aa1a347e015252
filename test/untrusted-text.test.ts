/**
 * Text from a pull request never acts in a report: no mention, team ping or issue link, no HTML,
 * no heading or list item smuggled in with a line break, no code span ended early (Markdown of the
 * App), and no escape sequence or forged line in a terminal or CI log (the CLI's text).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Probot } from 'probot';
import { analyze } from '../src/analysis/analyze.js';
import type { Finding } from '../src/model.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { checkSummary, checkText, commentBody, reviewBody } from '../src/format/markdown.js';
import { codeSpan, markdownMessage, printable, urlPath } from '../src/format/safe-text.js';
import { createLeakhound } from '../src/index.js';
import { formatMessage, MAX_QUOTED_CHARS } from '../src/rules/define-rule.js';
import { APP_ID, appKeys, inProcessProbot, webhook } from './helpers/app-harness.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { FakeGitHub } from './helpers/fake-github.js';
import { assertInert } from './helpers/markdown-inert.js';
import { RULES } from '../src/rules/index.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Source text as a pull request can write it into a quoted expression. */
const EVIL = 'data[:4 /* @octocat @org/team #123 GH-7 &#64;octocat ` <img src=x onerror=alert(1)>\n\n<details open>\n# Heading\n- item */]';
const EVIL_PATH = 'pkg/a)b`c\n# Heading\u001b[31m.go';

function evilFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'subslice-retains-backing-array',
    severity: 'warning',
    confidence: 'high',
    path: EVIL_PATH,
    line: 3,
    column: 2,
    endLine: 3,
    endColumn: 9,
    message: `${EVIL} shares the backing array of \`data\``,
    anchorText: 'x',
    fix: { message: `Copy ${EVIL}`, edits: [] },
    hint: `Consider ${EVIL}`,
    fingerprint: '0123456789abcdef',
    ...overrides,
  };
}

describe('untrusted text in reports', () => {
  it('printable shows control characters, line breaks and bidirectional overrides as escapes', () => {
    assert.equal(printable('a\nb\u001b[31mc\u202ed\te'), 'a\\nb\\x1b[31mc\\u202ed\\te');
    assert.equal(printable('a\tb', true), 'a\tb');
  });

  it('codeSpan fences any backticks and keeps the span on one line', () => {
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x`'), '`` `x` ``');
    assert.equal(codeSpan('a\n\nb'), '`a\\n\\nb`');
  });

  it('a message quotes at most MAX_QUOTED_CHARS of source, keeping both ends', () => {
    const quoted = `items[:${'n+'.repeat(5000)}1]`;
    const message = formatMessage('`{{expr}}` keeps the array', { expr: quoted });
    assert.ok(message.length < MAX_QUOTED_CHARS + 30, `${message.length} characters`);
    assert.match(message, /^`items\[:n\+n\+.*….*\+1\]` keeps the array$/);
    assert.equal(formatMessage('{{x}}', { x: 'short\n\tvalue' }), 'short value');
  });

  it('urlPath encodes what would end a Markdown link', () => {
    assert.equal(urlPath('pkg/a)b (1)/c d.go'), 'pkg/a%29b%20%281%29/c%20d.go');
  });

  it('markdownMessage keeps the template code spans and makes the quoted source inert', () => {
    const quoted = 's. /* @octocat <b>hi</b> */ m';
    const out = markdownMessage(`${quoted} is not cleared on \`ctx.Done()\``);
    assert.ok(out.endsWith(' `ctx.Done()`'), out);
    assertInert(out);
    // A stray backtick in the quoted code may pair with the template's: the text stays inert.
    assertInert(markdownMessage(`${EVIL} is not called on \`ctx.Done()\``));
  });

  it('a review comment, the review body, the check summary and text are inert', () => {
    const finding = evilFinding();
    const listed = { finding, fingerprint: 'f'.repeat(16) };
    assertInert(commentBody(finding, listed.fingerprint, undefined));
    assertInert(
      reviewBody({
        htmlUrl: 'https://github.com/o/r',
        sha: 'a'.repeat(40),
        posted: [],
        overflow: [listed],
        unplaced: [listed],
        maxComments: 1,
      }).body,
    );
    assertInert(
      checkSummary({
        sha: 'a'.repeat(40),
        config: DEFAULT_CONFIG,
        configErrors: [`rules.${EVIL}: unknown rule`],
        findings: [{ ...finding, inDiff: true }],
        skipped: [{ path: EVIL_PATH, reason: `could not parse ${EVIL}` }],
        filesAnalysed: 1,
        goFilesChanged: 1,
        reviewNotes: [`GitHub said: ${EVIL}`],
      }),
    );
    assertInert(checkText([listed]) ?? '');
  });

  describe('through the App (Probot in process, fake GitHub)', () => {
    const keys = appKeys();
    const snapshots = prSnapshots();
    let fake: FakeGitHub;
    let probot: Probot;

    before(async () => {
      fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
      await fake.start();
      // The real analysis, with its messages and hints quoting hostile source text.
      probot = await inProcessProbot(
        fake,
        keys.privateKey,
        createLeakhound({
          answerAtOnce: false,
          analyze: async (files, options) => {
            const result = analyze(files, RULES, options);
            return { ...result, findings: result.findings.map((f) => ({ ...f, message: `${f.message}: ${EVIL}`, hint: EVIL })) };
          },
          openRunsFile: null,
        }),
      );
    });
    after(() => fake.stop());

    it('posts review comments, a review body and a check run in which that text is inert', async () => {
      const base = fake.commit(snapshots.base);
      const head = fake.commit(snapshots.push1);
      fake.openPull(2, base, head);
      const payload = webhook<Payload>('pull_request.opened');
      payload.pull_request.head.sha = head;
      await probot.receive({ id: 'untrusted-1', name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
      const review = fake.reviews[0];
      assert.ok(review && review.comments.length > 0, 'a review with comments');
      assertInert(review.body);
      for (const comment of review.comments as { body: string }[]) {
        assert.match(comment.body, /octocat/);
        assertInert(comment.body);
      }
      const run = fake.checkRuns.at(-1);
      assertInert(run?.output.summary ?? '');
      assertInert(run?.output.text ?? '');
    });
  });

  describe('through the CLI (the built binary)', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'leakhound-untrusted-'));
      writeFileSync(join(dir, 'go.mod'), 'module example.com/x\n\ngo 1.22\n');
      const leak =
        'package x\n\nimport "os"\n\nvar header []byte\n\nfunc load(p string) {\n\tdata, _ := os.ReadFile(p)\n\theader = data[:4]\n}\n';
      writeFileSync(join(dir, 'evil\n::error file=x.go::forged\u001b[31m.go'), leak);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('prints file names with their control characters escaped: no forged line, no escape sequence', () => {
      let out: string;
      try {
        out = execFileSync(
          process.execPath,
          [join(process.cwd(), 'dist', 'src', 'bin', 'leakhound.js'), 'check', './...', '--confidence', 'low'],
          {
            cwd: dir,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
      } catch (error) {
        out = String((error as { stdout?: string }).stdout ?? '');
      }
      assert.match(out, /evil\\n::error file=x\.go::forged\\x1b\[31m\.go:9:/);
      assert.doesNotMatch(out, /^::error/m);
      assert.ok(!out.includes('\u001b'), 'an escape character');
    });
  });
});
