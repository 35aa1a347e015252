/**
 * `npm start` without credentials: Probot's setup flow serves the App manifest built from app.yml,
 * so a new installation registers with exactly the events and permissions the app needs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startApp } from './helpers/app-process.js';

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
    ]) {
      assert.ok(names.has(name), `${name} is missing from .env.example`);
    }
  });
});
