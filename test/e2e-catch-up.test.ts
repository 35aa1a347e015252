/**
 * Catch-up after downtime: webhooks GitHub could not deliver while the server was down are
 * redelivered on start, at the server's request, and reviewed; delivered ones, handled ones and
 * events the App does not act on are left alone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { fakeWithPullRequest } from './helpers/app-fixtures.js';
import { finishedRuns, freePort, startApp, waitUntil } from './helpers/app-process.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('catch-up after downtime', { timeout: 90_000 }, () => {
  it('asks GitHub to redeliver what was lost while the server was down, and reviews it', async () => {
    const keys = appKeys();
    const { fake, head } = await fakeWithPullRequest(keys.publicKey);
    const opened = webhook<Payload>('pull_request.opened');
    opened.pull_request.head.sha = head;
    const closed = webhook<Payload>('pull_request.opened');
    closed.action = 'closed';
    // The server is down: nothing answers these.
    const lost = randomUUID();
    assert.equal(await fake.deliver(lost, 'pull_request', opened), 0);
    await fake.deliver(randomUUID(), 'pull_request', closed);
    const port = await freePort();
    const secret = 'catch-up-secret';
    fake.webhookTarget = { url: `http://127.0.0.1:${port}/api/github/webhooks`, secret };
    const app = await startApp({
      port,
      appId: APP_ID,
      privateKey: keys.privateKey,
      secret,
      gheHost: fake.host,
      env: { LEAKHOUND_CATCH_UP_EVERY_MS: '500' },
    });
    try {
      await fake
        .waitFor(() => fake.checkRuns.some((r) => r.status === 'completed'), 30_000, 'the lost pull request to be reviewed')
        .then(() => waitUntil(() => finishedRuns(app) === 1, 30_000, 'the run to finish'))
        .catch((e: Error) => assert.fail(`${e.message}\n${app.output.join('')}`));
      assert.equal(fake.reviews.length, 1);
      // Later sweeps: the redelivered one was delivered, the closed one is not for the App.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const redeliveries = fake.deliveries.filter((d) => d.redelivery);
      assert.deepEqual(
        redeliveries.map((d) => [d.guid, d.statusCode]),
        [[lost, 200]],
      );
      assert.ok(fake.operations().filter((o) => o === 'apps/list-webhook-deliveries').length >= 2, 'it looks again periodically');
      assert.equal(fake.checkRuns.length, 1);
      assert.deepEqual(fake.violations, []);
      assert.match(app.output.join(''), /asked GitHub to redeliver webhooks no attempt delivered/);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });
});
