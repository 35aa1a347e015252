/**
 * `//leakhound:` directives: what suppresses, and when an idle directive is (and is not) reported.
 * The fixtures of ignore-directive-invalid and ignore-directive-unused cover the shapes; these are
 * the cases a fixture cannot hold (syntax errors, configuration, a rule that fails or is not run).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import type { SourceFile } from '../src/model.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { defineRule, type Rule } from '../src/rules/define-rule.js';
import { RULE_IDS, RULES } from '../src/rules/index.js';

const TICKER = (directive: string, tail = ''): SourceFile => ({
  path: 'svc/t.go',
  content: `package svc\n\nimport "time"\n\nfunc wait(d time.Duration) {\n\t${directive}\n\tt := time.NewTicker(d)\n\t<-t.C\n}\n${tail}`,
});

const rulesOf = (file: SourceFile, options: Parameters<typeof analyze>[2] = {}, rules = RULES): string[] =>
  analyze([file], rules, options).findings.map((f) => `${f.line} ${f.rule}`);

describe('//leakhound:ignore', () => {
  it('suppresses the rules it names on its line and the next, each of a comma list', () => {
    assert.deepEqual(rulesOf(TICKER('//leakhound:ignore ticker-not-stopped stopped by the owner')), []);
    assert.deepEqual(rulesOf(TICKER('//leakhound:ignore goroutine-no-exit, ticker-not-stopped stopped by the owner')), [
      '6 ignore-directive-unused',
    ]);
    assert.deepEqual(rulesOf(TICKER('')), ['7 ticker-not-stopped']);
  });

  it('does not call a directive idle in a file with syntax errors', () => {
    const broken = TICKER('//leakhound:ignore goroutine-no-exit the owner stops it', 'func broken( {\n');
    assert.deepEqual(rulesOf(broken), ['7 ticker-not-stopped']);
  });

  it('does not call a directive idle when its rule is off, in the config or for the Go version', () => {
    const file = TICKER('//leakhound:ignore time-tick-leak,goroutine-no-exit kept for older modules');
    const off = { ...DEFAULT_CONFIG, rules: { 'goroutine-no-exit': 'off' as const } };
    assert.deepEqual(rulesOf(file, { config: off, goVersion: { major: 1, minor: 23 } }), ['7 ticker-not-stopped']);
    assert.deepEqual(
      rulesOf(file, { config: off }),
      ['6 ignore-directive-unused', '7 ticker-not-stopped'],
      'time-tick-leak runs before 1.23',
    );
  });

  it('does not call a directive idle when its rule was not run or failed on the file', () => {
    const file = TICKER('//leakhound:ignore ticker-not-stopped stopped by the owner');
    const withoutTicker = RULES.filter((r) => r.id !== 'ticker-not-stopped');
    assert.deepEqual(rulesOf(file, { knownRuleIds: RULE_IDS }, withoutTicker), []);
    const failing: Rule = defineRule({
      ...(RULES.find((r) => r.id === 'ticker-not-stopped') as Rule),
      check: () => {
        throw new Error('boom');
      },
    });
    const result = analyze([file], [...withoutTicker, failing]);
    assert.deepEqual(result.findings, []);
    assert.match(result.problems[0]?.reason ?? '', /rule ticker-not-stopped failed: boom/);
  });

  it('still knows every rule id when only some rules run', () => {
    const file = TICKER('//leakhound:ignore ticker-not-stopped stopped by the owner');
    const directivesOnly = RULES.filter((r) => r.meta.family === 'directives');
    assert.deepEqual(rulesOf(file, { knownRuleIds: RULE_IDS }, directivesOnly), []);
    assert.deepEqual(
      rulesOf(file, {}, directivesOnly),
      ['6 ignore-directive-invalid'],
      'told only of the rules it runs, it knows only those',
    );
  });
});
