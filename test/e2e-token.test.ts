/**
 * Token mode (`leakhound review`) end to end against the fake GitHub: the same review as the App's
 * (so the App never repeats it), a fork's read-only token (annotations, no write), a token without
 * the checks permission (a commit status), and a checkout at the head commit (no content requests).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli.js';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { fakeWithPullRequest, prSnapshots } from './helpers/app-fixtures.js';
import { finishedRuns, sendWebhook, startApp, waitUntil } from './helpers/app-process.js';
import { FakeGitHub, type TokenIdentity } from './helpers/fake-github.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WRITES = new Set([
  'checks/create',
  'checks/update',
  'repos/create-commit-status',
  'pulls/create-review',
  'graphql:LeakhoundResolveThreads',
  'issues/create-comment',
]);
const WORKFLOW_TOKEN: Partial<TokenIdentity> = { login: 'github-actions', bot: true };

interface Review {
  code: number;
  out: string;
  err: string;
  summary: string;
}

describe('leakhound review (token mode)', { timeout: 120_000 }, () => {
  const keys = appKeys();
  const snapshots = prSnapshots();
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leakhound-token-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const github = (headSha?: string): ReturnType<typeof fakeWithPullRequest> => fakeWithPullRequest(keys.publicKey, headSha);

  /** The App, started on the fake GitHub, reviews the head commit once; then it is stopped. */
  async function reviewWithApp(fake: FakeGitHub, head: string): Promise<void> {
    const app = await startApp({ appId: APP_ID, privateKey: keys.privateKey, secret: 's', gheHost: fake.host });
    try {
      const payload = webhook<Payload>('pull_request.opened');
      payload.pull_request.head.sha = head;
      await sendWebhook(app.port, 's', 'pull_request', payload);
      await waitUntil(() => finishedRuns(app) === 1, 30_000, "the App's run to finish");
    } finally {
      await app.stop();
    }
  }

  /** Runs `leakhound review` as a GitHub Actions step would, on the pull_request event. */
  async function review(fake: FakeGitHub, head: string, token: string, options: { fork?: boolean; cwd?: string } = {}): Promise<Review> {
    const event = webhook<Payload>('pull_request.opened');
    event.pull_request.head.sha = head;
    if (options.fork) event.pull_request.head.repo.full_name = 'someone/Hello-World';
    const eventPath = join(dir, `event-${Math.random()}.json`);
    const summaryPath = join(dir, `summary-${Math.random()}.md`);
    writeFileSync(eventPath, JSON.stringify(event));
    writeFileSync(summaryPath, '');
    let out = '';
    let err = '';
    const code = await main(['review'], {
      cwd: options.cwd ?? dir,
      out: (s) => (out += s),
      err: (s) => (err += s),
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_TOKEN: token,
        GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}`,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_API_URL: fake.baseUrl,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '77',
        GITHUB_STEP_SUMMARY: summaryPath,
      },
    });
    return { code, out, err, summary: readFileSync(summaryPath, 'utf8') };
  }

  const context = (fake: FakeGitHub, run?: Review): string =>
    `requests: ${fake.operations().join(', ')}\nviolations: ${fake.violations.join('\n')}\nstderr: ${run?.err ?? ''}`;

  it('posts the review and check run the App would, and the App then repeats none of it', async () => {
    const { fake, head } = await github();
    try {
      const run = await review(fake, head, fake.issueToken(WORKFLOW_TOKEN));
      assert.equal(run.code, 1, `an error-severity leak fails the step\n${context(fake, run)}`);
      assert.equal(fake.reviews.length, 1, context(fake, run));
      assert.equal(fake.reviews[0]?.author, 'github-actions');
      assert.deepEqual(
        fake.reviews[0]?.comments.map((c) => `${c.path}:${c.line}`),
        ['pkg/fetch/fetch.go:17', 'pkg/fetch/fetch.go:16', 'pkg/fetch/fetch.go:29'],
      );
      const check = fake.checkRuns[0];
      assert.equal(check?.conclusion, 'failure');
      assert.deepEqual(check?.actions, [], 'no Re-run button: its clicks would go to the App, not to this workflow');
      assert.match(
        run.err,
        /reviewed Codertocat\/Hello-World#2 at [0-9a-f]{12}: failure, 3 findings in the change, 3 review comments posted/,
      );
      assert.equal(run.out, '', 'no workflow annotations: the check run carries them');

      await reviewWithApp(fake, head);
      assert.equal(fake.reviews.length, 1, `the App posted no second review:\n${context(fake)}`);
      assert.equal(fake.threads.length, 3);
      assert.match(fake.checkRuns[1]?.output.summary ?? '', /3 findings were already reported/);
      assert.deepEqual(fake.violations, []);
    } finally {
      await fake.stop();
    }
  });

  it("after the App's review, posts nothing new and counts the App's comments as reported", async () => {
    const { fake, head } = await github();
    try {
      await reviewWithApp(fake, head);
      assert.equal(fake.reviews[0]?.author, fake.botLogin);
      const run = await review(fake, head, fake.issueToken(WORKFLOW_TOKEN));
      assert.equal(run.code, 1, context(fake, run));
      assert.equal(fake.reviews.length, 1, `token mode posted no second review:\n${context(fake, run)}`);
      assert.match(fake.checkRuns[1]?.output.summary ?? '', /3 findings were already reported/);
      assert.deepEqual(fake.violations, []);
    } finally {
      await fake.stop();
    }
  });

  it("on a fork's pull request (a read-only token) prints annotations, says why, and writes nothing", async () => {
    const { fake, head } = await github();
    try {
      const token = fake.issueToken({ ...WORKFLOW_TOKEN, checks: 'read', statuses: 'read', pullRequests: 'read' });
      const run = await review(fake, head, token, { fork: true });
      assert.equal(run.code, 1, context(fake, run));
      assert.deepEqual(
        fake.requests.filter((r) => WRITES.has(r.operation)).map((r) => r.operation),
        [],
      );
      const lines = run.out.trimEnd().split('\n');
      assert.match(
        lines[0] ?? '',
        /^::notice title=leakhound::No review was posted: this pull request comes from a fork \(someone\/Hello-World\)/,
      );
      assert.deepEqual(
        lines.slice(1).map((l) => /^::(\w+) file=([^,]+),line=(\d+)/.exec(l)?.slice(1).join(' ')),
        ['error pkg/fetch/fetch.go 17', 'warning pkg/fetch/fetch.go 16', 'warning pkg/fetch/fetch.go 29'],
      );
      assert.match(run.summary, /^## leakhound: 3 leaks in the changed lines/);
      assert.deepEqual(fake.violations, []);
    } finally {
      await fake.stop();
    }
  });

  it('falls back to a commit status when the token may not create check runs, and still posts the review', async () => {
    const { fake, head } = await github();
    try {
      const run = await review(fake, head, fake.issueToken({ ...WORKFLOW_TOKEN, checks: 'read' }));
      assert.equal(run.code, 1, context(fake, run));
      assert.deepEqual(
        fake.statuses.map((s) => `${s.state} ${s.context} ${s.targetUrl ?? ''}`),
        [
          'pending leakhound https://github.com/Codertocat/Hello-World/actions/runs/77',
          'failure leakhound https://github.com/Codertocat/Hello-World/actions/runs/77',
        ],
      );
      assert.equal(fake.statuses[1]?.description, '3 leaks in the changed lines (1 error, 2 warnings)');
      assert.equal(fake.reviews.length, 1);
      assert.equal(run.out.split('\n').filter((l) => l.startsWith('::')).length, 3, 'the annotations a status cannot carry');
      assert.match(run.err, /cannot create a check run with this token; trying a commit status/);
    } finally {
      await fake.stop();
    }
  });

  it('reads the Go files from a checkout at the head commit instead of asking for them', async () => {
    const checkout = join(dir, 'checkout');
    for (const [path, content] of Object.entries(snapshots.push1)) {
      mkdirSync(dirname(join(checkout, path)), { recursive: true });
      writeFileSync(join(checkout, path), content);
    }
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: checkout, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'head');
    const { fake, head } = await github(git('rev-parse', 'HEAD'));
    try {
      const run = await review(fake, head, fake.issueToken(WORKFLOW_TOKEN), { cwd: checkout });
      assert.equal(run.code, 1, context(fake, run));
      assert.ok(!fake.operations().includes('graphql:LeakhoundPackageFiles'), context(fake, run));
      assert.match(run.err, /reading the Go files from the checkout/);
      assert.deepEqual(
        fake.reviews[0]?.comments.map((c) => `${c.path}:${c.line}`),
        ['pkg/fetch/fetch.go:17', 'pkg/fetch/fetch.go:16', 'pkg/fetch/fetch.go:29'],
      );
    } finally {
      await fake.stop();
    }
  });

  it('says what is missing outside GitHub Actions, exit 2', async () => {
    let err = '';
    const code = await main(['review', '--repo', 'a/b'], {
      cwd: dir,
      out: () => undefined,
      err: (s) => (err += s),
      env: { MY_TOKEN: 'x' },
    });
    assert.equal(code, 2);
    assert.equal(err, 'leakhound: no token: set GITHUB_TOKEN (or name another variable with --token-env)\n');
    err = '';
    const noPr = await main(['review', '--repo', 'a/b', '--token-env', 'MY_TOKEN'], {
      cwd: dir,
      out: () => undefined,
      err: (s) => (err += s),
      env: { MY_TOKEN: 'x' },
    });
    assert.equal(noPr, 2);
    assert.match(err, /which pull request\? pass --pr N/);
  });
});
