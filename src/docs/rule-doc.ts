import type { Rule } from '../rules/define-rule.js';

const SEVERITY_WORD = { error: 'error', warning: 'warning', notice: 'notice' } as const;

/** renderRuleDoc produces docs/rules/<id>.md from a rule's metadata; the meta-test keeps the files in step. */
export function renderRuleDoc(rule: Rule): string {
  const { meta } = rule;
  const lines = [
    `# ${rule.id}`,
    '',
    `**${meta.title}**`,
    '',
    `| family | default severity | default confidence | fix | since |`,
    `|---|---|---|---|---|`,
    `| ${meta.family} | ${SEVERITY_WORD[meta.severity]} | ${meta.confidence} | ${meta.fix === 'suggestion' ? 'one-click suggestion' : 'hint'} | ${meta.since} |`,
    '',
    '## Why it leaks',
    '',
    meta.docs.description,
    '',
    '## Reported',
    '',
    '```go',
    meta.docs.bad,
    '```',
    '',
    '## Fixed',
    '',
    '```go',
    meta.docs.good,
    '```',
    '',
    meta.fix === 'suggestion'
      ? 'leakhound offers this change as a one-click suggestion where the edit is mechanical.'
      : `Advice: ${meta.hint}.`,
    '',
  ];
  lines.push(
    '## Confidence',
    '',
    meta.docs.confidence,
    '',
    'High-confidence findings become review comments (and can fail the check run); medium ones are listed in the check run and the CLI output; low ones only with `--confidence low` or `min_confidence: low`.',
    '',
  );
  if (meta.docs.versions) lines.push('## Go versions', '', meta.docs.versions, '');
  const notReported = [...meta.docs.notReported];
  if (rule.skipTestFiles) notReported.push('Test files (`_test.go`): a test does not run long enough for this leak to matter.');
  lines.push('## Deliberately not reported', '', ...notReported.map((n) => `- ${n}`), '');
  lines.push(
    '## Suppressing',
    '',
    'On the reported line or the line above it:',
    '',
    '```go',
    `//leakhound:ignore ${rule.id} <why this is fine>`,
    '```',
    '',
    `Or for a whole file, \`//leakhound:ignore-file ${rule.id}\`; or for the repository, in \`.github/leakhound.yml\`:`,
    '',
    '```yaml',
    'rules:',
    `  ${rule.id}: off`,
    '```',
    '',
  );
  return lines.join('\n');
}

/** renderRuleIndex produces docs/rules/README.md: the table of all rules. */
export function renderRuleIndex(rules: readonly Rule[]): string {
  return ['# leakhound rules', '', renderRuleTable(rules, ''), ''].join('\n');
}

/** The rule table (links relative to `linkPrefix`), shared by docs/rules/README.md and the README. */
export function renderRuleTable(rules: readonly Rule[], linkPrefix: string): string {
  const rows = rules.map(
    (r) =>
      `| [\`${r.id}\`](${linkPrefix}${r.id}.md) | ${r.meta.family} | ${r.meta.severity} | ${r.meta.confidence} | ${r.meta.fix === 'suggestion' ? 'yes' : 'hint'} | ${r.meta.title} |`,
  );
  return [
    '| rule | family | default severity | default confidence | one-click fix | what it finds |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const TABLE_START = '<!-- rules-table:start -->';
const TABLE_END = '<!-- rules-table:end -->';

/** Replaces the rule table between the README's markers. */
export function withReadmeRuleTable(readme: string, rules: readonly Rule[]): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md lacks the rules-table markers');
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderRuleTable(rules, 'docs/rules/')}\n${readme.slice(end)}`;
}
