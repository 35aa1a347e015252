/**
 * Extracts, from GitHub's OpenAPI description (@octokit/openapi, api.github.com, dereferenced), the
 * parameters and request-body schemas of the REST operations the app calls, into
 * fixtures/github/openapi-requests.json. The tests validate every request the app sends against it;
 * the full description (73 MB) is too large to load in each test.
 *
 *   npx tsc -p . --outDir .build/app && node .build/app/scripts/extract-github-schemas.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The REST operations the app (and Probot on its behalf) calls. */
export const OPERATIONS = [
  'apps/create-installation-access-token',
  'apps/get-authenticated',
  'apps/list-webhook-deliveries',
  'apps/redeliver-webhook-delivery',
  'checks/create',
  'checks/list-for-ref',
  'checks/get',
  'checks/update',
  'issues/create-comment',
  'pulls/create-review',
  'pulls/get',
  'pulls/list',
  'pulls/list-files',
  'reactions/create-for-issue-comment',
  'repos/create-commit-status',
  'repos/get-collaborator-permission-level',
  'repos/get-content',
  'repos/list-pull-requests-associated-with-commit',
] as const;

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean; schema: unknown }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
}

const DROP = new Set(['description', 'example', 'examples', 'title']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (DROP.has(key) && typeof v !== 'object') continue;
    out[key] = strip(v);
  }
  return out;
}

function main(): void {
  const require = createRequire(import.meta.url);
  const specPath = require.resolve('@octokit/openapi/generated/api.github.com.deref.json');
  const version = (JSON.parse(readFileSync(require.resolve('@octokit/openapi/package.json'), 'utf8')) as { version: string }).version;
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const operations: unknown[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!(OPERATIONS as readonly string[]).includes(op.operationId)) continue;
      const body = op.requestBody?.content['application/json']?.schema;
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? [])
          .filter((p) => p.in === 'path' || p.in === 'query')
          .map((p) => ({ name: p.name, in: p.in, required: p.required === true, schema: strip(p.schema) })),
        ...(body ? { requestBody: { required: op.requestBody?.required === true, schema: strip(body) } } : {}),
      });
    }
  }
  operations.sort((a, b) => (a as Operation).operationId.localeCompare((b as Operation).operationId));
  const missing = OPERATIONS.filter((id) => !operations.some((o) => (o as Operation).operationId === id));
  if (missing.length > 0) throw new Error(`operations not found: ${missing.join(', ')}`);
  const out = { source: `@octokit/openapi ${version}, generated/api.github.com.deref.json`, operations };
  writeFileSync(join(process.cwd(), 'fixtures', 'github', 'openapi-requests.json'), JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${operations.length} operations`);
}

main();
