/**
 * One concise line per failed event: a request that got no answer is named by its real cause (not
 * "HTTP 500"), and the webhook layer's repeated logs of one delivery's error become one line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestError } from '@octokit/request-error';
import { messageOf, StageError } from '../src/review/stage.js';
import { EventErrorLog } from '../src/server/log.js';

/** What @octokit/request throws when fetch fails: status 500, no response, the network error as cause. */
function noAnswer(cause: string): RequestError {
  const network = new TypeError('fetch failed', { cause: new Error(cause) });
  return new RequestError('fetch failed', 500, {
    request: { method: 'POST', url: 'https://api.github.com/app/installations/1/access_tokens', headers: {} },
    cause: network,
  });
}

describe('the real cause of a failed request', () => {
  it('a request that got no answer is named by its cause, without an HTTP status', () => {
    const error = noAnswer('getaddrinfo ENOTFOUND api.github.com');
    assert.equal(messageOf(error), 'getaddrinfo ENOTFOUND api.github.com');
    const step = new StageError('create the check run', error);
    assert.equal(step.message, 'create the check run failed: getaddrinfo ENOTFOUND api.github.com');
    assert.equal(step.status, undefined);
  });

  it('an answer from GitHub keeps its status', () => {
    const answered = new RequestError('Server Error', 500, {
      request: { method: 'GET', url: 'https://api.github.com/x', headers: {} },
      response: { status: 500, url: 'https://api.github.com/x', headers: {}, data: {} },
    });
    assert.equal(
      new StageError('list the pull request files', answered).message,
      'list the pull request files failed: HTTP 500, Server Error',
    );
  });
});

describe('EventErrorLog', () => {
  const withEvent = <E extends Error>(error: E): E =>
    Object.assign(error, { event: { id: 'd-1', name: 'pull_request', payload: { secret: 'payload' } } });

  it('logs a delivery error once, plainly, whichever layer logs it again', () => {
    const log = new EventErrorLog();
    const inner = withEvent(new Error('[@octokit/webhooks] signature does not match event payload and secret'));
    const aggregate = withEvent(new AggregateError([inner], inner.message));
    assert.deepEqual(log.rewrite([inner, 'Go to https://github.com/settings/apps/YOUR_APP and verify…']), [
      { event: { id: 'd-1', name: 'pull_request' } },
      'refused a webhook delivery: its signature does not match WEBHOOK_SECRET',
    ]);
    assert.equal(log.rewrite([aggregate]), null);
  });

  it('leaves a failed step to the run that logged it, names any other failure by its cause, and lets other logs through', () => {
    const log = new EventErrorLog();
    assert.equal(log.rewrite([withEvent(new StageError('analyse the Go files', new Error('worker exited')))]), null);
    assert.deepEqual(log.rewrite([{ err: withEvent(noAnswer('connect ECONNREFUSED 127.0.0.1:1')) }]), [
      { event: { id: 'd-1', name: 'pull_request' }, error: 'HttpError' },
      'webhook handler failed: connect ECONNREFUSED 127.0.0.1:1',
    ]);
    const plain = [{ pr: 'o/r#1' }, 'analysed'];
    assert.equal(log.rewrite(plain), plain);
  });
});
