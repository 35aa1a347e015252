import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { analyze } from '../src/analysis/analyze.js';
import { main } from '../src/cli.js';
import { fingerprintFindings } from '../src/review/fingerprint.js';
import { fixtureSets, meetsWant, ROOT, RULE_FIXTURES, wantsOf } from './helpers/fixtures.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], cwd = ROOT): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(args, { cwd, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

interface JsonFinding {
  rule: string;
  severity: string;
  confidence: string;
  path: string;
  line: number;
  message: string;
}

describe('leakhound check', () => {
  it('reports exactly what the fixtures want, at every confidence with --confidence low', async () => {
    const run = await cli(['check', 'fixtures/rules', '--format', 'json', '--fail-on', 'never', '--confidence', 'low']);
    assert.equal(run.code, 0, run.err);
    const findings = (JSON.parse(run.out) as { findings: JsonFinding[] }).findings;
    const wants = fixtureSets(RULE_FIXTURES)
      .flatMap((s) => s.files)
      .flatMap(wantsOf);
    assert.equal(findings.length, wants.length);
    for (const want of wants) {
      assert.ok(
        findings.some((f) => meetsWant(f, want)),
        `no finding for ${want.path}:${want.line} ${want.rule}@${want.confidence}`,
      );
    }
  });

  it('leaves low-confidence findings out by default and says how to see them', async () => {
    const all = await cli(['check', 'fixtures/rules', '--format', 'json', '--fail-on', 'never', '--confidence', 'low']);
    const byDefault = await cli(['check', 'fixtures/rules', '--format', 'json', '--fail-on', 'never']);
    const high = await cli(['check', 'fixtures/rules', '--format', 'json', '--fail-on', 'never', '--confidence', 'high']);
    const confidences = (run: Run): string[] => (JSON.parse(run.out) as { findings: JsonFinding[] }).findings.map((f) => f.confidence);
    assert.ok(confidences(all).includes('low'));
    assert.deepEqual(
      confidences(byDefault),
      confidences(all).filter((c) => c !== 'low'),
    );
    assert.deepEqual(
      confidences(high),
      confidences(all).filter((c) => c === 'high'),
    );
    const text = await cli(['check', 'fixtures/rules/map-clear-loop', '--no-color']);
    assert.equal(text.out, '');
    assert.match(text.err, /no leaks found in 3 Go files; \d+ less certain findings? not shown \(--confidence low to see (it|them)\)/);
    const shown = await cli(['check', 'fixtures/rules/map-clear-loop', '--no-color', '--confidence', 'low']);
    assert.match(shown.out, /\[map-clear-loop, low confidence\]/);
  });

  it('takes the least confidence from min_confidence in the config, and the flag over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakhound-conf-'));
    try {
      mkdirSync(join(dir, '.github'));
      writeFileSync(join(dir, '.github', 'leakhound.yml'), 'min_confidence: low\n');
      writeFileSync(join(dir, 'm.go'), readFileSync(join(ROOT, 'fixtures/rules/map-clear-loop/clear.go'), 'utf8'));
      const fromConfig = await cli(['check', '.', '--format', 'json'], dir);
      assert.ok((JSON.parse(fromConfig.out) as { findings: JsonFinding[] }).findings.length > 0);
      const overridden = await cli(['check', '.', '--format', 'json', '--confidence', 'medium'], dir);
      assert.equal((JSON.parse(overridden.out) as { findings: JsonFinding[] }).findings.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the documented JSON shape, with exactly these keys', async () => {
    const run = await cli(['check', 'fixtures/rules/context-cancel-leak', '--format', 'json']);
    const report = JSON.parse(run.out) as { version: number; findings: Array<Record<string, unknown>> };
    assert.equal(report.version, 1);
    assert.deepEqual(Object.keys(report), ['version', 'findings']);
    for (const f of report.findings) {
      assert.deepEqual(Object.keys(f), [
        'rule',
        'severity',
        'confidence',
        'path',
        'line',
        'column',
        'endLine',
        'endColumn',
        'message',
        'fix',
      ]);
      if (f.fix !== null) {
        const fix = f.fix as { message: string; edits: Array<Record<string, unknown>> };
        assert.deepEqual(Object.keys(fix), ['message', 'edits']);
        for (const e of fix.edits) assert.deepEqual(Object.keys(e), ['startLine', 'startColumn', 'endLine', 'endColumn', 'newText']);
      }
    }
  });

  it('prints compiler-style text with the fix as a diff', async () => {
    const run = await cli(['check', 'fixtures/rules/unbuffered-send-leak/select.go', '--no-color']);
    const lines = run.out.split('\n');
    assert.match(
      lines[0] ?? '',
      /^fixtures\/rules\/unbuffered-send-leak\/select\.go:13:8: error: ch is unbuffered; .* \[unbuffered-send-leak\]$/,
    );
    assert.equal(lines[1], '    fix: Buffer the channel (capacity 1)');
    assert.match(lines[2] ?? '', /^ {4}- \tch := make\(chan \*Result\) /);
    assert.match(lines[3] ?? '', /^ {4}\+ \tch := make\(chan \*Result, 1\) /);
    assert.match(run.err, /2 findings \(2 errors\) in 1 Go file/);
  });

  it('writes SARIF 2.1.0 that validates against the official schema', async () => {
    const run = await cli(['check', 'fixtures/rules', '--format', 'sarif', '--fail-on', 'never']);
    const schema = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new (AjvDraft04 as unknown as typeof Ajv)({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const log = JSON.parse(run.out) as { runs: Array<{ results: Array<{ fixes?: unknown[] }>; tool: { driver: { rules: unknown[] } } }> };
    assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.ok((log.runs[0]?.results.length ?? 0) > 0);
    assert.ok(log.runs[0]?.results.some((r) => (r.fixes?.length ?? 0) > 0));
    assert.ok((log.runs[0]?.tool.driver.rules.length ?? 0) >= 3);
  });

  it('gives SARIF results the fingerprints the App marks its comments with', async () => {
    const run = await cli(['check', 'fixtures/rules/context-cancel-leak', '--format', 'sarif', '--fail-on', 'never']);
    const results =
      (JSON.parse(run.out) as { runs: Array<{ results: Array<{ partialFingerprints: Record<string, string> }> }> }).runs[0]?.results ?? [];
    const [set] = fixtureSets(join(RULE_FIXTURES, 'context-cancel-leak'));
    assert.ok(set);
    const expected = fingerprintFindings(analyze(set.files, { goMods: set.goMods }).findings);
    assert.deepEqual(
      results.map((r) => r.partialFingerprints['leakhound/v1']),
      [...expected.values()],
    );
  });

  it('exits 1 when a high-confidence finding reaches the fail level and 0 below it', async () => {
    const dir = 'fixtures/rules/ticker-not-stopped/go1.22';
    assert.equal((await cli(['check', dir])).code, 0, 'warnings do not fail by default');
    assert.equal((await cli(['check', dir, '--fail-on', 'warning'])).code, 1);
    assert.equal((await cli(['check', 'fixtures/rules/unbuffered-send-leak'])).code, 1);
  });

  it('never fails on findings below high confidence, whatever their severity', async () => {
    // Only medium- and low-confidence notices here.
    const dir = 'fixtures/rules/map-clear-loop';
    assert.equal((await cli(['check', dir, '--fail-on', 'notice', '--confidence', 'low'])).code, 0);
    const medium = await cli(['check', 'fixtures/rules/global-pointer-retained', '--fail-on', 'notice', '--format', 'json']);
    assert.ok((JSON.parse(medium.out) as { findings: JsonFinding[] }).findings.some((f) => f.confidence === 'medium'));
    assert.equal(medium.code, 0);
  });

  it('exits 2 with one line on stderr for usage and runtime errors', async () => {
    for (const args of [
      ['frobnicate'],
      ['check', '--format', 'xml'],
      ['check', '--fail-on', 'fatal'],
      ['check', 'no/such/dir'],
      ['check', '--config', 'missing.yml'],
      ['check', '--go-version', 'banana'],
    ]) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.err, /^leakhound: .+\n$/m, args.join(' '));
    }
  });

  it('honours --go-version over go.mod', async () => {
    const file = 'fixtures/rules/pointer-slice-stale-element/go1.22/delete.go';
    const fixOf = async (version: string): Promise<string | undefined> => {
      const run = await cli(['check', file, '--format', 'json', '--go-version', version]);
      return (JSON.parse(run.out) as { findings: Array<{ line: number; fix: { message: string } | null }> }).findings.find(
        (f) => f.line === 11,
      )?.fix?.message;
    };
    assert.equal(await fixOf('1.22'), 'Delete with slices.Delete, which zeroes the vacated slot');
    assert.equal(await fixOf('1.21'), 'Shift, clear the vacated slot, then truncate');
  });
});

describe('leakhound diff', () => {
  let repo = '';
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  const OLD = `package svc

import "context"

func old(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}
`;
  const NEW_FUNC = `
func added(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}
`;

  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'leakhound-diff-'));
    git('init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'svc'));
    writeFileSync(join(repo, 'svc', 'svc.go'), OLD);
    writeFileSync(join(repo, 'go.mod'), 'module example.com/svc\n\ngo 1.22\n');
    git('add', '.');
    git('commit', '-q', '-m', 'old leaky code');
    git('checkout', '-q', '-b', 'feature');
    writeFileSync(join(repo, 'svc', 'svc.go'), OLD + NEW_FUNC);
    git('commit', '-q', '-am', 'add a leaky function');
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('reports only the findings on lines the branch adds', async () => {
    const run = await cli(['diff', '--base', 'main', '--format', 'json'], repo);
    const findings = (JSON.parse(run.out) as { findings: JsonFinding[] }).findings;
    assert.deepEqual(
      findings.map((f) => `${f.path}:${f.line} ${f.rule}`),
      ['svc/svc.go:11 context-cancel-leak'],
    );
    assert.equal(run.code, 0, 'warnings do not fail by default');
  });

  it('includes uncommitted and untracked changes, with paths relative to the working directory', async () => {
    writeFileSync(
      join(repo, 'svc', 'extra.go'),
      `package svc\n\nimport "context"\n\nfunc untracked(p context.Context) {\n\tctx, _ := context.WithTimeout(p, 1)\n\t_ = ctx\n}\n`,
    );
    const run = await cli(['diff', '--base', 'main', '--format', 'json', '--fail-on', 'warning'], join(repo, 'svc'));
    const findings = (JSON.parse(run.out) as { findings: JsonFinding[] }).findings;
    assert.deepEqual(
      findings.map((f) => `${f.path}:${f.line}`),
      ['extra.go:6', 'svc.go:11'],
    );
    assert.equal(run.code, 1);
    rmSync(join(repo, 'svc', 'extra.go'));
  });

  it('fails with exit 2 outside a git repository or with an unknown base', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'leakhound-nogit-'));
    try {
      assert.equal((await cli(['diff'], outside)).code, 2);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    const run = await cli(['diff', '--base', 'no-such-branch'], repo);
    assert.equal(run.code, 2);
    assert.match(run.err, /merge base/);
  });
});
