import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createCheckSink } from '../src/github/check-reporter.js';
import { withRetryAfter } from '../src/github/client.js';
import { canRecheck } from '../src/github/commands.js';
import { loadRepoConfig } from '../src/github/config.js';
import { fetchPackageFiles, listPullRequestFiles } from '../src/github/pr-source.js';
import { findPullRequestsForSha } from '../src/github/pull-requests.js';
import { createReviewSink, readReviewState } from '../src/github/review-reporter.js';
import { markerOf } from '../src/review/fingerprint.js';
import type { Annotation } from '../src/review/ports.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { APP_ID, appKeys, fakeClient } from './helpers/app-harness.js';
import { FakeGitHub } from './helpers/fake-github.js';

const keys = appKeys();
const repo = { owner: 'Codertocat', repo: 'Hello-World' };

describe('src/github against the fake GitHub', () => {
  let fake: FakeGitHub;
  before(async () => {
    fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey, blobTextLimit: 2000 });
    await fake.start();
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.violations.length = 0;
    fake.threads.length = 0;
    fake.reviews.length = 0;
  });

  it('fetches every Go file of several packages and their go.mod files in one GraphQL request', async () => {
    const sha = fake.commit({
      'go.mod': 'module example.com/m\n\ngo 1.21\n',
      'main.go': 'package main\n',
      'README.md': '# not Go\n',
      'pkg/a/a.go': 'package a\n',
      'pkg/a/a_test.go': 'package a\n',
      'pkg/a/testdata/x.go': 'package x\n',
      'pkg/b/go.mod': 'module example.com/m/b\n\ngo 1.23\n',
      'pkg/b/c/c.go': 'package c\n',
      'pkg/b/c/big.go': `package c\n\nvar s = "${'x'.repeat(3000)}"\n`,
    });
    const result = await fetchPackageFiles(
      fakeClient(fake),
      repo,
      sha,
      ['.', 'pkg/a', 'pkg/b/c'],
      ['go.mod', 'pkg/a/go.mod', 'pkg/go.mod', 'pkg/b/c/go.mod', 'pkg/b/go.mod'],
    );
    assert.deepEqual(
      result.files.map((f) => f.path),
      ['main.go', 'pkg/a/a.go', 'pkg/a/a_test.go', 'pkg/b/c/big.go', 'pkg/b/c/c.go'],
    );
    assert.deepEqual(result.goMods.map((f) => f.path).sort(), ['go.mod', 'pkg/b/go.mod']);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(fake.operations(), ['graphql:LeakhoundPackageFiles', 'repos/get-content'], 'one query; the truncated file over REST');
    assert.equal(result.files.find((f) => f.path === 'pkg/b/c/big.go')?.content, `package c\n\nvar s = "${'x'.repeat(3000)}"\n`);
    assert.deepEqual(fake.violations, []);
  });

  it('brings the pull request review state along with the files when asked, and then re-reads only the head', async () => {
    const base = fake.commit({ 'e.go': 'package e\n' });
    const head = fake.commit({ 'e.go': 'package e\n\nvar y = 2\n' });
    fake.openPull(7, base, head);
    fake.threads.push({
      id: 'PRRT_e',
      pullNumber: 7,
      path: 'e.go',
      line: 3,
      isResolved: false,
      resolvedBy: null,
      comments: [{ body: markerOf('eeeeeeeeeeeeeeee'), author: 'leakhound' }],
    });
    let prefetched: Parameters<typeof readReviewState>[3];
    const files = await fetchPackageFiles(fakeClient(fake), repo, head, ['.'], ['go.mod'], {
      pullNumber: 7,
      onReviewState: (s) => (prefetched = s),
    });
    assert.deepEqual(
      files.files.map((f) => f.path),
      ['e.go'],
    );
    assert.equal(prefetched?.headRefOid, head);
    const state = await readReviewState(fakeClient(fake), repo, 7, prefetched);
    assert.equal(state.headSha, head);
    assert.deepEqual(
      state.threads.map((t) => t.id),
      ['PRRT_e'],
    );
    assert.deepEqual(fake.operations(), ['graphql:LeakhoundPackageFiles', 'pulls/get']);
    assert.deepEqual(fake.violations, []);
  });

  it('pages through the pull request files 100 at a time', async () => {
    const base = fake.commit({});
    const files: Record<string, string> = {};
    for (let i = 0; i < 250; i++) files[`f${String(i).padStart(3, '0')}.go`] = `package f\n\nvar x${i} = ${i}\n`;
    fake.openPull(9, base, fake.commit(files));
    const listed = await listPullRequestFiles(fakeClient(fake), repo, 9);
    assert.equal(listed.length, 250);
    assert.equal(listed[0]?.status, 'added');
    assert.match(listed[0]?.patch ?? '', /^@@ -0,0 \+1,3 @@/);
    assert.deepEqual(fake.operations(), ['pulls/list-files', 'pulls/list-files', 'pulls/list-files']);
    assert.deepEqual(fake.violations, []);
  });

  it('completes a check run with 120 annotations in three requests, the last one completing it', async () => {
    const sha = fake.commit({ 'a.go': 'package a\n' });
    const sink = createCheckSink({ octokit: fakeClient(fake), repo, pullNumber: 2, runId: 'run-1' });
    const handle = await sink.start(sha);
    const annotations: Annotation[] = Array.from({ length: 120 }, (_, i) => ({
      path: 'a.go',
      startLine: i + 1,
      endLine: i + 1,
      startColumn: 1,
      endColumn: 4,
      level: 'warning',
      title: 'a title',
      message: 'a message',
    }));
    await handle.complete({ conclusion: 'neutral', title: '120 leaks', summary: 'sum', annotations });
    assert.deepEqual(fake.operations(), ['checks/create', 'checks/update', 'checks/update', 'checks/update']);
    const run = fake.checkRuns.at(-1);
    assert.equal(run?.annotations.length, 120);
    assert.equal(run?.status, 'completed');
    assert.equal(run?.conclusion, 'neutral');
    assert.deepEqual(run?.actions, [{ label: 'Re-run', description: 'Analyse this commit again', identifier: 'rerun' }]);
    assert.equal((fake.requests[1]?.body as { status?: string }).status, undefined, 'earlier batches leave the run in progress');
    assert.deepEqual(fake.violations, []);
  });

  it('posts a review, reads back only our threads, and resolves them in one request', async () => {
    const base = fake.commit({ 'a.go': 'package a\n' });
    const head = fake.commit({ 'a.go': 'package a\n\nfunc f() {\n\tg()\n}\n' });
    fake.openPull(3, base, head);
    const sink = createReviewSink({ octokit: fakeClient(fake), repo, pullNumber: 3, runId: 'run-1' });
    await sink.postReview({
      commitId: head,
      body: `summary ${markerOf('cccccccccccccccc')}`,
      comments: [
        { path: 'a.go', line: 4, body: `one ${markerOf('aaaaaaaaaaaaaaaa')}` },
        { path: 'a.go', line: 5, startLine: 3, body: `two ${markerOf('bbbbbbbbbbbbbbbb')}` },
      ],
    });
    // A person quoting our marker is still not us.
    fake.threads.push({
      id: 'PRRT_human',
      pullNumber: 3,
      path: 'a.go',
      line: 4,
      isResolved: false,
      resolvedBy: null,
      comments: [{ body: markerOf('dddddddddddddddd'), author: 'octocat' }],
    });
    const state = await readReviewState(fakeClient(fake), repo, 3);
    assert.equal(state.headSha, head);
    assert.deepEqual(
      state.threads.map((t) => t.fingerprints),
      [['aaaaaaaaaaaaaaaa'], ['bbbbbbbbbbbbbbbb']],
    );
    assert.deepEqual([...state.listedInBodies], ['cccccccccccccccc']);
    const resolved = await sink.resolveThreads(state.threads.map((t) => t.id));
    assert.equal(resolved.length, 2);
    assert.deepEqual(fake.operations(), ['pulls/create-review', 'graphql:LeakhoundReviewState', 'graphql:LeakhoundResolveThreads']);
    assert.equal(fake.threads.find((t) => t.id === 'PRRT_human')?.isResolved, false);
    assert.deepEqual(fake.violations, []);
  });

  it('pages through more than 100 review threads', async () => {
    const sha = fake.commit({ 'b.go': 'package b\n' });
    fake.openPull(4, sha, sha);
    for (let i = 0; i < 150; i++) {
      fake.threads.push({
        id: `PRRT_${i}`,
        pullNumber: 4,
        path: 'b.go',
        line: 1,
        isResolved: false,
        resolvedBy: null,
        comments: [{ body: markerOf(i.toString(16).padStart(16, '0')), author: 'leakhound' }],
      });
    }
    const state = await readReviewState(fakeClient(fake), repo, 4);
    assert.equal(state.threads.length, 150);
    assert.deepEqual(fake.operations(), ['graphql:LeakhoundReviewState', 'graphql:LeakhoundReviewState']);
  });

  it('waits as long as retry-after says when GitHub reports a secondary rate limit', async () => {
    const sha = fake.commit({ 'c.go': 'package c\n' });
    fake.failNext('checks/create', 403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '7' });
    const waits: number[] = [];
    const sink = createCheckSink({
      octokit: fakeClient(fake),
      repo,
      pullNumber: 2,
      runId: 'run-1',
      retry: { sleep: async (ms) => void waits.push(ms) },
    });
    await sink.start(sha);
    assert.deepEqual(waits, [7000]);
    assert.deepEqual(fake.operations(), ['checks/create', 'checks/create']);
    await assert.rejects(
      withRetryAfter(async () => Promise.reject(Object.assign(new Error('Not Found'), { status: 404 })), { sleep: async () => undefined }),
      /Not Found/,
    );
  });

  it('lets authors and writers, not readers, ask for a re-check', async () => {
    for (const [role, allowed] of [
      ['admin', true],
      ['maintain', true],
      ['write', true],
      ['triage', false],
      ['read', false],
    ] as const) {
      fake.permissions.set(`u-${role}`, role);
      assert.equal(await canRecheck(fakeClient(fake), repo, `u-${role}`), allowed, role);
    }
    assert.deepEqual(fake.violations, []);
  });

  it('finds a fork pull request by its head commit', async () => {
    const base = fake.commit({ 'd.go': 'package d\n' });
    const head = fake.commit({ 'd.go': 'package d\n\nvar x = 1\n' });
    fake.openPull(5, base, head).fromFork = true;
    assert.deepEqual(await findPullRequestsForSha(fakeClient(fake), repo, head), [5]);
    assert.deepEqual(fake.operations(), ['repos/list-pull-requests-associated-with-commit', 'pulls/list']);
    fake.requests.length = 0;
    fake.openPull(6, base, base);
    assert.deepEqual(await findPullRequestsForSha(fakeClient(fake), repo, base), [6]);
    assert.deepEqual(fake.operations(), ['repos/list-pull-requests-associated-with-commit']);
  });
});

describe('loadRepoConfig', () => {
  const keys = appKeys();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  const repo = { owner: 'Codertocat', repo: 'Hello-World' };
  before(() => fake.start());
  after(() => fake.stop());
  beforeEach(() => {
    fake.resetRecords();
    fake.config = undefined;
  });
  const noProbot = { config: async (): Promise<unknown> => assert.fail('context.config is not needed') };

  it('reads and validates the file itself, keeping every valid key', async () => {
    fake.config = 'max_comments: 500\nfail_on: warning\nexclude: ["gen/**"]\n';
    const loaded = await loadRepoConfig(noProbot, fakeClient(fake), repo);
    assert.equal(loaded.config.max_comments, 25);
    assert.equal(loaded.config.fail_on, 'warning');
    assert.deepEqual(loaded.config.exclude, ['gen/**']);
    assert.equal(loaded.errors.length, 1);
  });

  it('refuses a file over 64 KiB from its size, without parsing it', async () => {
    fake.config = `exclude:\n${'  - "a/**"\n'.repeat(10_000)}`;
    const loaded = await loadRepoConfig(noProbot, fakeClient(fake), repo);
    assert.deepEqual(loaded.config, DEFAULT_CONFIG);
    assert.deepEqual(loaded.errors, [
      '.github/leakhound.yml could not be used (it is 110,009 bytes; a configuration may have at most 65,536); using the defaults',
    ]);
  });

  it('limits the exclude patterns in number and length, and lists at most 20 problems', async () => {
    fake.config = `exclude:\n${'  - "a/**"\n'.repeat(101)}`;
    const many = await loadRepoConfig(noProbot, fakeClient(fake), repo);
    assert.deepEqual(many.config.exclude, []);
    assert.deepEqual(many.errors, ['exclude: must NOT have more than 100 items; ignored']);
    fake.config = `rules:\n${Array.from({ length: 30 }, (_, i) => `  r${i}: off\n`).join('')}exclude: ["${'a'.repeat(201)}"]\n`;
    const long = await loadRepoConfig(noProbot, fakeClient(fake), repo);
    assert.equal(long.errors.length, 21);
    assert.equal(long.errors.at(-1), '…and 11 more problems');
    assert.ok(long.errors.includes('exclude.0: must NOT have more than 200 characters; ignored'), long.errors.join('\n'));
  });

  it("follows _extends with Probot's context.config, and says why that failed", async () => {
    fake.config = '_extends: .github\nfail_on: never\n';
    const broken = {
      config: async () =>
        Promise.reject(new Error('[@probot/octokit-plugin-config] Configuration could not be parsed from x (invalid YAML)')),
    };
    const loaded = await loadRepoConfig(broken, fakeClient(fake), repo);
    assert.equal(loaded.config.max_comments, 25);
    assert.deepEqual(loaded.errors, [
      '.github/leakhound.yml could not be used (Configuration could not be parsed from x (invalid YAML)); using the defaults',
    ]);
    const extended = await loadRepoConfig({ config: async () => ({ fail_on: 'warning' }) }, fakeClient(fake), repo);
    assert.equal(extended.config.fail_on, 'warning');
  });

  it("without a file in the repository, looks in the owner's .github repository, then uses the defaults", async () => {
    const loaded = await loadRepoConfig(noProbot, fakeClient(fake), repo);
    assert.deepEqual(loaded, { config: DEFAULT_CONFIG, errors: [] });
    assert.deepEqual(
      fake.requests.filter((r) => r.operation === 'repos/get-content').map((r) => r.path),
      ['/repos/Codertocat/Hello-World/contents/.github%2Fleakhound.yml', '/repos/Codertocat/.github/contents/.github%2Fleakhound.yml'],
    );
  });
});
