import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'ignore-directive-unused',
  meta: {
    title: 'leakhound suppression that matches no finding',
    family: 'directives',
    severity: 'notice',
    confidence: 'high',
    since: '0.2.0',
    fix: 'hint',
    messages: {
      line: 'this //leakhound:ignore matches no {{ids}} finding on its line or the next',
      file: 'this //leakhound:ignore-file matches no {{ids}} finding in the file',
    },
    hint: 'Remove the directive, or the rule ids that match nothing; if the code it was written for moved, put it on the finding’s line or the line above',
    docs: {
      description:
        'A `//leakhound:ignore <rule-id>` whose rule reports nothing on the directive’s line or the next one, or a `//leakhound:ignore-file <rule-id>` whose rule reports nothing in the file. Such a directive is dead: the code it was written for was fixed or moved, or it sits on the wrong line. Left in place it hides the next real finding there without anyone having looked at it, and misleads readers into thinking something was judged safe.',
      bad: '//leakhound:ignore ticker-not-stopped stopped by the caller\nticker := time.NewTicker(d)\ndefer ticker.Stop()',
      good: 'ticker := time.NewTicker(d)\ndefer ticker.Stop()',
      notReported: [
        'Rule ids that did not run on the file: rules turned off in `.github/leakhound.yml` or for the module’s Go version (a directive for them is kept for when they are turned on), and rules that failed or ran out of time.',
        'Files with syntax the parser could not read: findings in such places are dropped, so a directive there may only look idle.',
        'Unknown rule ids: `ignore-directive-invalid` reports those.',
      ],
      confidence:
        'High: leakhound records which directive suppressed which finding while it analyses the file, so a directive reported here suppressed nothing in this run.',
    },
  },
  nodeTypes: ['comment'],
  mustContain: ['leakhound:ignore'],
  runsLast: true,
  check({ directives, report }) {
    for (const { directive, ids } of directives.unused()) {
      report({ node: directive.node, messageId: directive.verb === 'ignore-file' ? 'file' : 'line', data: { ids: ids.join(',') } });
    }
  },
});
