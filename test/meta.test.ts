import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderRuleDoc, renderRuleIndex, withReadmeRuleTable } from '../src/docs/rule-doc.js';
import { RULES } from '../src/rules/index.js';
import { fixtureSets, nearMissCount, ROOT, RULE_FIXTURES, wantsOf } from './helpers/fixtures.js';

const RULES_SRC = join(ROOT, 'src', 'rules');
/** The public catalog of ../shared/RULES.md, plus the rules this project added after it (same naming; rows in docs/rules). */
const CATALOG = [
  'channel-field-leak',
  'done-signal-missed',
  'stop-func-discarded',
  'timer-drain-blocks',
  'global-unbounded-cache',
  'global-pointer-retained',
  'goroutine-no-exit',
  'unbuffered-send-leak',
  'range-unclosed-channel',
  'ticker-not-stopped',
  'time-tick-leak',
  'time-after-in-loop',
  'context-cancel-leak',
  'subslice-retains-backing-array',
  'pointer-slice-stale-element',
  'map-clear-loop',
  'small-struct-pointer',
  'ignore-directive-invalid',
  'ignore-directive-unused',
];

describe('rule registry', () => {
  it('lists rules sorted by id, each once', () => {
    const ids = RULES.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(new Set(ids).size, ids.length);
  });

  it('has one folder per rule and no folder without a rule', () => {
    const folders = readdirSync(RULES_SRC).filter((e) => statSync(join(RULES_SRC, e)).isDirectory() && e !== 'shared');
    assert.deepEqual(folders.sort(), RULES.map((r) => r.id).sort());
  });

  it('uses only ids from the public catalog', () => {
    for (const rule of RULES) assert.ok(CATALOG.includes(rule.id), `${rule.id} is not in RULES.md`);
  });
});

for (const rule of RULES) {
  describe(`rule ${rule.id}`, () => {
    const files = fixtureSets(join(RULE_FIXTURES, rule.id)).flatMap((s) => s.files);

    it('has at least 4 positive and 4 near-miss fixture cases', () => {
      const positives = files.flatMap(wantsOf).filter((w) => w.rule === rule.id).length;
      const negatives = files.reduce((n, f) => n + nearMissCount(f), 0);
      assert.ok(positives >= 4, `${positives} positive cases`);
      assert.ok(negatives >= 4, `${negatives} near-miss cases`);
    });

    it('has a golden when it offers suggestions', () => {
      if (rule.meta.fix !== 'suggestion') return;
      assert.ok(
        files.some((f) => existsSync(join(ROOT, `${f.path}.golden`))),
        'no .golden fixture',
      );
    });

    it('has an up-to-date docs page (npm run docs)', () => {
      const path = join(ROOT, 'docs', 'rules', `${rule.id}.md`);
      assert.ok(existsSync(path), `missing docs/rules/${rule.id}.md`);
      assert.equal(readFileSync(path, 'utf8'), renderRuleDoc(rule));
    });

    it('has messages for every message id it reports and a hint', () => {
      assert.ok(Object.keys(rule.meta.messages).length > 0);
      assert.ok(rule.meta.hint.length > 0);
      assert.ok(rule.meta.docs.notReported.length > 0, 'the docs must list what is deliberately not reported');
    });
  });
}

describe('docs index', () => {
  it('is up to date (npm run docs)', () => {
    assert.equal(readFileSync(join(ROOT, 'docs', 'rules', 'README.md'), 'utf8'), renderRuleIndex(RULES));
  });

  it("matches the README's rule table (npm run docs)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.equal(readme, withReadmeRuleTable(readme, RULES));
  });
});
