/**
 * The Probot app: wires webhook events to handlers and does nothing else. `npm start` runs it with
 * `probot run`; without APP_ID and PRIVATE_KEY, Probot serves its setup flow (app.yml) instead.
 */
import type { Probot } from 'probot';
import { CHECK_RUN_EVENTS, onCheckRun, onCheckSuiteRerequested } from './handlers/check-rerun.js';
import { onPullRequest, PULL_REQUEST_EVENTS } from './handlers/pull-request.js';
import { onIssueComment } from './handlers/recheck-command.js';

/** leakhound: reviews every pull request that touches Go code. */
export default function leakhound(app: Probot): void {
  app.on([...PULL_REQUEST_EVENTS], onPullRequest);
  app.on('issue_comment.created', onIssueComment);
  app.on([...CHECK_RUN_EVENTS], onCheckRun);
  app.on('check_suite.rerequested', onCheckSuiteRerequested);
}
