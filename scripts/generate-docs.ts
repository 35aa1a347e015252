/**
 * Writes docs/rules/<id>.md and docs/rules/README.md from the rules' metadata.
 * Run with `npm run docs`; the meta-test fails when the files are out of date.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRuleDoc, renderRuleIndex, withReadmeRuleTable } from '../src/docs/rule-doc.js';
import { RULES } from '../src/rules/index.js';

const dir = join(process.cwd(), 'docs', 'rules');
mkdirSync(dir, { recursive: true });
for (const rule of RULES) writeFileSync(join(dir, `${rule.id}.md`), renderRuleDoc(rule));
writeFileSync(join(dir, 'README.md'), renderRuleIndex(RULES));
const readme = join(process.cwd(), 'README.md');
writeFileSync(readme, withReadmeRuleTable(readFileSync(readme, 'utf8'), RULES));
console.log(`wrote ${RULES.length} rule pages to ${dir} and the README's rule table`);
