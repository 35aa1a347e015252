import { closestName } from '../../format/did-you-mean.js';
import { DIRECTIVE_VERBS, type Directive } from '../../analysis/suppress.js';
import { defineRule, type RuleReport } from '../define-rule.js';

export default defineRule({
  id: 'ignore-directive-invalid',
  meta: {
    title: 'leakhound directive that cannot do what it says',
    family: 'directives',
    severity: 'notice',
    confidence: 'high',
    since: '0.2.0',
    fix: 'hint',
    messages: {
      unknownVerb: 'unknown directive //leakhound:{{verb}}{{near}}; it does nothing',
      noRule: '//leakhound:{{verb}} names no rule, so it suppresses nothing',
      unknownRule: '//leakhound:{{verb}} names unknown rule "{{id}}"{{near}}, so it suppresses nothing for it',
      noReason: '//leakhound:ignore {{ids}} gives no reason',
    },
    hint: 'Write `//leakhound:ignore <rule-id>[,<rule-id>…] <reason>` on the finding’s line or the line above, or `//leakhound:ignore-file <rule-id>` for the whole file; the rule ids are listed in docs/rules',
    docs: {
      description:
        'A `//leakhound:` comment that cannot work as written: an unknown verb (`//leakhound:ignor`), no rule id, a rule id leakhound does not know (often a misspelling, for which the nearest id is suggested), or a line suppression without a reason. Without this rule such a comment does nothing and says nothing, and the finding it was meant for keeps coming back, or the reason a finding was dismissed is lost. A line suppression without a reason still suppresses; the other shapes suppress nothing.',
      bad: 'var sessions = map[string]*Session{} //leakhound:ignore global-unbounded-cach\n\n//leakhound:ignore goroutine-no-exit\ngo pump(conn)',
      good: 'var sessions = map[string]*Session{} //leakhound:ignore global-unbounded-cache bounded by the login rate limit\n\n//leakhound:ignore goroutine-no-exit pump returns when conn is closed by the server\ngo pump(conn)',
      notReported: [
        '`//leakhound:ignore-file <rule-id>` without a reason: the file-wide form takes none.',
        'A `//` after the reason starts a comment on the directive (`//leakhound:ignore x-leak reason // see #12`); what follows it is not read as part of the directive.',
        'Comments that only mention leakhound: a directive starts the comment, as `//leakhound:` (a space after `//` is accepted).',
      ],
      confidence: 'High: the directive is read exactly as leakhound reads it when it suppresses findings.',
    },
  },
  nodeTypes: ['comment'],
  mustContain: ['leakhound:'],
  check({ directives, report }) {
    for (const directive of directives.list) {
      for (const problem of problemsOf(directive, directives.knownRuleIds)) report(problem);
    }
  },
});

/** What is wrong with one directive, as reports anchored on its comment. */
function problemsOf(directive: Directive, knownRuleIds: readonly string[]): RuleReport[] {
  const { node, verb } = directive;
  if (!(DIRECTIVE_VERBS as readonly string[]).includes(verb)) {
    const near = closestName(verb, DIRECTIVE_VERBS);
    return [{ node, messageId: 'unknownVerb', data: { verb, near: near ? ` (did you mean //leakhound:${near}?)` : '' } }];
  }
  if (directive.ids.length === 0) return [{ node, messageId: 'noRule', data: { verb } }];
  const problems: RuleReport[] = directive.ids
    .filter((id) => !knownRuleIds.includes(id))
    .map((id) => {
      const near = closestName(id, knownRuleIds);
      return { node, messageId: 'unknownRule', data: { verb, id, near: near ? ` (did you mean "${near}"?)` : '' } };
    });
  if (verb === 'ignore' && directive.reason === '') problems.push({ node, messageId: 'noReason', data: { ids: directive.ids.join(',') } });
  return problems;
}
