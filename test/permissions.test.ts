/**
 * The App asks for the permissions app.yml declares, and the README and docs/github-app.md say the
 * same: every permission, with the same access, and nothing else.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from './helpers/fixtures.js';

/** app.yml's names (pull_requests) as the tables spell them (Pull requests). */
const TITLES: Record<string, string> = {
  checks: 'Checks',
  pull_requests: 'Pull requests',
  contents: 'Contents',
  issues: 'Issues',
  metadata: 'Metadata',
};

function declared(): Record<string, string> {
  const manifest = parse(readFileSync(join(ROOT, 'app.yml'), 'utf8')) as { default_permissions: Record<string, string> };
  return Object.fromEntries(Object.entries(manifest.default_permissions).map(([name, access]) => [TITLES[name] ?? name, access]));
}

/** The rows of the first Markdown table whose header starts with "| permission" (any case): name → access. */
function tableIn(file: string): Record<string, string> {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\|\s*permission\s*\|\s*access\s*\|/i.test(l));
  assert.ok(start >= 0, `${file} has a permissions table`);
  const rows: Record<string, string> = {};
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [name = '', access = ''] = line
      .split('|')
      .slice(1)
      .map((cell) => cell.trim());
    rows[name] = access;
  }
  return rows;
}

describe('permissions', () => {
  it('app.yml asks for write only where the App writes: checks and pull requests', () => {
    assert.deepEqual(declared(), { Checks: 'write', 'Pull requests': 'write', Contents: 'read', Issues: 'read', Metadata: 'read' });
  });

  for (const file of ['README.md', 'docs/github-app.md']) {
    it(`${file} lists exactly app.yml's permissions`, () => {
      assert.deepEqual(tableIn(file), declared());
    });
  }
});
