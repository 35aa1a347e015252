/**
 * action.yml: its inputs, and its review step run as the runner runs it (bash, the inputs as
 * environment variables) against the fake GitHub, with the built command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { FakeGitHub } from './helpers/fake-github.js';
import { ROOT } from './helpers/fixtures.js';

interface Step {
  name: string;
  run?: string;
  env?: Record<string, string>;
  uses?: string;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
const reviewStep = action.runs.steps.find((s) => s.name === 'Review the pull request');

describe('action.yml', () => {
  it('takes fail-on, config, go-version, min-confidence and the token, and installs from the lockfile', () => {
    assert.deepEqual(Object.keys(action.inputs), ['fail-on', 'config', 'go-version', 'min-confidence', 'github-token']);
    assert.equal(action.runs.using, 'composite');
    const install = action.runs.steps.find((s) => s.name === 'Install leakhound from its lockfile');
    assert.match(install?.run ?? '', /^npm ci\b/m);
    assert.ok(reviewStep?.run, 'a review step');
    for (const name of Object.keys(action.inputs)) {
      const value = `\${{ inputs.${name} }}`;
      assert.ok(Object.values(reviewStep.env ?? {}).includes(value), `input ${name} reaches the review step`);
    }
    assert.doesNotMatch(reviewStep.run, /\$\{\{/, 'inputs reach the script as environment variables, never pasted into it');
  });

  it('runs the review with the inputs as flags: fail-on never passes the step, the check still reports', async () => {
    const keys = appKeys();
    const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
    await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'leakhound-action-'));
    try {
      const snapshots = prSnapshots();
      const base = fake.commit(snapshots.base);
      const head = fake.commit(snapshots.push1);
      fake.openPull(2, base, head, 'Codertocat');
      const event = webhook<{ pull_request: { head: { sha: string } } }>('pull_request.opened');
      event.pull_request.head.sha = head;
      writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
      const inputs: Record<string, string> = {
        'inputs.github-token': fake.issueToken({ login: 'github-actions', bot: true }),
        'inputs.fail-on': 'never',
        'inputs.config': '',
        'inputs.go-version': '1.22',
        'inputs.min-confidence': 'high',
        'github.action_path': ROOT,
      };
      const stepEnv = Object.fromEntries(
        Object.entries(reviewStep?.env ?? {}).map(([key, value]) => [
          key,
          value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? ''),
        ]),
      );
      // Asynchronously: the fake GitHub answers from this process.
      const child = spawn('bash', ['-e', '-c', reviewStep?.run ?? ''], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}`,
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: join(dir, 'event.json'),
          GITHUB_API_URL: fake.baseUrl,
          ...stepEnv,
        },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(status, 0, `${stderr}\n${fake.operations().join(', ')}`);
      assert.equal(fake.checkRuns[0]?.conclusion, 'neutral', 'fail-on never: findings, but no failure');
      assert.equal(fake.reviews.length, 1);
      assert.deepEqual(fake.violations, []);
    } finally {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
