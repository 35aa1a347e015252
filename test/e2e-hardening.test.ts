/**
 * End to end hardening: the real server process (analysis in its worker process, with a short
 * per-file budget) against the fake GitHub. A file over the budget is named in the check run; a
 * redelivered webhook (same X-GitHub-Delivery) is handled once; oversized webhook bodies are
 * refused while they stream, before anything keeps them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { finishedRuns, postOversized, startApp, sendWebhook, waitUntil, type AppProcess } from './helpers/app-process.js';
import { FakeGitHub, type FakeCheckRun } from './helpers/fake-github.js';
import { assertInert } from './helpers/markdown-inert.js';
import { markersIn } from '../src/review/fingerprint.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 'e2e-hardening-secret';
const WAIT_MS = 60_000;

/** A file whose analysis is quadratic (as in test/pool.test.ts): far over a 400 ms budget. */
function slowFile(functions: number): string {
  const body = Array.from(
    { length: functions },
    (_, i) => `func f${i}(p context.Context) {\n\tctx, _ := context.WithCancel(p)\n\t_ = ctx\n}\n`,
  );
  return `package slow\n\nimport "context"\n\n${body.join('')}`;
}

describe('the app, end to end, hardened', { timeout: 180_000 }, () => {
  const keys = appKeys();
  const snapshots = prSnapshots();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  let app: AppProcess | undefined;
  let head = '';

  /** Opens pull request `number` with `tree` as its head and sends `opened` to the server on `port` (default: the main app). */
  const sendOpened = (
    number: number,
    tree: Record<string, string>,
    options: { port?: number; setup?: (pull: ReturnType<FakeGitHub['openPull']>) => void } = {},
  ): Promise<unknown> => {
    const sha = fake.commit(tree);
    const pull = fake.openPull(number, fake.commit(snapshots.base), sha, 'Codertocat');
    options.setup?.(pull);
    const payload = webhook<Payload>('pull_request.opened');
    payload.number = number;
    payload.pull_request.number = number;
    payload.pull_request.head.sha = sha;
    return sendWebhook(options.port ?? app?.port ?? 0, SECRET, 'pull_request', payload);
  };

  /** {@link sendOpened}, then waits for the check run to complete. */
  const openAndReview = async (
    number: number,
    tree: Record<string, string>,
    setup?: (pull: ReturnType<FakeGitHub['openPull']>) => void,
  ): Promise<void> => {
    const finished = app ? finishedRuns(app, number) : 0;
    await sendOpened(number, tree, setup ? { setup } : {});
    // The check run completes first, the review follows: wait for the whole run.
    await fake
      .waitFor(() => fake.checkRuns[0]?.status === 'completed', WAIT_MS, 'the check run to complete')
      .then(() => waitUntil(() => (app ? finishedRuns(app, number) : 0) > finished, WAIT_MS, 'the run to finish'))
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
  };

  const failureContext = (): string =>
    `requests: ${fake.operations().join(', ')}\nviolations: ${fake.violations.join('\n')}\napp output:\n${app?.output.join('') ?? ''}`;

  before(async () => {
    await fake.start();
    const base = fake.commit(snapshots.base);
    head = fake.commit({ ...snapshots.push1, 'pkg/slow/slow.go': slowFile(12_000) });
    fake.openPull(2, base, head, 'Codertocat');
    app = await startApp({
      appId: APP_ID,
      privateKey: keys.privateKey,
      secret: SECRET,
      gheHost: fake.host,
      env: { LEAKHOUND_FILE_BUDGET_MS: '400', LEAKHOUND_REQUEST_TIMEOUT_MS: '3000' },
    });
  });

  after(async () => {
    await app?.stop();
    await fake.stop();
  });

  it('names the file that overran the per-file budget in the check run, and reports the leaks of the rest', async () => {
    const payload = webhook<Payload>('pull_request.opened');
    payload.pull_request.head.sha = head;
    const res = await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload, { delivery: 'delivery-1' });
    assert.ok(res.status === 200 || res.status === 202, `webhook answered ${res.status} ${res.body}`);
    await fake
      .waitFor(() => fake.checkRuns[0]?.status === 'completed', WAIT_MS, 'the check run to complete')
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    const run = fake.checkRuns[0];
    assert.equal(run?.conclusion, 'failure', failureContext());
    assert.match(run?.output.summary ?? '', /`pkg\/slow\/slow\.go`: analysis took longer than the 400 ms per-file budget/);
    assert.deepEqual(
      (run?.annotations ?? []).map((a) => String(a.path)).filter((p) => p !== 'pkg/fetch/fetch.go'),
      [],
    );
    assert.equal(run?.annotations.length, 3);
    assert.deepEqual(fake.violations, []);
  });

  it('handles a redelivery (same X-GitHub-Delivery) once', async () => {
    const from = fake.requests.length;
    const payload = webhook<Payload>('pull_request.opened');
    payload.pull_request.head.sha = head;
    const res = await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload, { delivery: 'delivery-1' });
    assert.ok(res.status === 200 || res.status === 202, `webhook answered ${res.status} ${res.body}`);
    // A fresh delivery afterwards is handled; the redelivery before it must not have been.
    const fresh = webhook<Payload>('pull_request.reopened');
    fresh.pull_request.head.sha = head;
    await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', fresh, { delivery: 'delivery-2' });
    await fake
      .waitFor(() => fake.checkRuns.length === 2 && fake.checkRuns[1]?.status === 'completed', WAIT_MS, 'the second check run')
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    assert.equal(fake.operations(from).filter((o) => o === 'checks/create').length, 1, failureContext());
  });

  it('refuses a webhook body larger than GitHub sends (25 MB) while it streams, and keeps serving', async () => {
    const port = app?.port ?? 0;
    const declared = await postOversized(port, 300, { declare: true });
    assert.ok(declared === 413 || declared === 'reset', `a declared 300 MB body: ${declared}`);
    const streamed = await postOversized(port, 40);
    assert.ok(streamed === 413 || streamed === 'reset', `a streamed 40 MB body: ${streamed}`);
    const ping = await fetch(`http://127.0.0.1:${port}/ping`);
    assert.equal(await ping.text(), 'PONG');
    // A well-formed delivery still gets through the guard to the signature check.
    const wrong = await sendWebhook(port, SECRET, 'pull_request', webhook<Payload>('pull_request.opened'), { badSignature: true });
    assert.equal(wrong.status, 400, wrong.body);
  });

  it('never logs a webhook payload, not even of a delivery it refuses', async () => {
    const marker = 'payload-marker-7f3a9c';
    const payload = webhook<Payload>('pull_request.opened');
    payload.pull_request.title = marker;
    const from = app?.output.length ?? 0;
    const wrong = await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload, { badSignature: true });
    assert.equal(wrong.status, 400, wrong.body);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logged = app?.output.slice(from).join('') ?? '';
    assert.match(logged, /signature does not match/, 'the refusal is logged');
    assert.ok(!logged.includes(marker), `the payload was logged:\n${logged.slice(0, 2000)}`);
  });

  it('/recheck spam from a read-only user: a few reactions, one reply, and another pull request is reviewed without waiting', async () => {
    fake.resetRecords();
    const port = app?.port ?? 0;
    const spam = Array.from({ length: 30 }, (_, i) => {
      const payload = webhook<Payload>('issue_comment.created');
      payload.comment.id = 9000 + i;
      payload.comment.user.login = 'reader';
      payload.sender.login = 'reader';
      return sendWebhook(port, SECRET, 'issue_comment', payload);
    });
    await Promise.all(spam);
    const other = fake.commit(snapshots.push1);
    fake.openPull(3, fake.commit(snapshots.base), other, 'Codertocat');
    const opened = webhook<Payload>('pull_request.opened');
    opened.number = 3;
    opened.pull_request.number = 3;
    opened.pull_request.head.sha = other;
    const started = Date.now();
    await sendWebhook(port, SECRET, 'pull_request', opened);
    await fake
      .waitFor(() => fake.reviews.some((r) => r.pullNumber === 3), WAIT_MS, 'the review of the other pull request')
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    const waited = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(fake.issueComments.length, 1, 'one reply');
    assert.equal(fake.reactions.filter((r) => r.content === 'confused').length, 3, 'three reactions');
    assert.equal(fake.operations().filter((o) => o === 'repos/get-collaborator-permission-level').length, 3, 'three lookups');
    // Four paced refusal writes at most stand before the review: a few seconds, not a minute.
    assert.ok(waited < 20_000, `the other pull request waited ${waited} ms`);
  });

  it('/recheck when the permission lookup keeps failing: retried, then 😕 and a reply saying why', async () => {
    fake.resetRecords();
    fake.failNext('repos/get-collaborator-permission-level', 500, { message: 'Server Error' }, {}, 10);
    const payload = webhook<Payload>('issue_comment.created');
    payload.comment.id = 9500;
    payload.comment.user.login = 'someone';
    payload.sender.login = 'someone';
    await sendWebhook(app?.port ?? 0, SECRET, 'issue_comment', payload);
    await fake
      .waitFor(() => fake.issueComments.length === 1, WAIT_MS, 'the reply')
      .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
    assert.ok(fake.operations().filter((o) => o === 'repos/get-collaborator-permission-level').length > 1, 'retried');
    assert.deepEqual(fake.reactions, [{ commentId: 9500, content: 'confused' }]);
    assert.match(fake.issueComments[0]?.body ?? '', /could not check whether you may ask for a re-check/);
  });

  for (const [operation, how] of [
    ['pulls/list-files', 'half'],
    ['pulls/list-files', 'reset'],
    ['graphql:LeakhoundPackageFiles', 'half'],
  ] as const) {
    it(`retries an answer cut off midway (${operation}, ${how}) instead of analysing nothing`, async () => {
      fake.resetRecords();
      fake.cutNext(operation, how);
      const payload = webhook<Payload>('pull_request.synchronize');
      payload.pull_request.head.sha = head;
      await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload);
      await fake
        .waitFor(() => fake.checkRuns[0]?.status === 'completed', WAIT_MS, 'the check run to complete')
        .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
      const run = fake.checkRuns[0];
      assert.equal(fake.operations().filter((o) => o === operation).length, 2, `retried once: ${failureContext()}`);
      assert.equal(run?.annotations.length, 3, run?.output.summary);
      assert.doesNotMatch(run?.output.summary ?? '', /Nothing to analyse/);
    });
  }

  describe('never green on what it did not analyse', () => {
    const clean = 'package clean\n\n// A returns one.\nfunc A() int { return 1 }\n';
    const runOf = async (
      number: number,
      files: Record<string, string>,
      setup: (pull: ReturnType<FakeGitHub['openPull']>) => void = () => {},
    ) => {
      fake.resetRecords();
      await openAndReview(number, { ...snapshots.base, ...files }, setup);
      return fake.checkRuns[0];
    };

    it('a clean change is green', async () => {
      const run = await runOf(10, { 'pkg/clean/clean.go': clean });
      assert.equal(run?.conclusion, 'success', run?.output.summary);
      assert.equal(run?.output.title, 'No leaks in the changed lines');
    });

    it('a Go file GitHub sent no diff for: neutral, and the title says so', async () => {
      const run = await runOf(11, { 'pkg/clean/clean.go': clean }, (pull) => pull.omitPatch.add('pkg/clean/clean.go'));
      assert.equal(run?.conclusion, 'neutral', run?.output.summary);
      assert.equal(run?.output.title, 'No leaks in the analysed lines; 1 changed Go file not analysed');
      assert.match(run?.output.summary ?? '', /Not everything in this pull request was analysed/);
    });

    it('a Go file over the per-file budget: neutral', async () => {
      const run = await runOf(12, { 'pkg/clean/clean.go': clean, 'pkg/slow/slow.go': slowFile(12_000) });
      assert.equal(run?.conclusion, 'neutral', run?.output.summary);
      assert.match(run?.output.title ?? '', /1 changed Go file not analysed/);
    });

    it('more files than GitHub lists: neutral', async () => {
      const many: Record<string, string> = { 'pkg/clean/clean.go': clean };
      for (let i = 0; i < 3050; i++) many[`zz-docs/page-${String(i).padStart(4, '0')}.md`] = `page ${i}\n`;
      const run = await runOf(13, many);
      assert.equal(run?.conclusion, 'neutral', run?.output.summary);
      assert.match(run?.output.title ?? '', /files past the first 3,000 not analysed/);
    });
  });

  it('with 400 findings, lists in the review body only what fits, and says exactly how many and where the rest are', async () => {
    fake.resetRecords();
    await openAndReview(20, { ...snapshots.base, 'pkg/slow/slow.go': slowFile(400) });
    const review = fake.reviews[0];
    assert.ok(review, failureContext());
    assert.equal(review.comments.length, 25);
    const listed = markersIn(review.body).length;
    assert.ok(listed > 0 && listed < 375, `${listed} listed in the body`);
    assert.ok(review.body.length <= 65_535);
    assert.match(review.body, new RegExp(`${375 - listed} more findings did not fit in this review`));
    const summary = fake.checkRuns[0]?.output.summary ?? '';
    assert.match(summary, new RegExp(`Listed ${listed} findings in the review body\\.`));
    assert.match(summary, new RegExp(`${375 - listed} more findings did not fit in the review`));
    assert.equal(fake.checkRuns[0]?.annotations.length, 400);
  });

  it('pull-request text quoted in the check run and the review acts as nothing: no mention, link, HTML or smuggled line', async () => {
    fake.resetRecords();
    fake.config = 'min_confidence: low\n';
    const evil =
      'package svc\n\nimport "os"\n\nvar cache [][]byte\n\nfunc Load(p string) {\n\tdata, _ := os.ReadFile(p)\n' +
      '\tcache = append(cache, data[:4 /* @octocat @org/team #123 GH-7 ` <img src=x onerror=alert(1)> <details open> */])\n}\n';
    try {
      await openAndReview(22, { ...snapshots.push1, 'pkg/a)b`c/svc.go': evil });
    } finally {
      fake.config = undefined;
    }
    const run = fake.checkRuns[0];
    const written = [
      run?.output.title,
      run?.output.summary,
      run?.output.text,
      ...fake.reviews.flatMap((r) => [r.body, ...r.comments.map((c) => c.body)]),
    ];
    assert.ok(written.join('\n').includes('octocat'), 'the hostile text is quoted somewhere');
    for (const markdown of written) if (markdown) assertInert(markdown);
  });

  it('a 70,000-character line: that finding becomes a hint, every other comment keeps its suggestion', async () => {
    fake.resetRecords();
    const fetchGo = snapshots.push1['pkg/fetch/fetch.go'] ?? '';
    const long = fetchGo.replace('ch := make(chan Result)\n', `ch := make(chan Result) // ${'x'.repeat(70_000)}\n`);
    assert.notEqual(long, fetchGo);
    await openAndReview(21, { ...snapshots.push1, 'pkg/fetch/fetch.go': long });
    assert.deepEqual(fake.violations, []);
    assert.equal(fake.reviews.length, 1, failureContext());
    const comments = fake.reviews[0]?.comments ?? [];
    assert.equal(comments.length, 3);
    const send = comments.find((c) => c.body.includes('unbuffered-send-leak'));
    assert.ok(send && send.body.length < 2000, 'the oversized suggestion is left out');
    assert.match(send.body, /no one-click suggestion: the suggested lines are longer than a GitHub comment may be/);
    assert.equal(comments.filter((c) => c.body.includes('```suggestion')).length, 2);
  });

  describe('writes GitHub did although its answer was lost are adopted, not repeated', () => {
    const run = async (): Promise<void> => {
      const payload = webhook<Payload>('pull_request.synchronize');
      payload.pull_request.head.sha = head;
      const finished = app ? finishedRuns(app, 2) : 0;
      await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload);
      await fake
        .waitFor(
          () => fake.checkRuns.length > 0 && fake.checkRuns.every((r) => r.status === 'completed'),
          WAIT_MS,
          'the check run to complete',
        )
        .then(() => waitUntil(() => (app ? finishedRuns(app, 2) : 0) > finished, WAIT_MS, 'the run to finish'))
        .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));
      await new Promise((resolve) => setTimeout(resolve, 500));
    };

    it('createReview answers 502 after creating the review: one review, every comment once', async () => {
      fake.resetRecords();
      fake.failAfterWork('pulls/create-review', 502);
      await run();
      assert.equal(fake.reviews.length, 1, failureContext());
      assert.equal(fake.operations().filter((o) => o === 'pulls/create-review').length, 1, 'not posted again');
      assert.equal(fake.checkRuns[0]?.conclusion, 'failure', fake.checkRuns[0]?.output.summary);
      assert.match(fake.checkRuns[0]?.output.summary ?? '', /Posted 3 review comments/);
    });

    it('createReview answers later than the client waits: one review', async () => {
      fake.resetRecords();
      fake.failAfterWork('pulls/create-review', 504, 1, 4000);
      await run();
      assert.equal(fake.reviews.length, 1, failureContext());
    });

    it('checks.create answers later than the client waits: one check run, completed', async () => {
      fake.resetRecords();
      fake.failAfterWork('checks/create', 504, 1, 4000);
      await run();
      assert.equal(fake.checkRuns.length, 1, failureContext());
      assert.equal(fake.checkRuns[0]?.status, 'completed');
      assert.equal(fake.operations().filter((o) => o === 'checks/create').length, 1, 'not created again');
    });

    it('a write GitHub did not do is retried', async () => {
      fake.resetRecords();
      fake.failNext('pulls/create-review', 502, { message: 'Bad Gateway' });
      await run();
      assert.equal(fake.reviews.length, 1, failureContext());
      assert.equal(fake.operations().filter((o) => o === 'pulls/create-review').length, 2);
    });
  });

  describe('check runs left in progress are completed later', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'leakhound-state-'));
    after(() => rmSync(stateDir, { recursive: true, force: true }));
    let smallHead = '';
    before(() => {
      smallHead = fake.commit(snapshots.push1);
      fake.openPull(2, fake.commit(snapshots.base), smallHead, 'Codertocat');
    });
    const start = (env: Record<string, string> = {}): Promise<AppProcess> =>
      startApp({
        appId: APP_ID,
        privateKey: keys.privateKey,
        secret: SECRET,
        gheHost: fake.host,
        env: { LEAKHOUND_STATE_DIR: stateDir, LEAKHOUND_SWEEP_EVERY_MS: '300', ...env },
      });
    const open = async (server: AppProcess): Promise<void> => {
      const payload = webhook<Payload>('pull_request.synchronize');
      payload.pull_request.head.sha = smallHead;
      await sendWebhook(server.port, SECRET, 'pull_request', payload);
    };
    const finished = (what: string): Promise<void> =>
      fake
        .waitFor(() => fake.checkRuns[0]?.status === 'completed', WAIT_MS, what)
        .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}`));

    it('the server dies mid-run: the next server completes its check run as neutral, with Re-run', async () => {
      fake.resetRecords();
      fake.stallNext('pulls/list-files', 20_000);
      const doomed = await start();
      try {
        await open(doomed);
        await fake.waitFor(() => fake.checkRuns[0]?.status === 'in_progress', WAIT_MS, 'the check run to start');
        // The webhook was answered at once: kill only once the server has recorded the run it opened.
        const recorded = (): boolean => {
          try {
            return readFileSync(join(stateDir, 'open-check-runs.json'), 'utf8').includes(`"checkRunId":${fake.checkRuns[0]?.id ?? -1}`);
          } catch {
            return false;
          }
        };
        await waitUntil(recorded, WAIT_MS, 'the open check run to be recorded');
        const exited = new Promise((resolve) => doomed.child.once('exit', resolve));
        doomed.child.kill('SIGKILL');
        await exited;
      } finally {
        await doomed.stop();
      }
      fake.clearFailures();
      assert.equal(fake.checkRuns[0]?.status, 'in_progress');
      const next = await start();
      try {
        await finished('the orphaned check run to be completed');
      } finally {
        await next.stop();
      }
      const run = fake.checkRuns[0];
      assert.equal(run?.conclusion, 'neutral');
      assert.equal(run?.output.title, 'leakhound did not finish this run');
      assert.match(run?.output.summary ?? '', /the leakhound server stopped while this run was in progress/);
      assert.deepEqual(
        run?.actions.map((a) => (a as { identifier: string }).identifier),
        ['rerun'],
      );
      assert.equal(fake.checkRuns.length, 1);
    });

    it('GitHub refuses the final update (and the neutral one after it): completed once the deadline passes', async () => {
      fake.resetRecords();
      fake.failNext('checks/update', 422, { message: 'Unprocessable Entity' }, {}, 2);
      const server = await start({ LEAKHOUND_STALE_CHECK_MS: '6000' });
      try {
        await open(server);
        await fake.waitFor(
          () => server.output.join('').includes('could not complete the check run either'),
          WAIT_MS,
          'the run to give up on its check run',
        );
        assert.equal(fake.checkRuns[0]?.status, 'in_progress', failureContext());
        await finished('the stuck check run to be completed by the sweeper');
      } finally {
        await server.stop();
      }
      const run = fake.checkRuns[0];
      assert.equal(run?.conclusion, 'neutral', failureContext());
      assert.match(run?.output.summary ?? '', /this run did not finish within 6 seconds/);
      assert.equal(fake.operations().filter((o) => o === 'checks/update').length, 3, failureContext());
    });
  });

  describe('bounded work, fair sharing', () => {
    let bounded: AppProcess | undefined;
    before(async () => {
      bounded = await startApp({
        appId: APP_ID,
        privateKey: keys.privateKey,
        secret: SECRET,
        gheHost: fake.host,
        env: { LEAKHOUND_FILE_BUDGET_MS: '8000', LEAKHOUND_RUN_BUDGET_MS: '8000', LEAKHOUND_WORKERS: '1' },
      });
    });
    after(async () => {
      await bounded?.stop();
      fake.config = undefined;
    });

    const openPr = async (number: number, files: Record<string, string>): Promise<void> => {
      await sendOpened(number, { ...snapshots.base, ...files }, { port: bounded?.port ?? 0 });
    };
    const checkOf = (sha: string): FakeCheckRun | undefined => fake.checkRuns.find((r) => r.headSha === sha);
    const completed = async (number: number): Promise<FakeCheckRun> => {
      const sha = fake.pulls.get(number)?.headSha ?? '';
      await fake
        .waitFor(() => checkOf(sha)?.status === 'completed', WAIT_MS, `the check run of #${number} to complete`)
        .catch((e: Error) => assert.fail(`${e.message}\n${failureContext()}\n${bounded?.output.join('') ?? ''}`));
      return checkOf(sha) as FakeCheckRun;
    };
    /** Thirty-two packages of one slow file each (about half a second of analysis apiece) with no leak in them. */
    const heavyFiles = (): Record<string, string> =>
      Object.fromEntries(
        Array.from({ length: 32 }, (_, p) => {
          const body = Array.from(
            { length: 1500 },
            (_, i) =>
              `func f${i}(p context.Context) error {\n\tctx, cancel := context.WithCancel(p)\n\tdefer cancel()\n\treturn ctx.Err()\n}\n`,
          );
          return [`pkg/h${p}/slow.go`, `package h${p}\n\nimport "context"\n\n${body.join('')}`];
        }),
      );

    it('a configuration over 64 KiB is refused unread, and the run goes on with the defaults', async () => {
      fake.resetRecords();
      fake.config = `exclude:\n${'  - "some/long/generated/path/**/*.pb.go"\n'.repeat(90_000)}`;
      await openPr(40, { 'pkg/fetch/fetch.go': snapshots.push1['pkg/fetch/fetch.go'] ?? '' });
      const run = await completed(40);
      fake.config = undefined;
      assert.match(
        run.output.summary ?? '',
        /\.github\/leakhound\.yml could not be used \(it is 3,780,009 bytes; a configuration may have at most 65,536\); using the defaults/,
      );
      assert.equal(run.annotations.length, 3, 'analysed with the defaults');
      assert.equal(fake.operations().filter((o) => o === 'repos/get-content').length, 1, 'read once, as JSON metadata');
    });

    it('a pathological exclude glob is matched off the event loop and given up on, naming the step', async () => {
      fake.resetRecords();
      fake.config = 'exclude: ["**/*a*a*a*a*a*a*a*a*a*a*a*a*b"]\n';
      await openPr(41, { [`pkg/${'a'.repeat(60)}.go`]: 'package pkg\n' });
      const sha = fake.pulls.get(41)?.headSha ?? '';
      await fake.waitFor(() => checkOf(sha) !== undefined, WAIT_MS, 'the check run to start');
      const ping = await fetch(`http://127.0.0.1:${bounded?.port ?? 0}/ping`);
      assert.equal(await ping.text(), 'PONG', 'the server answers while the glob is matched');
      const run = await completed(41);
      fake.config = undefined;
      assert.equal(run.conclusion, 'neutral');
      assert.match(
        run.output.summary ?? '',
        /match the exclude patterns of \.github\/leakhound\.yml failed: the exclude patterns took longer than 2 s to match 1 paths/,
      );
    });

    it('a run that outgrows its analysis budget names the packages it did not reach and is not green', async () => {
      fake.resetRecords();
      await openPr(42, heavyFiles());
      const run = await completed(42);
      assert.equal(run.conclusion, 'neutral', run.output.summary);
      assert.match(run.output.title ?? '', /changed Go files? not analysed/);
      assert.match(run.output.summary ?? '', /not analysed: the run used up its 8 s analysis budget/);
    });

    it('a small pull request opened after a heavy one is analysed before the heavy one is', async () => {
      fake.resetRecords();
      // The server answers a webhook when its run is done: send the second while the first runs.
      const heavy = openPr(43, heavyFiles());
      await fake.waitFor(() => fake.operations().includes('graphql:LeakhoundPackageFiles'), WAIT_MS, 'the heavy run to fetch its files');
      const small = openPr(44, { 'pkg/fetch/fetch.go': snapshots.push1['pkg/fetch/fetch.go'] ?? '' });
      await Promise.all([heavy, small, completed(43), completed(44)]);
      // When each analysis ended, from the server's own log (check runs complete in GitHub's write pacing order).
      const analysedAt = (number: number): number => {
        const line = (bounded?.output.join('') ?? '')
          .split('\n')
          .find((l) => l.includes(`"pr":"Codertocat/Hello-World#${number}"`) && l.includes('"msg":"analysed"'));
        return line ? (JSON.parse(line) as { time: number }).time : NaN;
      };
      assert.ok(analysedAt(44) < analysedAt(43), `small at ${analysedAt(44)}, heavy at ${analysedAt(43)}`);
    });
  });

  describe('ready, stopping and logs, as an orchestrator sees them', () => {
    it('/ready: 200 when the analysis worker answers and GitHub accepts the App; 503 naming what is not', async () => {
      fake.resetRecords();
      fake.failNext('apps/get-authenticated', 401, { message: 'Bad credentials' });
      const notReady = await fetch(`http://127.0.0.1:${app?.port ?? 0}/ready`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { ready: false, checks: { 'GitHub auth': 'Bad credentials', 'analysis worker': 'ok' } });
      const ready = await fetch(`http://127.0.0.1:${app?.port ?? 0}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { ready: true, checks: { 'GitHub auth': 'ok', 'analysis worker': 'ok' } });
    });

    it('SIGTERM mid-run: the run gets its grace period, then its check run is completed as neutral and the process exits 0', async () => {
      fake.resetRecords();
      fake.stallNext('pulls/list-files', 5_000);
      const server = await startApp({
        appId: APP_ID,
        privateKey: keys.privateKey,
        secret: SECRET,
        gheHost: fake.host,
        env: { LEAKHOUND_SHUTDOWN_GRACE_MS: '1000' },
      });
      try {
        const payload = webhook<Payload>('pull_request.synchronize');
        payload.pull_request.head.sha = head;
        void sendWebhook(server.port, SECRET, 'pull_request', payload).catch(() => undefined);
        await fake.waitFor(() => fake.checkRuns[0]?.status === 'in_progress', WAIT_MS, 'the check run to start');
        const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
        server.child.kill('SIGTERM');
        assert.equal(await exited, 0, server.output.join(''));
      } finally {
        await server.stop();
        fake.clearFailures();
      }
      const run = fake.checkRuns[0];
      assert.equal(run?.status, 'completed', failureContext());
      assert.equal(run?.conclusion, 'neutral');
      assert.match(run?.output.summary ?? '', /the leakhound server was stopped while this run was in progress/);
    });

    /** The error lines (level 50) the main app printed after `from` characters of output. */
    const errorLinesAfter = (from: number): string[] =>
      (app?.output.join('') ?? '')
        .slice(from)
        .split('\n')
        .filter((l) => l.includes('"level":50'));

    it('a bad signature: one line that says so, without the payload', async () => {
      const from = app?.output.join('').length ?? 0;
      const payload = webhook<Payload>('pull_request.opened');
      await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload, { badSignature: true, delivery: 'bad-signature-1' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = errorLinesAfter(from);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0] ?? '', /"id":"bad-signature-1".*refused a webhook delivery: its signature does not match WEBHOOK_SECRET/);
      assert.ok((lines[0]?.length ?? 0) < 400, 'no payload, no stack');
    });

    it('a failed run: one line naming the step and the cause', async () => {
      fake.resetRecords();
      const from = app?.output.join('').length ?? 0;
      fake.failNext('pulls/list-files', 404, { message: 'Not Found' }, {}, 5);
      const payload = webhook<Payload>('pull_request.synchronize');
      payload.pull_request.head.sha = head;
      await sendWebhook(app?.port ?? 0, SECRET, 'pull_request', payload);
      await fake.waitFor(() => fake.checkRuns[0]?.status === 'completed', WAIT_MS, 'the check run to complete');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = errorLinesAfter(from);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0] ?? '', /leakhound run failed: list the pull request files failed: HTTP 404, Not Found/);
      assert.doesNotMatch(lines[0] ?? '', /"stack"/);
    });

    it('/metrics: runs by outcome, findings by rule, GitHub errors, queue depth, in Prometheus text', async () => {
      const res = await fetch(`http://127.0.0.1:${app?.port ?? 0}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.match(text, /^leakhound_runs_total\{outcome="failure"\} [1-9]\d*$/m);
      assert.match(text, /^leakhound_runs_total\{outcome="error"\} [1-9]\d*$/m, 'the run that stopped on a 404');
      assert.match(text, /^leakhound_findings_total\{rule="unbuffered-send-leak"\} [1-9]\d*$/m);
      assert.match(text, /^leakhound_github_request_errors_total\{status="404"\} [1-9]\d*$/m);
      assert.match(text, /^leakhound_run_duration_seconds_count [1-9]\d*$/m);
      assert.match(text, /^leakhound_analysis_queue_depth 0$/m);
      assert.match(text, /^leakhound_github_rate_limit_wait_seconds_total \d+$/m);
      assert.match(text, /^process_resident_memory_bytes \d+/m);
    });

    it('NODE_ENV=production logs JSON, one object a line', async () => {
      const server = await startApp({
        appId: APP_ID,
        privateKey: keys.privateKey,
        secret: SECRET,
        gheHost: fake.host,
        env: { NODE_ENV: 'production', LOG_FORMAT: '' },
      });
      await server.stop();
      const lines = server.output
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '');
      assert.ok(lines.length > 0);
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
    });
  });
});
