/**
 * Hardening of the App (in process, against the fake GitHub): GitHub faults (5xx, timeouts, rate
 * limits, missing permissions, vanished files, refused reviews), races (redeliveries, quick pushes,
 * `/recheck` spam) and bad input (files that do not parse, binary, huge, symlinks, renames, 3,000+
 * files, empty pull requests). Probot's Octokit keeps its retry plugin on, with millisecond backoff;
 * waits for `retry-after` are recorded instead of slept. No assertion depends on timing.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Probot } from 'probot';
import { analyze } from '../src/analysis/analyze.js';
import { createLeakhound } from '../src/index.js';
import { markersIn } from '../src/review/fingerprint.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { APP_ID, appKeys, inProcessProbot, webhook } from './helpers/app-harness.js';
import { FakeGitHub, GIT_MODES, type FakeCheckRun } from './helpers/fake-github.js';
import { RULES } from '../src/rules/index.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const keys = appKeys();
const snapshots = prSnapshots();
/** Where the three leaks of push 1 start (annotation start lines). */
const LEAKS = ['pkg/fetch/fetch.go:16', 'pkg/fetch/fetch.go:17', 'pkg/fetch/fetch.go:29'];

describe('the App under faults, races and bad input (Probot in process, fake GitHub)', () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let base: string;
  let head: string;
  let delivery = 0;
  const waits: number[] = [];

  const receive = async (name: string, payload: Payload, id = `h${++delivery}`): Promise<void> => {
    await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
  };
  const count = (operation: string): number => fake.operations().filter((o) => o === operation).length;
  const lastRun = (): FakeCheckRun | undefined => fake.checkRuns.at(-1);
  const anchors = (run: FakeCheckRun | undefined): string[] =>
    (run?.annotations ?? []).map((a) => `${String(a.path)}:${String(a.start_line)}`).sort();
  const prEvent = (action: string, sha = head): Payload => {
    const payload = webhook<Payload>(`pull_request.${action}`);
    payload.pull_request.head.sha = sha;
    return payload;
  };
  const recheckComment = (): Payload => {
    const payload = webhook<Payload>('issue_comment.created');
    payload.comment.user.login = 'Codertocat';
    payload.sender.login = 'Codertocat';
    payload.comment.body = '/recheck';
    return payload;
  };

  before(async () => {
    fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey, blobTextLimit: 1_000_000 });
    await fake.start();
    // As in production, but without write pacing and with millisecond retry backoff (5, 20, 45 ms).
    probot = await inProcessProbot(
      fake,
      keys.privateKey,
      createLeakhound({
        answerAtOnce: false,
        analyze: async (files, options) => analyze(files, RULES, options),
        retry: { sleep: async (ms) => void waits.push(ms) },
        requestTimeoutMs: 1500,
        openRunsFile: null,
      }),
      { retryAfterBaseValue: 5 },
    );
  });
  after(() => fake.stop());
  beforeEach(() => {
    base = fake.commit(snapshots.base);
    head = fake.commit(snapshots.push1);
    fake.openPull(2, base, head);
    fake.resetRecords();
    waits.length = 0;
  });

  describe('GitHub faults', () => {
    it('retries 5xx answers with backoff and completes the run', async () => {
      fake.failNext('pulls/list-files', 502, { message: 'Bad Gateway' }, {}, 2);
      fake.failNext('checks/update', 503, { message: 'Service Unavailable' });
      await receive('pull_request', prEvent('opened'));
      assert.equal(count('pulls/list-files'), 3);
      assert.equal(count('checks/update'), 2);
      assert.equal(lastRun()?.status, 'completed');
      assert.deepEqual(anchors(lastRun()), LEAKS);
      assert.equal(fake.reviews.length, 1);
      assert.deepEqual(fake.violations, []);
    });

    it('gives up after 3 retries and completes the check run as neutral, naming the step', async () => {
      fake.failNext('pulls/list-files', 500, { message: 'Server Error' }, {}, 10);
      await assert.rejects(receive('pull_request', prEvent('opened')), /list the pull request files failed: HTTP 500/);
      assert.equal(count('pulls/list-files'), 4, 'one attempt and 3 retries');
      assert.equal(lastRun()?.status, 'completed');
      assert.equal(lastRun()?.conclusion, 'neutral');
      assert.match(lastRun()?.output.summary ?? '', /list the pull request files failed: HTTP 500, Server Error/);
    });

    it('aborts a request GitHub does not answer in time and retries it', async () => {
      fake.stallNext('graphql:LeakhoundPackageFiles', 4000);
      await receive('pull_request', prEvent('opened'));
      assert.equal(lastRun()?.status, 'completed');
      assert.deepEqual(anchors(lastRun()), LEAKS);
      await fake.waitFor(() => count('graphql:LeakhoundPackageFiles') === 2, 8000, 'the stalled request to be recorded');
    });

    it('honours retry-after on a 403 secondary rate limit (a read) and on a 429 (a write)', async () => {
      fake.failNext('pulls/list-files', 403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '3' });
      // Creating the check run is not retried by Octokit's retry plugin (a lost answer may hide a
      // done write); GitHub's retry-after is honoured.
      fake.failNext('checks/create', 429, { message: 'Too Many Requests' }, { 'retry-after': '30' });
      await receive('pull_request', prEvent('opened'));
      assert.deepEqual(waits, [30_000, 3_000]);
      assert.equal(count('checks/create'), 2);
      assert.equal(count('pulls/list-files'), 2);
      assert.equal(lastRun()?.status, 'completed');
      assert.deepEqual(anchors(lastRun()), LEAKS);
    });

    it('degrades to the check run alone on 403 "Resource not accessible by integration", and says so', async () => {
      fake.failNext('pulls/create-review', 403, { message: 'Resource not accessible by integration' });
      await receive('pull_request', prEvent('opened'));
      assert.equal(count('pulls/create-review'), 1, 'no body-only retry: it would be refused too');
      const run = lastRun();
      assert.equal(run?.conclusion, 'failure');
      assert.deepEqual(anchors(run), LEAKS);
      assert.match(
        run?.output.summary ?? '',
        /The App may not review pull requests in this repository \(HTTP 403: Resource not accessible/,
      );
      assert.match(run?.output.text ?? '', /unbuffered-send-leak/);
    });

    it('degrades too when the review threads cannot be read', async () => {
      fake.failNext('pulls/get', 403, { message: 'Resource not accessible by integration' });
      await receive('pull_request', prEvent('opened'));
      assert.equal(count('pulls/create-review'), 0);
      assert.equal(lastRun()?.conclusion, 'failure');
      assert.match(lastRun()?.output.summary ?? '', /may not review pull requests/);
    });

    it('/recheck goes on when the reactions are refused (no Issues permission)', async () => {
      fake.failNext('reactions/create-for-issue-comment', 403, { message: 'Resource not accessible by integration' }, {}, 2);
      await receive('issue_comment', recheckComment());
      assert.equal(lastRun()?.status, 'completed');
      assert.equal(fake.reviews.length, 1);
    });

    it('names a file that vanished from the head commit (404) and analyses the rest', async () => {
      const big = `package fetch\n\nvar table = "${'x'.repeat(1_100_000)}"\n`;
      head = fake.commit({ ...snapshots.push1, 'pkg/fetch/table.go': big });
      fake.openPull(2, base, head);
      // .github/leakhound.yml (repository, then organisation: both 404 anyway), then the large file.
      fake.failNext('repos/get-content', 404, { message: 'Not Found' }, {}, 3);
      await receive('pull_request', prEvent('synchronize'));
      const run = lastRun();
      assert.equal(run?.status, 'completed');
      assert.deepEqual(anchors(run), LEAKS);
      assert.match(run?.output.summary ?? '', /`pkg\/fetch\/table\.go`: no longer at the head commit \(force-pushed away\?\)/);
    });

    it('falls back to a body-only review on 422, keeping every finding', async () => {
      fake.failNext('pulls/create-review', 422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] });
      await receive('pull_request', prEvent('opened'));
      assert.equal(count('pulls/create-review'), 2);
      assert.equal(fake.reviews[0]?.comments.length, 0);
      assert.equal(markersIn(fake.reviews[0]?.body).length, 3);
      assert.deepEqual(anchors(lastRun()), LEAKS);
    });
  });

  describe('races', () => {
    it('handles a redelivered webhook (same delivery id) once, whether it arrives late or at once', async () => {
      await receive('pull_request', prEvent('opened'), 'same-id');
      await receive('pull_request', prEvent('opened'), 'same-id');
      await Promise.all([receive('pull_request', prEvent('reopened'), 'twin'), receive('pull_request', prEvent('reopened'), 'twin')]);
      assert.equal(fake.checkRuns.length, 2);
      assert.equal(fake.reviews.length, 1);
      assert.ok(fake.checkRuns.every((r) => r.status === 'completed'));
    });

    it('handles a redelivery of a delivery that failed', async () => {
      fake.failNext('checks/create', 500, { message: 'Server Error' }, {}, 4);
      await assert.rejects(receive('pull_request', prEvent('opened'), 'flaky'));
      await receive('pull_request', prEvent('opened'), 'flaky');
      assert.equal(fake.checkRuns.length, 1);
      assert.equal(lastRun()?.status, 'completed');
    });

    it('two pushes in quick succession: the older run is superseded, both check runs complete, the newest head is reviewed', async () => {
      const push2 = fake.commit(snapshots.push2);
      const pull = fake.pulls.get(2);
      if (pull) pull.headSha = push2;
      await Promise.all([receive('pull_request', prEvent('synchronize', head)), receive('pull_request', prEvent('synchronize', push2))]);
      assert.deepEqual(
        fake.checkRuns.map((r) => [r.headSha, r.status]),
        [
          [head, 'completed'],
          [push2, 'completed'],
        ],
      );
      assert.match(fake.checkRuns[0]?.output.summary ?? '', /Superseded: the pull request moved on to/);
      assert.deepEqual(
        fake.reviews.map((r) => r.commitId),
        [push2],
      );
    });

    it('/recheck spam: one review, no duplicate comments, every comment answered, every check run completed', async () => {
      await Promise.all(Array.from({ length: 6 }, () => receive('issue_comment', recheckComment())));
      assert.equal(fake.reviews.length, 1);
      const bodies = fake.threads.map((t) => markersIn(t.comments[0]?.body).join());
      assert.equal(new Set(bodies).size, bodies.length);
      assert.ok(fake.checkRuns.length <= 2, `${fake.checkRuns.length} check runs: queued re-checks of one commit join`);
      assert.ok(fake.checkRuns.every((r) => r.status === 'completed'));
      assert.equal(fake.reactions.filter((r) => r.content === 'rocket').length, 6);
      assert.deepEqual(fake.issueComments, []);
    });

    it('/recheck on a closed pull request: a clear reply and no run', async () => {
      const pull = fake.pulls.get(2);
      if (pull) pull.state = 'closed';
      await receive('issue_comment', recheckComment());
      assert.equal(count('checks/create'), 0);
      assert.match(fake.issueComments[0]?.body ?? '', /this pull request is closed, so there is nothing to re-check/);
    });
  });

  describe('bad input', () => {
    it('names every file it could not analyse, and why, and still reports the leaks of the others', async () => {
      const latin1 = Buffer.from('package fetch\n\n// caf\xe9\nvar s = "\xff\xfe"\n', 'latin1').toString('utf8');
      const minified = `package fetch; import "context"; func m(p context.Context) { ctx, _ := context.WithCancel(p); _ = ctx }; ${'var _ = 1; '.repeat(20_000)}`;
      const baseFiles: Record<string, string> = {
        ...snapshots.base,
        'pkg/old/old.go': 'package old\n',
        'pkg/util/a.go': 'package util\n\nvar A = 1\n',
        'pkg/util/b.go': 'package util\n\nvar B = 2\n',
      };
      base = fake.commit(baseFiles);
      const headFiles: Record<string, string> = {
        ...snapshots.push1,
        'pkg/util2/a.go': 'package util\n\nvar A = 10\n',
        'pkg/util/c.go': 'package util\n\nvar B = 2\n',
        'pkg/fetch/conflict.go':
          'package fetch\n\n<<<<<<< HEAD\nfunc a() int { return 1 }\n=======\nfunc a() int { return 2 }\n>>>>>>> feature\n',
        'pkg/fetch/half.go': 'package fetch\n\nfunc half() {\n\tif x := \n',
        'pkg/fetch/latin1.go': latin1,
        'pkg/fetch/min.go': minified,
        'pkg/fetch/zz_generated.go': `// Code generated by stringer; DO NOT EDIT.\n\npackage fetch\n\n${'var x = 1\n'.repeat(500_000)}`,
        'pkg/fetch/blob.go': 'GIF89a\0\0\x01\x02',
        'pkg/fetch/link.go': 'fetch.go',
        'pkg/fetch/large.go': 'package fetch\n\n// Large stands for a file whose diff GitHub does not send.\nvar Large = 1\n',
        'pkg/fetch/vendored': 'Subproject commit 0123456789abcdef0123456789abcdef01234567',
      };
      head = fake.commit(headFiles);
      const pull = fake.openPull(2, base, head);
      pull.renames.set('pkg/util2/a.go', 'pkg/util/a.go');
      pull.renames.set('pkg/util/c.go', 'pkg/util/b.go');
      pull.omitPatch.add('pkg/fetch/large.go');
      fake.modes.set('pkg/fetch/link.go', GIT_MODES.symlink);
      fake.modes.set('pkg/fetch/vendored', GIT_MODES.submodule);
      await receive('pull_request', prEvent('synchronize'));
      const run = lastRun();
      const summary = run?.output.summary ?? '';
      assert.equal(run?.status, 'completed');
      assert.deepEqual(anchors(run), [...LEAKS, 'pkg/fetch/min.go:1'].sort(), `the check run said:\n${summary}`);
      const skipped = [...summary.matchAll(/^- `([^`]+)`: (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`).sort();
      assert.deepEqual(skipped, [
        'pkg/fetch/blob.go: binary file',
        'pkg/fetch/conflict.go: could not parse lines 3, 5 and 7 (3 lines; newer Go syntax or a syntax error); findings there are not reported, the rest was analysed',
        'pkg/fetch/half.go: could not parse lines 3–4 (2 lines; newer Go syntax or a syntax error); findings there are not reported, the rest was analysed',
        'pkg/fetch/large.go: GitHub sent no diff for it (too large); analysed for context, findings not placed',
        'pkg/fetch/link.go: a symbolic link; not followed',
        'pkg/fetch/zz_generated.go: generated file',
      ]);
      // fetch, client, conflict, half, latin1, min and large; the renamed file and the one only moved.
      assert.match(summary, /Analysed 9 Go files in the packages touched by 11 changed Go files/);
      assert.deepEqual(fake.violations, []);
    });

    it('says so when the pull request has more files than GitHub lists (3,000)', async () => {
      const many: Record<string, string> = { ...snapshots.push1 };
      // Listed after the Go files (the fake lists in path order), so they are the ones GitHub leaves out.
      for (let i = 0; i < 3050; i++) many[`zz-docs/page-${String(i).padStart(4, '0')}.md`] = `page ${i}\n`;
      head = fake.commit(many);
      fake.openPull(2, base, head);
      await receive('pull_request', prEvent('synchronize'));
      assert.equal(count('pulls/list-files'), 30);
      assert.deepEqual(anchors(lastRun()), LEAKS);
      assert.match(
        lastRun()?.output.summary ?? '',
        /GitHub lists only the first 3,000 files of a pull request; files beyond them were not analysed/,
      );
    });

    it('an empty pull request: a successful check run saying there was nothing to analyse', async () => {
      fake.openPull(2, base, base);
      await receive('pull_request', prEvent('opened', base));
      assert.equal(lastRun()?.conclusion, 'success');
      assert.match(lastRun()?.output.summary ?? '', /^Nothing to analyse: this pull request changes no Go file/);
      assert.equal(fake.reviews.length, 0);
    });

    it('reports an invalid .github/leakhound.yml (unknown rule, wrong types) and runs with the valid rest', async () => {
      fake.config = 'max_comments: many\nrules:\n  no-such-rule: error\n  unbuffered-send-leak: off\nexclude: 3\n';
      try {
        await receive('pull_request', prEvent('opened'));
      } finally {
        fake.config = undefined;
      }
      const summary = lastRun()?.output.summary ?? '';
      assert.match(summary, /### Configuration/);
      assert.match(summary, /max\\_comments/);
      assert.match(summary, /no-such-rule/);
      assert.match(summary, /exclude/);
      assert.equal(lastRun()?.annotations.length, 2, 'the rule switched off reports nothing');
    });
  });
});
