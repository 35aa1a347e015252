import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import type { Finding, SourceFile } from '../src/model.js';
import { parseGoOrThrow } from '../src/analysis/parser.js';
import { applyEdits } from '../src/fix/edits.js';
import { RULES } from '../src/rules/index.js';
import { fixtureSets, meetsWant, ROOT, RULE_FIXTURES, wantsOf } from './helpers/fixtures.js';

function describeFinding(f: Finding): string {
  return `${f.path}:${f.line}: ${f.rule}@${f.confidence}: ${f.message}`;
}

for (const rule of RULES) {
  describe(`fixtures of ${rule.id}`, () => {
    for (const set of fixtureSets(join(RULE_FIXTURES, rule.id))) {
      const label = set.dir.slice(ROOT.length + 1);
      const result = analyze(set.files, RULES, { goMods: set.goMods });

      it(`${label}: every fixture parses without errors`, () => {
        assert.deepEqual(result.problems, []);
      });

      it(`${label}: findings match the want comments exactly`, () => {
        const wants = set.files.flatMap(wantsOf);
        const unmatched = [...result.findings];
        const missing: string[] = [];
        for (const want of wants) {
          const index = unmatched.findIndex((f) => meetsWant(f, want));
          if (index < 0) missing.push(`${want.path}:${want.line}: want ${want.rule}@${want.confidence}: ${want.pattern.source}`);
          else unmatched.splice(index, 1);
        }
        assert.deepEqual({ missing, unexpected: unmatched.map(describeFinding) }, { missing: [], unexpected: [] });
      });

      for (const file of set.files) {
        const fixes = result.findings.filter((f) => f.path === file.path && f.fix);
        const goldenPath = join(ROOT, `${file.path}.golden`);
        if (fixes.length === 0) {
          it(`${file.path}: has no golden because nothing is fixed`, () =>
            assert.equal(existsSync(goldenPath), false, 'a golden without fixes'));
          continue;
        }
        it(`${file.path}: every fix applied alone still parses`, () => {
          for (const finding of fixes) {
            const alone = applyEdits(file.content, finding.fix?.edits ?? []);
            assert.equal(parseGoOrThrow(alone).rootNode.hasError, false, `the fix of ${finding.rule} at line ${finding.line} alone`);
          }
        });
        it(`${file.path}: fixes produce the golden, which parses and re-analyzes clean`, () => {
          assert.ok(existsSync(goldenPath), `missing ${file.path}.golden`);
          const fixed = applyEdits(
            file.content,
            fixes.flatMap((f) => f.fix?.edits ?? []),
          );
          assert.equal(fixed, readFileSync(goldenPath, 'utf8'));
          assert.equal(parseGoOrThrow(fixed).rootNode.hasError, false, 'the golden does not parse');
          const files: SourceFile[] = set.files.map((f) => (f.path === file.path ? { path: f.path, content: fixed } : f));
          const again = analyze(files, RULES, { goMods: set.goMods }).findings.filter((f) => f.path === file.path);
          const before = result.findings.filter((f) => f.path === file.path && !f.fix).map((f) => `${f.rule} ${f.anchorText}`);
          assert.deepEqual(
            again.map((f) => `${f.rule} ${f.anchorText}`),
            before,
            'after the fixes only the findings without a fix may remain',
          );
        });
      }
    }
  });
}
