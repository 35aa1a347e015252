import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import { AnalysisPool } from '../src/analysis/pool.js';
import { fixtureSets, RULE_FIXTURES } from './helpers/fixtures.js';
import { join } from 'node:path';

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
    assert.deepEqual(inWorker, analyze(set.files, { goMods: set.goMods }));
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
    assert.deepEqual(result.findings, analyze(set.files).findings);
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

  it('rejects new work once closed', async () => {
    const closing = new AnalysisPool();
    await closing.close();
    await assert.rejects(closing.analyze([]), /closed/);
  });
});
