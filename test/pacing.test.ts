/** Write pacing: writes of one installation are spaced, reads (GraphQL queries too) never wait. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { paceKindOf, WritePacer } from '../src/github/pacing.js';

describe('write pacing', () => {
  it('tells reads, writes and notifying writes apart', () => {
    assert.equal(paceKindOf({ method: 'GET', url: '/repos/o/r/pulls/1/files' }), undefined);
    assert.equal(paceKindOf({ method: 'POST', url: '/graphql', query: 'query LeakhoundPackageFiles { x }' }), undefined);
    assert.equal(paceKindOf({ method: 'POST', url: '/graphql', query: '  mutation LeakhoundResolveThreads { x }' }), 'write');
    assert.equal(paceKindOf({ method: 'POST', url: '/repos/o/r/check-runs' }), 'write');
    assert.equal(paceKindOf({ method: 'PATCH', url: '/repos/o/r/check-runs/5' }), 'write');
    assert.equal(paceKindOf({ method: 'POST', url: '/repos/o/r/pulls/2/reviews' }), 'notify');
    assert.equal(paceKindOf({ method: 'POST', url: '/repos/o/r/issues/2/comments' }), 'notify');
    assert.equal(paceKindOf({ method: 'POST', url: '/app/installations/9/access_tokens' }), undefined);
    assert.equal(paceKindOf({ method: 'POST', url: 'http://127.0.0.1:9/api/v3/repos/o/r/pulls/2/reviews' }), 'notify');
  });

  it('spaces the writes of one key, never its queries, and keys apart', async () => {
    const sent: Array<{ at: number; what: string }> = [];
    const started = performance.now();
    const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const body = typeof init?.body === 'string' && init.body !== '' ? (JSON.parse(init.body) as { query?: string }) : {};
      sent.push({
        at: performance.now() - started,
        what: `${init?.method ?? 'GET'} ${String(url).replace(/^https?:\/\/[^/]+/, '')}${body.query ? ` ${body.query.split(' ')[0]}` : ''}`,
      });
      return new Response(JSON.stringify({ data: {} }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const pacer = new WritePacer({ writeMs: 300, notifyMs: 600 });
    const client = (key: string): Octokit => pacer.install(new Octokit({ auth: 't', request: { fetch } }), key) as Octokit;
    const a = client('1');
    const b = client('2');
    await Promise.all([
      a.rest.checks.create({ owner: 'o', repo: 'r', name: 'n', head_sha: 's' }),
      a.graphql('query Q { viewer { login } }'),
      a.graphql('query Q { viewer { login } }'),
      a.rest.checks.update({ owner: 'o', repo: 'r', check_run_id: 1 }),
      b.rest.checks.create({ owner: 'o', repo: 'r', name: 'n', head_sha: 's' }),
    ]);
    const at = (what: RegExp): number[] => sent.filter((s) => what.test(s.what)).map((s) => s.at);
    assert.ok(
      at(/query/).every((t) => t < 150),
      `queries went out at once: ${JSON.stringify(sent)}`,
    );
    const writesOfA = [...at(/POST \/repos\/o\/r\/check-runs$/).slice(0, 1), ...at(/PATCH/)].sort((x, y) => x - y);
    assert.equal(writesOfA.length, 2);
    assert.ok((writesOfA[1] ?? 0) - (writesOfA[0] ?? 0) >= 250, `writes of one key spaced: ${JSON.stringify(sent)}`);
    assert.ok(
      at(/POST \/repos\/o\/r\/check-runs$/).every((t) => t < 150),
      'the two keys do not wait for each other',
    );
  });
});
