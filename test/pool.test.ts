import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import { AnalysisPool } from '../src/analysis/pool.js';
import { fixtureSets, RULE_FIXTURES } from './helpers/fixtures.js';
import { join } from 'node:path';
import { RULES } from '../src/rules/index.js';

/** A file whose analysis is quadratic: thousands of top-level functions, each with a finding. */
function slowFile(functions: number): { path: string; content: string } {
  const body = Array.from(
    { length: functions },
    (_, i) => `func f${i}(p context.Context) {\n\tctx, _ := context.WithCancel(p)\n\t_ = ctx\n}\n`,
  ).join('');
  return { path: 'slow/slow.go', content: `package slow\n\nimport "context"\n\n${body}` };
}

describe('AnalysisPool', () => {
  const pool = new AnalysisPool({ fileBudgetMs: 400 });
  after(() => pool.close());

  it('returns what analyze returns, from a worker thread', async () => {
    const [set] = fixtureSets(join(RULE_FIXTURES, 'context-cancel-leak'));
    assert.ok(set);
    const inWorker = await pool.analyze(set.files, { goMods: set.goMods });
    assert.deepEqual(inWorker, analyze(set.files, RULES, { goMods: set.goMods }));
  });

  it('skips a file that overruns the per-file budget, names it, and still analyses the rest', async () => {
    const [set] = fixtureSets(join(RULE_FIXTURES, 'map-clear-loop'));
    assert.ok(set);
    const result = await pool.analyze([slowFile(12000), ...set.files]);
    assert.deepEqual(
      result.problems.map((p) => [p.path, p.kind]),
      [['slow/slow.go', 'skipped']],
    );
    assert.match(result.problems[0]?.reason ?? '', /per-file budget/);
    assert.ok(result.findings.length > 0);
    assert.ok(result.findings.every((f) => f.path !== 'slow/slow.go'));
    assert.deepEqual(result.findings, analyze(set.files, RULES).findings);
  });

  it('keeps serving analyses after a worker was stopped', async () => {
    const result = await pool.analyze([
      {
        path: 'a/a.go',
        content: 'package a\n\nvar m = map[string]*int{}\n\nfunc reset() {\n\tfor k := range m {\n\t\tdelete(m, k)\n\t}\n}\n',
      },
    ]);
    assert.deepEqual(
      result.findings.map((f) => f.rule),
      ['map-clear-loop'],
    );
  });

  it('answers at once when there is nothing to analyse', async () => {
    assert.deepEqual(await pool.analyze([]), { findings: [], problems: [], filesAnalysed: 0 });
  });

  it('rejects new work once closed', async () => {
    const closing = new AnalysisPool();
    await closing.close();
    await assert.rejects(closing.analyze([]), /closed/);
  });
});

/** `count` packages of one slow file each, under `prefix`. */
function slowPackages(prefix: string, count: number, functions: number): { path: string; content: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const file = slowFile(functions);
    return { path: `${prefix}/p${i}/slow.go`, content: file.content.replace('package slow', `package p${i}`) };
  });
}

describe('AnalysisPool: slices, turns and budgets', () => {
  it('analyses in slices of whole packages and returns what one analyze call returns', async () => {
    const pool = new AnalysisPool({ sliceBytes: 1 });
    after(() => pool.close());
    const files = ['context-cancel-leak', 'map-clear-loop', 'ticker-not-stopped'].flatMap((rule) =>
      fixtureSets(join(RULE_FIXTURES, rule)).flatMap((set) => set.files.map((f) => ({ ...f, path: `${rule}/${f.path}` }))),
    );
    assert.ok(new Set(files.map((f) => f.path.split('/').slice(0, -1).join('/'))).size > 2, 'several packages');
    assert.deepEqual(await pool.analyze(files), analyze(files, RULES));
  });

  it('a small analysis of another tenant waits for one slice of a big one, not for all of it', async () => {
    const pool = new AnalysisPool({ sliceBytes: 1 });
    after(() => pool.close());
    await pool.analyze([{ path: 'warm/a.go', content: 'package a\n' }]);
    const finished: string[] = [];
    const big = pool.analyze(slowPackages('big', 6, 1500), {}, { tenant: 'big-org' }).then(() => finished.push('big'));
    const small = pool
      .analyze([{ path: 'small/a.go', content: 'package a\n' }], {}, { tenant: 'small-org' })
      .then(() => finished.push('small'));
    await Promise.all([big, small]);
    assert.deepEqual(finished, ['small', 'big']);
  });

  it('with two workers, one heavy package holds one of them: another tenant is served by the other', async () => {
    const pool = new AnalysisPool({ size: 2 });
    after(() => pool.close());
    await Promise.all([0, 1].map(() => pool.analyze([{ path: 'warm/a.go', content: 'package a\n' }])));
    const onePackage = slowPackages('big', 4, 1500).map((f, i) => ({
      path: `big/p/slow${i}.go`,
      content: f.content.replace(/package p\d+/, 'package p').replace(/func f(\d+)\(/g, `func f${i}_$1(`),
    }));
    const finished: string[] = [];
    const big = pool.analyze(onePackage, {}, { tenant: 'big-org' }).then(() => finished.push('big'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const small = pool
      .analyze([{ path: 'small/a.go', content: 'package a\n' }], {}, { tenant: 'small-org' })
      .then(() => finished.push('small'));
    await Promise.all([big, small]);
    assert.deepEqual(finished, ['small', 'big']);
  });

  it('names the packages a run did not reach within its time or bytes budget, and analyses the rest', async () => {
    const timed = new AnalysisPool({ sliceBytes: 1, runBudgetMs: 500 });
    after(() => timed.close());
    await timed.analyze([{ path: 'warm/a.go', content: 'package a\n' }]);
    // A quick package first, then about 2 s of slow ones: the budget ends somewhere among those.
    const files = [{ path: 'quick/a.go', content: 'package a\n' }, ...slowPackages('heavy', 6, 1500)];
    const result = await timed.analyze(files);
    const skipped = result.problems.filter((p) => /used up its 500 ms analysis budget/.test(p.reason));
    assert.ok(skipped.length > 0, 'the budget ran out');
    assert.ok(!skipped.some((p) => p.path === 'quick/a.go'), 'what came before it was analysed');
    assert.equal(result.filesAnalysed + skipped.length, files.length);
    const small = slowPackages('small', 2, 20);
    const bounded = new AnalysisPool({ runMaxBytes: (small[0]?.content.length ?? 0) + 10 });
    after(() => bounded.close());
    const byBytes = await bounded.analyze(small);
    assert.equal(byBytes.filesAnalysed, 1);
    assert.deepEqual(
      byBytes.problems.map((p) => [p.path, p.reason]),
      [[small[1]?.path, "not analysed: the pull request's Go packages exceed the 1 KiB one run may read"]],
    );
  });

  it('matches exclude globs in the worker, and gives up on a pathological one within its budget', async () => {
    const pool = new AnalysisPool({ matchBudgetMs: 300 });
    after(() => pool.close());
    assert.deepEqual(await pool.match(['gen/**', '**/*_mock.go'], ['gen/a.go', 'b.go', 'x/y_mock.go']), [true, false, true]);
    const longName = `${'a'.repeat(60)}.go`;
    await assert.rejects(pool.match(['**/*a*a*a*a*a*a*a*a*a*a*a*a*b'], [longName]), /took longer than 300 ms to match 1 paths/);
    assert.deepEqual(await pool.match(['gen/**'], ['gen/b.go']), [true], 'a new worker serves the next match');
  });
});
