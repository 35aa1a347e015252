/**
 * The package as a user (or the Dockerfile) installs it: `npm pack` (dist/ is built by the test
 * command first, so the pack step skips its own build), then a global install with runtime
 * dependencies only; the installed `leakhound` command run on a Go module, and the installed
 * server started as the image starts it. Uses npm's cache (filled by `npm ci`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { sendWebhook, startApp } from './helpers/app-process.js';
import { FakeGitHub } from './helpers/fake-github.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the packed package, installed with runtime dependencies only', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'leakhound-pack-'));
  const prefix = join(work, 'prefix');
  let bin = '';
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    execFileSync(NPM, ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: process.cwd(), stdio: 'ignore' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    execFileSync(
      NPM,
      ['install', '--global', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)],
      { cwd: work, stdio: 'ignore' },
    );
    bin = join(prefix, 'bin', 'leakhound');
  });

  it('installs a working `leakhound` command: check ./... in a Go module', () => {
    const mod = join(work, 'mod');
    mkdirSync(join(mod, 'svc'), { recursive: true });
    writeFileSync(join(mod, 'go.mod'), 'module example.com/m\n\ngo 1.22\n');
    writeFileSync(
      join(mod, 'svc', 'svc.go'),
      'package svc\n\nimport "context"\n\nfunc f(p context.Context) context.Context {\n\tctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n',
    );
    const run = spawnSync(bin, ['check', './...', '--no-color'], { cwd: mod, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^svc\/svc\.go:6:12: warning: the cancel function of context\.WithCancel is discarded/m);
    assert.match(run.stderr, /1 finding \(1 warning\) in 1 Go file/);
  });

  it('runs the installed server as the Dockerfile does: /ping and /ready answer, SIGTERM leaves no check run in progress', async () => {
    const keys = appKeys();
    const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
    await fake.start();
    const snapshots = prSnapshots();
    const head = fake.commit(snapshots.push1);
    fake.openPull(2, fake.commit(snapshots.base), head, 'Codertocat');
    const server = await startApp({
      appId: APP_ID,
      privateKey: keys.privateKey,
      secret: 'package-secret',
      gheHost: fake.host,
      entry: join(prefix, 'lib', 'node_modules', 'leakhound', 'dist', 'src', 'bin', 'server.js'),
      env: { NODE_ENV: 'production', LEAKHOUND_SHUTDOWN_GRACE_MS: '500' },
    });
    try {
      assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/ping`)).text(), 'PONG');
      const ready = await fetch(`http://127.0.0.1:${server.port}/ready`);
      assert.equal(ready.status, 200, await ready.clone().text());
      fake.stallNext('pulls/list-files', 5_000);
      const payload = webhook<Record<string, any>>('pull_request.opened'); // eslint-disable-line @typescript-eslint/no-explicit-any
      payload.pull_request.head.sha = head;
      void sendWebhook(server.port, 'package-secret', 'pull_request', payload).catch(() => undefined);
      await fake.waitFor(() => fake.checkRuns[0]?.status === 'in_progress', 60_000, 'the check run to start');
      const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
      server.child.kill('SIGTERM');
      assert.equal(await exited, 0, server.output.join(''));
      assert.equal(fake.checkRuns[0]?.status, 'completed');
      assert.equal(fake.checkRuns[0]?.conclusion, 'neutral');
    } finally {
      await server.stop();
      await fake.stop();
    }
  });

  it('ships the built server and npm start, but neither sources nor tests', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'leakhound');
    const top = readdirSync(installed).sort();
    assert.ok(top.includes('dist') && top.includes('scripts') && top.includes('app.yml'), top.join(', '));
    assert.ok(!top.includes('src') && !top.includes('test'), top.join(', '));
    assert.deepEqual(readdirSync(join(installed, 'dist')), ['src']);
    assert.ok(!readdirSync(join(installed, 'node_modules')).includes('typescript'), 'no dev dependencies');
    assert.deepEqual(readdirSync(join(prefix, 'bin')).sort(), ['leakhound', 'leakhound-server']);
  });
});
