import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Probot } from 'probot';
import { createLeakhound } from '../src/index.js';
import { isRecheckCommand } from '../src/handlers/recheck-command.js';
import { APP_ID, appKeys, inProcessProbot, webhook } from './helpers/app-harness.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { FakeGitHub } from './helpers/fake-github.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const keys = appKeys();
const snapshots = prSnapshots();

/** The operations of one review run after the installation token (no review, nothing to resolve). */
const QUIET_RUN = [
  'checks/create',
  'repos/get-content',
  'repos/get-content',
  'pulls/list-files',
  'graphql:LeakhoundPackageFiles',
  'pulls/get',
  'checks/update',
];

describe('webhook handlers (Probot in process, fake GitHub)', () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let base: string;
  let head: string;
  let delivery = 0;

  const receive = async (name: string, payload: Payload): Promise<void> => {
    await probot.receive({ id: `d${++delivery}`, name, payload } as Parameters<Probot['receive']>[0]);
  };
  const ops = (): string[] => fake.operations().filter((o) => o !== 'apps/create-installation-access-token');

  before(async () => {
    fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
    await fake.start();
    probot = await inProcessProbot(fake, keys.privateKey, createLeakhound({ openRunsFile: null, answerAtOnce: false }));
  });
  after(() => fake.stop());
  beforeEach(() => {
    base = fake.commit(snapshots.base);
    head = fake.commit(snapshots.push1);
    fake.openPull(2, base, head);
    fake.resetRecords();
  });

  const prEvent = (action: string): Payload => {
    const payload = webhook<Payload>(`pull_request.${action}`);
    payload.pull_request.head.sha = head;
    return payload;
  };
  const comment = (login: string, body = '/recheck', type = 'User'): Payload => {
    const payload = webhook<Payload>('issue_comment.created');
    payload.comment.user.login = login;
    payload.comment.user.type = type;
    payload.sender.login = login;
    payload.sender.type = type;
    payload.comment.body = body;
    return payload;
  };

  it('reviews an opened pull request: one review, one check run', async () => {
    await receive('pull_request', prEvent('opened'));
    assert.deepEqual(ops(), [
      'checks/create',
      'repos/get-content',
      'repos/get-content',
      'pulls/list-files',
      'graphql:LeakhoundPackageFiles',
      'pulls/get',
      'checks/update',
      'pulls/create-review',
    ]);
    assert.equal(fake.reviews[0]?.comments.length, 3);
    assert.equal(fake.checkRuns.at(-1)?.conclusion, 'failure');
    assert.match(fake.checkRuns.at(-1)?.externalId ?? '', /^2\/[0-9a-f-]{36}$/, 'the pull request and the run');
    assert.deepEqual(fake.violations, []);
  });

  it('runs on synchronize, reopened and ready_for_review; skips drafts and closed pull requests', async () => {
    for (const action of ['synchronize', 'reopened', 'ready_for_review']) {
      fake.requests.length = 0;
      await receive('pull_request', prEvent(action));
      assert.ok(ops().includes('checks/update'), action);
    }
    fake.requests.length = 0;
    const draft = prEvent('opened');
    draft.pull_request.draft = true;
    await receive('pull_request', draft);
    const closed = prEvent('synchronize');
    closed.pull_request.state = 'closed';
    await receive('pull_request', closed);
    assert.deepEqual(fake.operations(), []);
  });

  it('reads .github/leakhound.yml from the default branch and reports its errors', async () => {
    fake.config = 'max_comments: 1\nfail_on: sometimes\n';
    try {
      await receive('pull_request', prEvent('opened'));
    } finally {
      fake.config = undefined;
    }
    const contents = fake.requests.filter((r) => r.operation === 'repos/get-content');
    assert.equal(contents.length, 1, 'found in the repository: the organisation .github repository is not asked');
    assert.equal(contents[0]?.query.get('ref'), null, 'no ref: the default branch');
    assert.equal(fake.reviews[0]?.comments.length, 1);
    assert.match(fake.checkRuns.at(-1)?.output.summary ?? '', /fail\\_on: must be equal to one of the allowed values/);
  });

  it('says so when the configuration is not YAML, and uses the defaults', async () => {
    fake.config = 'rules: [unclosed\n';
    try {
      await receive('pull_request', prEvent('opened'));
    } finally {
      fake.config = undefined;
    }
    assert.equal(fake.reviews[0]?.comments.length, 3);
    assert.match(fake.checkRuns.at(-1)?.output.summary ?? '', /the configuration is not valid YAML \(.+\); using the defaults/);
  });

  it('/recheck by the author: 👀, run, 🚀', async () => {
    await receive('issue_comment', comment('Codertocat'));
    assert.deepEqual(ops(), [
      'reactions/create-for-issue-comment',
      'pulls/get',
      ...QUIET_RUN.slice(0, -2),
      'pulls/get',
      'checks/update',
      'pulls/create-review',
      'reactions/create-for-issue-comment',
    ]);
    assert.deepEqual(
      fake.reactions.map((r) => r.content),
      ['eyes', 'rocket'],
    );
  });

  it('/recheck by a maintainer asks for the permission first', async () => {
    fake.permissions.set('maintainer', 'maintain');
    await receive('issue_comment', comment('maintainer'));
    assert.equal(ops()[0], 'repos/get-collaborator-permission-level');
    assert.deepEqual(
      fake.reactions.map((r) => r.content),
      ['eyes', 'rocket'],
    );
  });

  it('/recheck by a reader: 😕 and one reply, nothing run', async () => {
    fake.permissions.set('reader', 'read');
    await receive('issue_comment', comment('reader'));
    assert.deepEqual(ops(), ['repos/get-collaborator-permission-level', 'reactions/create-for-issue-comment', 'issues/create-comment']);
    assert.deepEqual(
      fake.reactions.map((r) => r.content),
      ['confused'],
    );
    assert.match(fake.issueComments[0]?.body ?? '', /^@reader `\/recheck` is for the pull request's author and people with write access/);
  });

  it('/recheck on a closed pull request: 👀, then 😕 and a reply', async () => {
    const pull = fake.pulls.get(2);
    if (pull) pull.state = 'closed';
    await receive('issue_comment', comment('Codertocat'));
    assert.deepEqual(
      fake.reactions.map((r) => r.content),
      ['eyes', 'confused'],
    );
    assert.match(fake.issueComments[0]?.body ?? '', /closed/);
  });

  it('/recheck whose run fails: 😕 and a reply naming the step', async () => {
    fake.failNext('pulls/list-files', 500, { message: 'Server Error' });
    await receive('issue_comment', comment('Codertocat'));
    assert.deepEqual(
      fake.reactions.map((r) => r.content),
      ['eyes', 'confused'],
    );
    assert.match(fake.issueComments[0]?.body ?? '', /the re-check failed \(list the pull request files failed: HTTP 500/);
    assert.equal(fake.checkRuns.at(-1)?.conclusion, 'neutral');
  });

  it('ignores bots, other comments, and comments on issues', async () => {
    await receive('issue_comment', comment('leakhound[bot]', '/recheck', 'Bot'));
    await receive('issue_comment', comment('Codertocat', 'please /recheck'));
    const onIssue = comment('Codertocat');
    delete onIssue.issue.pull_request;
    await receive('issue_comment', onIssue);
    assert.deepEqual(fake.operations(), []);
    assert.equal(isRecheckCommand('  /recheck  \nbecause the build flaked'), true);
    assert.equal(isRecheckCommand('/rechecked'), false);
  });

  it('re-runs on check_run.rerequested, finding a fork pull request by its head commit', async () => {
    const pull = fake.pulls.get(2);
    if (pull) pull.fromFork = true;
    const payload = webhook<Payload>('check_run.rerequested');
    payload.check_run.head_sha = head;
    await receive('check_run', payload);
    assert.deepEqual(ops().slice(0, 3), ['repos/list-pull-requests-associated-with-commit', 'pulls/list', 'checks/create']);
    assert.equal(fake.checkRuns.at(-1)?.status, 'completed');
  });

  it('re-runs on our Re-run button, and only on it', async () => {
    const payload = webhook<Payload>('check_run.requested_action');
    payload.check_run.head_sha = head;
    payload.check_run.pull_requests = [{ number: 2, head: { sha: head }, base: { repo: { id: fake.repoId } } }];
    await receive('check_run', payload);
    assert.equal(ops()[0], 'checks/create');
    fake.requests.length = 0;
    payload.requested_action.identifier = 'something-else';
    await receive('check_run', payload);
    const other = webhook<Payload>('check_run.rerequested');
    other.check_run.name = 'another-app';
    await receive('check_run', other);
    assert.deepEqual(fake.operations(), []);
  });

  it('re-runs on check_suite.rerequested', async () => {
    const payload = webhook<Payload>('check_suite.rerequested');
    payload.check_suite.head_sha = head;
    payload.check_suite.pull_requests[0].head.sha = head;
    await receive('check_suite', payload);
    assert.deepEqual(ops(), [...QUIET_RUN.slice(0, -2), 'pulls/get', 'checks/update', 'pulls/create-review']);
    assert.deepEqual(fake.violations, []);
  });
});
