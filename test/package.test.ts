/**
 * The package as a user installs it: `npm pack` (dist/ is built by the test command first, so the
 * pack step skips its own build), then a global install with runtime dependencies only, and the
 * installed `leakhound` command run on a Go module. Uses npm's cache (filled by `npm ci`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

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

  it('ships the built server and npm start, but neither sources nor tests', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'leakhound');
    const top = readdirSync(installed).sort();
    assert.ok(top.includes('dist') && top.includes('scripts') && top.includes('app.yml'), top.join(', '));
    assert.ok(!top.includes('src') && !top.includes('test'), top.join(', '));
    assert.deepEqual(readdirSync(join(installed, 'dist')), ['src']);
    assert.ok(!readdirSync(join(installed, 'node_modules')).includes('typescript'), 'no dev dependencies');
  });
});
