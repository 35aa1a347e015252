/**
 * Rewrites fixtures/rules/<rule-id>/**\/*.go.golden from the current fixes (like analysistest's
 * -update flag). Review every changed golden with `git diff` before committing it.
 * Usage: npm run build && node dist/scripts/update-goldens.js [rule-id…]
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analysis/analyze.js';
import { applyEdits } from '../src/fix/edits.js';
import { RULES } from '../src/rules/index.js';
import { fixtureSets, ROOT, RULE_FIXTURES } from '../test/helpers/fixtures.js';

const only = process.argv.slice(2);
for (const rule of RULES) {
  if (only.length > 0 && !only.includes(rule.id)) continue;
  for (const set of fixtureSets(join(RULE_FIXTURES, rule.id))) {
    const { findings } = analyze(set.files, RULES, { goMods: set.goMods });
    for (const file of set.files) {
      const edits = findings.filter((f) => f.path === file.path && f.fix).flatMap((f) => f.fix?.edits ?? []);
      const golden = join(ROOT, `${file.path}.golden`);
      if (edits.length === 0) {
        if (existsSync(golden)) rmSync(golden);
        continue;
      }
      writeFileSync(golden, applyEdits(file.content, edits));
      console.log(`wrote ${file.path}.golden`);
    }
  }
}
