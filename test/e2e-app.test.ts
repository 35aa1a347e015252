/**
 * End to end: the real server process (`probot run` on the compiled app) against a local HTTP
 * server that plays GitHub, driven by signed webhooks over HTTP. Asserts the exact sequence of
 * requests the app makes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { finishedRuns, startApp, sendWebhook, waitUntil, type AppProcess } from './helpers/app-process.js';
import { FakeGitHub } from './helpers/fake-github.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 'e2e-webhook-secret';
const WAIT_MS = 30_000;

describe('the app, end to end', { timeout: 120_000 }, () => {
  const keys = appKeys();
  const snapshots = prSnapshots();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  let app: AppProcess | undefined;
  let base = '';
  let push1 = '';
  let push2 = '';

  const completedRuns = (): number => fake.checkRuns.filter((r) => r.status === 'completed').length;
  const failureContext = (): string =>
    `requests: ${fake.operations().join(', ')}\nviolations: ${fake.violations.join('\n')}\napp output:\n${app?.output.join('') ?? ''}`;

  before(async () => {
    await fake.start();
    base = fake.commit(snapshots.base);
    push1 = fake.commit(snapshots.push1);
    push2 = fake.commit(snapshots.push2);
    fake.openPull(2, base, push1, 'Codertocat');
    fake.permissions.set('reader', 'read');
    app = await startApp({ appId: APP_ID, privateKey: keys.privateKey, secret: SECRET, gheHost: fake.host });
  });

  after(async () => {
    await app?.stop();
    await fake.stop();
  });

  it('first push: creates the check run, reads config, files and packages, posts one review with 3 comments, completes the check', async () => {
    const payload = webhook<Payload>('pull_request.opened');
    payload.pull_request.head.sha = push1;
    const res = await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload);
    assert.ok(res.status === 200 || res.status === 202, `webhook answered ${res.status} ${res.body}`);
    await fake
      .waitFor(() => completedRuns() === 1, WAIT_MS, 'the first check run to complete')
      .then(() => waitUntil(() => (app ? finishedRuns(app) : 0) === 1, WAIT_MS, 'the first run to finish'))
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    assert.deepEqual(
      fake.operations(),
      [
        'apps/create-installation-access-token',
        'checks/create',
        'repos/get-content', // .github/leakhound.yml in the repository: none
        'repos/get-content', // …then in the owner's .github repository: none
        'pulls/list-files',
        'graphql:LeakhoundPackageFiles',
        'pulls/get',
        'checks/update',
        'pulls/create-review',
      ],
      failureContext(),
    );
    assert.equal(fake.reviews.length, 1);
    const review = fake.reviews[0] as { commitId: string; comments: { path: string; line: number; body: string }[] };
    assert.equal(review.commitId, push1);
    assert.deepEqual(
      review.comments.map((c) => `${c.path}:${c.line}`),
      ['pkg/fetch/fetch.go:17', 'pkg/fetch/fetch.go:16', 'pkg/fetch/fetch.go:29'],
    );
    const run = fake.checkRuns[0];
    assert.equal(run?.headSha, push1);
    assert.equal(run?.conclusion, 'failure');
    assert.equal(run?.output.title, '3 leaks in the changed lines (1 error, 2 warnings)');
    assert.equal(run?.annotations.length, 3);
    assert.deepEqual(fake.violations, []);
  });

  it('second push fixing one leak and adding one: posts one comment and resolves one thread', async () => {
    const from = fake.requests.length;
    const pull = fake.pulls.get(2);
    if (pull) pull.headSha = push2;
    const payload = webhook<Payload>('pull_request.synchronize');
    payload.pull_request.head.sha = push2;
    payload.after = push2;
    payload.before = push1;
    await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload);
    await fake
      .waitFor(() => completedRuns() === 2, WAIT_MS, 'the second check run to complete')
      .then(() => waitUntil(() => (app ? finishedRuns(app) : 0) === 2, WAIT_MS, 'the second run to finish'))
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    assert.deepEqual(
      fake.operations(from),
      [
        'checks/create',
        'repos/get-content',
        'repos/get-content',
        'pulls/list-files',
        'graphql:LeakhoundPackageFiles',
        'pulls/get',
        'checks/update',
        'pulls/create-review',
        'graphql:LeakhoundResolveThreads',
      ],
      failureContext(),
    );
    const review = fake.reviews[1] as { commitId: string; comments: { line: number; body: string }[] };
    assert.equal(review.commitId, push2);
    assert.deepEqual(
      review.comments.map((c) => c.line),
      [29],
    );
    assert.match(review.comments[0]?.body ?? '', /stop is never called/);
    assert.deepEqual(
      fake.threads.map((t) => [t.line, t.isResolved]),
      [
        [17, true],
        [16, false],
        [29, false],
        [29, false],
      ],
    );
    assert.equal(fake.checkRuns[1]?.conclusion, 'neutral');
    assert.deepEqual(fake.violations, []);
  });

  it('/recheck by a read-only user runs nothing: 😕 and one reply', async () => {
    const from = fake.requests.length;
    const payload = webhook<Payload>('issue_comment.created');
    payload.comment.user.login = 'reader';
    payload.sender.login = 'reader';
    await sendWebhook(app?.port ?? 0, SECRET, 'issue_comment', payload);
    await fake
      .waitFor(() => fake.issueComments.length === 1, WAIT_MS, 'the reply')
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(fake.operations(from), [
      'repos/get-collaborator-permission-level',
      'reactions/create-for-issue-comment',
      'issues/create-comment',
    ]);
    assert.deepEqual(fake.reactions, [{ commentId: payload.comment.id, content: 'confused' }]);
    assert.equal(fake.checkRuns.length, 2);
    assert.deepEqual(fake.violations, []);
  });

  it('rejects a webhook with a bad signature without calling GitHub', async () => {
    const from = fake.requests.length;
    const payload = webhook<Payload>('pull_request.synchronize');
    payload.pull_request.head.sha = push2;
    const res = await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload, { badSignature: true });
    assert.equal(res.status, 400, res.body);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(fake.operations(from), []);
  });
});
