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
import { fixtureSets, meetsWant, ROOT, RULE_FIXTURES, wantsOf } from './helpers/fixtures.js';
import { RULES } from '../src/rules/index.js';

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
    const run = await cli(['check', 'fixtures/rules/...', '--format', 'json', '--fail-on', 'never', '--confidence', 'low']);
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
    const all = await cli(['check', 'fixtures/rules/...', '--format', 'json', '--fail-on', 'never', '--confidence', 'low']);
    const byDefault = await cli(['check', 'fixtures/rules/...', '--format', 'json', '--fail-on', 'never']);
    const high = await cli(['check', 'fixtures/rules/...', '--format', 'json', '--fail-on', 'never', '--confidence', 'high']);
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
    const text = await cli(['check', 'fixtures/rules/map-clear-loop/...', '--no-color']);
    assert.equal(text.out, '');
    assert.match(text.err, /no leaks found in 3 Go files; \d+ less certain findings? not shown \(--confidence low to see (it|them)\)/);
    const shown = await cli(['check', 'fixtures/rules/map-clear-loop/...', '--no-color', '--confidence', 'low']);
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
    const run = await cli(['check', 'fixtures/rules/context-cancel-leak/...', '--format', 'json']);
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

  it('prints GitHub Actions workflow annotations with --format github, escaped so no text starts another command', async () => {
    const run = await cli(['check', 'fixtures/rules/unbuffered-send-leak/select.go', '--format', 'github']);
    const lines = run.out.trimEnd().split('\n');
    assert.ok(lines.length > 0);
    for (const line of lines)
      assert.match(
        line,
        /^::(error|warning|notice) file=fixtures\/rules\/unbuffered-send-leak\/select\.go,line=\d+,endLine=\d+,[^\n]*::[^\n]+$/,
      );
    assert.match(run.err, /in 1 Go file/);
    const { formatGithub } = await import('../src/format/annotation.js');
    const [hostile] = formatGithub([
      {
        rule: 'goroutine-no-exit',
        severity: 'warning',
        confidence: 'high',
        path: 'a,b:c.go',
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 2,
        message: 'x\n::error::forged 100%',
        anchorText: 'go f()',
        fix: null,
        fingerprint: '0123456789abcdef',
      },
    ]).split('\n');
    assert.match(hostile ?? '', /^::warning file=a%2Cb%3Ac\.go,line=1,/);
    assert.match(hostile ?? '', /,title=goroutine loops forever with no way to stop it \(goroutine-no-exit\)::x%0A::error::forged 100%25$/);
  });

  it('writes SARIF 2.1.0 that validates against the official schema', async () => {
    const run = await cli(['check', 'fixtures/rules/...', '--format', 'sarif', '--fail-on', 'never']);
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
    const run = await cli(['check', 'fixtures/rules/context-cancel-leak/...', '--format', 'sarif', '--fail-on', 'never']);
    const results =
      (JSON.parse(run.out) as { runs: Array<{ results: Array<{ partialFingerprints: Record<string, string> }> }> }).runs[0]?.results ?? [];
    const [set] = fixtureSets(join(RULE_FIXTURES, 'context-cancel-leak'));
    assert.ok(set);
    const expected = analyze(set.files, RULES, { goMods: set.goMods }).findings.map((f) => f.fingerprint);
    assert.deepEqual(
      results.map((r) => r.partialFingerprints['leakhound/v1']),
      expected,
    );
  });

  it('exits 1 when a high-confidence finding reaches the fail level and 0 below it', async () => {
    const dir = 'fixtures/rules/ticker-not-stopped/go1.22';
    assert.equal((await cli(['check', dir])).code, 0, 'warnings do not fail by default');
    assert.equal((await cli(['check', dir, '--fail-on', 'warning'])).code, 1);
    assert.equal((await cli(['check', 'fixtures/rules/unbuffered-send-leak/...'])).code, 1);
  });

  it('never fails on findings below high confidence, whatever their severity', async () => {
    // Only medium- and low-confidence notices here.
    const dir = 'fixtures/rules/map-clear-loop';
    assert.equal((await cli(['check', dir, '--fail-on', 'notice', '--confidence', 'low'])).code, 0);
    const medium = await cli(['check', 'fixtures/rules/global-pointer-retained/...', '--fail-on', 'notice', '--format', 'json']);
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
      const usage = args[0] === 'frobnicate' || args.includes('--format') || args.includes('--fail-on') || args.includes('--go-version');
      assert.match(
        run.err,
        usage ? /^leakhound: .+\nusage: leakhound <command> \[options\] \(see --help\)\n$/ : /^leakhound: .+\n$/,
        args.join(' '),
      );
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

describe('leakhound behaves like a Go tool', () => {
  const LEAK = (pkg: string): string =>
    `package ${pkg}\n\nimport "context"\n\nfunc f(p context.Context) context.Context {\n\tctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n`;
  let mod = '';
  before(() => {
    mod = mkdtempSync(join(tmpdir(), 'leakhound-gotool-'));
    const files: Record<string, string> = {
      'go.mod': 'module example.com/m\n\ngo 1.22\n',
      'main.go': LEAK('main'),
      'internal/a/a.go': LEAK('a'),
      'internal/a/b/b.go': LEAK('b'),
      'vendor/v/v.go': LEAK('v'),
      'internal/testdata/t.go': LEAK('t'),
      '_tools/tools.go': LEAK('tools'),
      '.hidden/h.go': LEAK('h'),
      'internal/a/_skip.go': LEAK('a'),
      'docs/README.md': '# not Go\n',
      'gen/gen.go': `// Code generated by x. DO NOT EDIT.\n\n${LEAK('gen')}`,
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(mod, path, '..'), { recursive: true });
      writeFileSync(join(mod, path), content);
    }
  });
  after(() => rmSync(mod, { recursive: true, force: true }));

  const paths = (run: Run): string[] =>
    [...new Set((JSON.parse(run.out) as { findings: JsonFinding[] }).findings.map((f) => f.path))].sort();
  const json = ['--format', 'json', '--fail-on', 'never'];

  it('takes package patterns: ./..., dir/..., a plain directory (that package only) and a file', async () => {
    assert.deepEqual(paths(await cli(['check', './...', ...json], mod)), ['internal/a/a.go', 'internal/a/b/b.go', 'main.go']);
    assert.deepEqual(paths(await cli(['check', ...json], mod)), ['internal/a/a.go', 'internal/a/b/b.go', 'main.go'], 'default ./...');
    assert.deepEqual(paths(await cli(['check', './internal/...', ...json], mod)), ['internal/a/a.go', 'internal/a/b/b.go']);
    assert.deepEqual(paths(await cli(['check', 'internal/a', ...json], mod)), ['internal/a/a.go']);
    assert.deepEqual(paths(await cli(['check', '.', ...json], mod)), ['main.go']);
    assert.deepEqual(paths(await cli(['check', 'internal/a/b/b.go', ...json], mod)), ['internal/a/b/b.go']);
    assert.deepEqual(paths(await cli(['check', '_tools', ...json], mod)), ['_tools/tools.go'], 'named, a skipped name is analysed');
  });

  it('says "no Go files" and exits 2 for a pattern that matches none, and never parses other files as Go', async () => {
    const empty = await cli(['check', 'docs'], mod);
    assert.equal(empty.code, 2);
    assert.equal(empty.err, 'leakhound: no Go files in docs\n');
    const markdown = await cli(['check', 'docs/README.md'], mod);
    assert.equal(markdown.code, 2);
    assert.equal(markdown.err, 'leakhound: docs/README.md: not a Go file\n');
  });

  it('prints paths relative to the working directory when under it, otherwise absolute', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'leakhound-cwd-'));
    try {
      assert.deepEqual(paths(await cli(['check', join(mod, 'internal', 'a'), ...json], outside)), [join(mod, 'internal', 'a', 'a.go')]);
      assert.deepEqual(paths(await cli(['check', join(mod, 'internal', 'a'), ...json], mod)), ['internal/a/a.go']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('counts columns in bytes as go vet does (JSON and text); SARIF says it counts UTF-16 units', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakhound-col-'));
    try {
      writeFileSync(
        join(dir, 'a.go'),
        'package a\n\nimport "context"\n\nfunc f(p context.Context) context.Context {\n\t/* héllo 世界 */ ctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n',
      );
      const finding = (JSON.parse((await cli(['check', '.', ...json], dir)).out) as { findings: Array<JsonFinding & { column: number }> })
        .findings[0];
      // tab 1 + "/* h" 4 + é 2 + "llo " 4 + 世界 6 + " */ " 4 + "ctx, _ := " 10 bytes before `context`.
      assert.equal(finding?.column, 32);
      const text = await cli(['check', '.', '--no-color', '--fail-on', 'never'], dir);
      assert.match(text.out, /^a\.go:6:32: warning:/m);
      const sarif = JSON.parse((await cli(['check', '.', '--format', 'sarif', '--fail-on', 'never'], dir)).out) as {
        runs: Array<{
          columnKind: string;
          results: Array<{ locations: Array<{ physicalLocation: { region: { startColumn: number } } }> }>;
        }>;
      };
      assert.equal(sarif.runs[0]?.columnKind, 'utf16CodeUnits');
      assert.equal(sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.region.startColumn, 27);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds .github/leakhound.yml as git finds .git: in a parent, up to the repository root', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'leakhound-cfg-'));
    try {
      mkdirSync(join(repo, '.git'));
      mkdirSync(join(repo, '.github'));
      writeFileSync(join(repo, '.github', 'leakhound.yml'), 'rules:\n  context-cancel-leak: off\n');
      mkdirSync(join(repo, 'internal', 'fetch'), { recursive: true });
      writeFileSync(join(repo, 'internal', 'fetch', 'f.go'), LEAK('fetch'));
      assert.deepEqual(paths(await cli(['check', 'fetch', ...json], join(repo, 'internal'))), [], 'the parent config turns the rule off');
      rmSync(join(repo, '.git'), { recursive: true });
      mkdirSync(join(repo, 'internal', '.git'));
      assert.deepEqual(
        paths(await cli(['check', 'fetch', ...json], join(repo, 'internal'))),
        ['internal/fetch/f.go'.slice('internal/'.length)],
        'not past the repository root',
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('keeps every valid rules: entry, and names each invalid one (with the rule id it probably meant)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakhound-rules-'));
    try {
      mkdirSync(join(dir, '.github'));
      writeFileSync(
        join(dir, '.github', 'leakhound.yml'),
        'rules:\n  context-cancel-leek: off\n  ticker-not-stopped: loud\n  context-cancel-leak: error\n',
      );
      writeFileSync(join(dir, 'a.go'), LEAK('a'));
      const run = await cli(['check', '.', '--format', 'json'], dir);
      assert.equal(run.code, 1, 'context-cancel-leak raised to error fails the run');
      assert.match(run.err, /rules: unknown rule id "context-cancel-leek" \(did you mean "context-cancel-leak"\?\); ignored/);
      assert.match(run.err, /rules\.ticker-not-stopped: must be one of error, warning, notice, off, not "loud"; ignored/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a misspelt, a reasonless and an idle suppression as notices, which do not fail the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakhound-ignore-'));
    try {
      const lines = LEAK('a').split('\n');
      lines.splice(5, 0, '\t//leakhound:ignore ticker-not-stopped', '\t//leakhound:ignore context-cancel-lek the caller cancels');
      writeFileSync(join(dir, 'a.go'), lines.join('\n'));
      const run = await cli(['check', '.', '--no-color', '--fail-on', 'warning'], dir);
      assert.equal(run.code, 1, 'the context leak the misspelt directive meant to suppress still fails the run');
      assert.match(
        run.out,
        /^a\.go:7:2: notice: \/\/leakhound:ignore names unknown rule "context-cancel-lek" \(did you mean "context-cancel-leak"\?\)/m,
      );
      assert.match(run.out, /^a\.go:6:2: notice: \/\/leakhound:ignore ticker-not-stopped gives no reason \[ignore-directive-invalid\]$/m);
      assert.match(
        run.out,
        /^a\.go:6:2: notice: this \/\/leakhound:ignore matches no ticker-not-stopped finding on its line or the next \[ignore-directive-unused\]$/m,
      );
      assert.match(run.out, /^a\.go:8:\d+: warning: .*\[context-cancel-leak\]$/m);
      writeFileSync(join(dir, 'a.go'), lines.join('\n').replace('context-cancel-lek', 'context-cancel-leak'));
      const quiet = await cli(['check', '.', '--no-color', '--fail-on', 'warning'], dir);
      assert.equal(quiet.code, 0, `spelt right it suppresses, and notices alone pass --fail-on warning:\n${quiet.out}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts the generated files it skips, and lists them with --verbose', async () => {
    const quiet = await cli(['check', './...', '--no-color', '--fail-on', 'never'], mod);
    assert.doesNotMatch(quiet.err, /generated file/);
    assert.match(quiet.err, /in 3 Go files; 1 generated or binary file skipped \(--verbose lists them\)/);
    const verbose = await cli(['check', './...', '--no-color', '--fail-on', 'never', '--verbose'], mod);
    assert.match(verbose.err, /^leakhound: gen\/gen\.go: skipped: generated file$/m);
  });

  it('answers an unknown option with one line and the usage line, exit 2', async () => {
    const run = await cli(['check', '--frobnicate']);
    assert.equal(run.code, 2);
    assert.equal(run.err, 'leakhound: unknown option --frobnicate\nusage: leakhound <command> [options] (see --help)\n');
  });

  it('diff in a shallow clone says the history is shallow and how to fetch it', async () => {
    const origin = mkdtempSync(join(tmpdir(), 'leakhound-origin-'));
    const clone = `${origin}-clone`;
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    const git = (cwd: string, ...args: string[]): void => void execFileSync('git', args, { cwd, env, stdio: 'ignore' });
    try {
      git(origin, 'init', '-q', '-b', 'main');
      writeFileSync(join(origin, 'a.go'), 'package a\n');
      git(origin, 'add', '.');
      git(origin, 'commit', '-q', '-m', 'one');
      git(origin, 'checkout', '-q', '-b', 'feature');
      writeFileSync(join(origin, 'b.go'), LEAK('a'));
      git(origin, 'add', '.');
      git(origin, 'commit', '-q', '-m', 'two');
      git(origin, 'checkout', '-q', 'main');
      writeFileSync(join(origin, 'c.go'), 'package a\n');
      git(origin, 'add', '.');
      git(origin, 'commit', '-q', '-m', 'three');
      git(tmpdir(), 'clone', '-q', '--depth', '1', '--branch', 'feature', '--no-single-branch', `file://${origin}`, clone);
      const run = await cli(['diff', '--base', 'origin/main'], clone);
      assert.equal(run.code, 2, run.err);
      assert.match(run.err, /this clone's history is shallow .*git fetch --unshallow origin.*fetch-depth: 0/);
    } finally {
      rmSync(origin, { recursive: true, force: true });
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
