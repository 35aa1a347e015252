/**
 * `npm start` without credentials: Probot's setup flow serves the App manifest built from app.yml,
 * so a new installation registers with exactly the events and permissions the app needs.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { APP_ID, appKeys, webhook } from './helpers/app-harness.js';
import { fakeWithPullRequest } from './helpers/app-fixtures.js';
import { finishedRuns, startApp, waitUntil } from './helpers/app-process.js';
import { FakeSmee } from './helpers/fake-smee.js';

interface Manifest {
  name: string;
  public: boolean;
  default_events: string[];
  default_permissions: Record<string, string>;
}

describe('the setup flow', { timeout: 60_000 }, () => {
  it('serves the manifest of app.yml when APP_ID and PRIVATE_KEY are missing', async () => {
    const appYml = readFileSync(join(process.cwd(), 'app.yml'), 'utf8');
    // NO_SMEE_SETUP: no smee.io channel (no network in tests).
    const app = await startApp({ files: { 'app.yml': appYml }, env: { NO_SMEE_SETUP: 'true' } });
    try {
      const html = await (await fetch(`http://127.0.0.1:${app.port}/probot`)).text();
      const value = /id="manifest" value='([^']*)'/.exec(html)?.[1];
      assert.ok(value, `no manifest in the setup page:\n${html.slice(0, 500)}`);
      const manifest = JSON.parse(value.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Manifest;
      const expected = parseYaml(appYml) as Manifest;
      assert.equal(manifest.name, 'leakhound');
      assert.equal(manifest.public, false);
      assert.deepEqual(manifest.default_events, ['pull_request', 'issue_comment', 'check_run', 'check_suite']);
      assert.deepEqual(manifest.default_permissions, expected.default_permissions);
      assert.deepEqual(manifest.default_permissions, {
        checks: 'write',
        pull_requests: 'write',
        contents: 'read',
        issues: 'read',
        metadata: 'read',
      });
    } finally {
      await app.stop();
    }
  });
});

describe('the setup flow can give the App a webhook URL', () => {
  it('has smee-client at the version Probot asks for (without it the manifest points GitHub at localhost)', async () => {
    const probotLib = dirname(fileURLToPath(import.meta.resolve('probot')));
    const source = readFileSync(join(probotLib, 'manifest-creation.js'), 'utf8');
    const wanted = /npxImport\("smee-client@([\d.]+)"/.exec(source)?.[1];
    assert.ok(wanted, 'Probot still loads smee-client by version');
    const installed = (
      JSON.parse(readFileSync(join(process.cwd(), 'node_modules', 'smee-client', 'package.json'), 'utf8')) as { version: string }
    ).version;
    assert.equal(installed, wanted);
    const { SmeeClient } = (await import('smee-client')) as { SmeeClient: { createChannel: unknown } };
    assert.equal(typeof SmeeClient.createChannel, 'function');
  });
});

describe('the setup flow with a webhook channel', { timeout: 60_000 }, () => {
  it('makes the channel first: the manifest, the "use an existing App" page and .env all have it', async () => {
    const smee = new FakeSmee();
    await smee.start();
    const appYml = readFileSync(join(process.cwd(), 'app.yml'), 'utf8');
    const app = await startApp({
      files: { 'app.yml': appYml, '.env': '# copied from .env.example\nWEBHOOK_PROXY_URL=\nLOG_LEVEL=info\n' },
      env: { WEBHOOK_PROXY_NEW_CHANNEL_URL: `${smee.url}/new` },
    });
    try {
      assert.equal(smee.created.length, 1, app.output.join(''));
      const channel = smee.created[0] ?? '';
      const setup = await (await fetch(`http://127.0.0.1:${app.port}/probot`)).text();
      const manifest = JSON.parse((/id="manifest" value='([^']*)'/.exec(setup)?.[1] ?? '{}').replace(/&quot;/g, '"')) as {
        hook_attributes?: { url?: string };
      };
      assert.equal(manifest.hook_attributes?.url, channel, 'GitHub is given the channel, not localhost');
      const importPage = await (await fetch(`http://127.0.0.1:${app.port}/probot/import`)).text();
      assert.ok(importPage.includes(channel), 'the "use an existing App" page names the webhook URL to enter');
      const dotenv = readFileSync(join(app.cwd, '.env'), 'utf8');
      assert.equal(dotenv, `# copied from .env.example\nWEBHOOK_PROXY_URL=${channel}\nLOG_LEVEL=info\n`);
    } finally {
      await app.stop();
      await smee.stop();
    }
  });

  it("after registration, the server forwards the channel's deliveries to its webhook path and reviews the pull request", async () => {
    const smee = new FakeSmee();
    await smee.start();
    const keys = appKeys();
    const { fake, head } = await fakeWithPullRequest(keys.publicKey);
    const channel = `${smee.url}/channel-registered`;
    const secret = 'smee-secret';
    const app = await startApp({
      appId: APP_ID,
      privateKey: keys.privateKey,
      secret,
      gheHost: fake.host,
      env: { WEBHOOK_PROXY_URL: channel },
    });
    try {
      await waitUntil(() => smee.listeners(channel) === 1, 10_000, 'the server to connect to the channel');
      const payload = webhook<{ pull_request: { head: { sha: string } } }>('pull_request.opened');
      payload.pull_request.head.sha = head;
      const signature = createHmac('sha256', secret).update(JSON.stringify(payload)).digest('hex');
      smee.deliver(
        channel,
        {
          'x-github-event': 'pull_request',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${signature}`,
          'content-type': 'application/json',
          host: 'smee.io',
        },
        payload,
      );
      await fake
        .waitFor(() => fake.checkRuns.some((r) => r.status === 'completed'), 30_000, 'the check run to complete')
        .then(() => waitUntil(() => finishedRuns(app) === 1, 30_000, 'the run to finish'))
        .catch((e: Error) => assert.fail(`${e.message}\n${app.output.join('')}`));
      assert.equal(fake.reviews.length, 1);
      assert.match(
        app.output.join(''),
        /forwarding webhooks from http:\/\/127\.0\.0\.1:\d+\/channel-registered to http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks/,
      );
    } finally {
      await app.stop();
      await fake.stop();
      await smee.stop();
    }
  });
});

describe('.env.example', () => {
  it('names every variable the server reads', () => {
    const text = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
    const names = new Set([...text.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    // Probot's readEnvOptions, getPrivateKey and setup flow, NODE_ENV, and leakhound's own.
    for (const name of [
      'APP_ID',
      'PRIVATE_KEY',
      'PRIVATE_KEY_PATH',
      'WEBHOOK_SECRET',
      'HOST',
      'PORT',
      'WEBHOOK_PATH',
      'WEBHOOK_PROXY_URL',
      'WEBHOOK_PROXY_NEW_CHANNEL_URL',
      'GHE_HOST',
      'GHE_PROTOCOL',
      'GH_ORG',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'LOG_LEVEL_IN_STRING',
      'LOG_MESSAGE_KEY',
      'SENTRY_DSN',
      'REDIS_URL',
      'NODE_ENV',
      'LEAKHOUND_FILE_BUDGET_MS',
      'LEAKHOUND_REQUEST_TIMEOUT_MS',
      'LEAKHOUND_STATE_DIR',
      'LEAKHOUND_STALE_CHECK_MS',
      'LEAKHOUND_SWEEP_EVERY_MS',
      'LEAKHOUND_RUN_BUDGET_MS',
      'LEAKHOUND_RUN_MAX_BYTES',
      'LEAKHOUND_WORKERS',
      'LEAKHOUND_SHUTDOWN_GRACE_MS',
      'LEAKHOUND_CATCH_UP_EVERY_MS',
    ]) {
      assert.ok(names.has(name), `${name} is missing from .env.example`);
    }
  });
});
