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
    `| family | default severity | fix | since |`,
    `|---|---|---|---|`,
    `| ${meta.family} | ${SEVERITY_WORD[meta.severity]} | ${meta.fix === 'suggestion' ? 'one-click suggestion' : 'hint'} | ${meta.since} |`,
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
  if (meta.docs.versions) lines.push('## Go versions', '', meta.docs.versions, '');
  lines.push('## Deliberately not reported', '', ...meta.docs.notReported.map((n) => `- ${n}`), '');
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
  const rows = rules.map(
    (r) =>
      `| [\`${r.id}\`](${r.id}.md) | ${r.meta.family} | ${r.meta.severity} | ${r.meta.fix === 'suggestion' ? 'yes' : 'hint'} | ${r.meta.title} |`,
  );
  return [
    '# leakhound rules',
    '',
    '| rule | family | default severity | one-click fix | what it finds |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
