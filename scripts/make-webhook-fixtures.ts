/**
 * Writes fixtures/webhooks/*.json: real payloads from @octokit/webhooks-examples (api.github.com),
 * adapted so every event concerns the same installation, repository and pull request
 * (Codertocat/Hello-World#2, installation 1). The adaptations are listed in
 * fixtures/webhooks/README.md; tests override only the head commit, the commenter and similar.
 *
 *   npx tsc -p . --outDir .build/app && node .build/app/scripts/make-webhook-fixtures.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface Example {
  name: string;
  examples: Json[];
}

const INSTALLATION = { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };

function pick(all: Example[], event: string, action: string, where: (e: Json) => boolean = () => true): Json {
  const found = all.find((e) => e.name === event)?.examples.find((e) => e.action === action && where(e));
  if (!found) throw new Error(`no example for ${event}.${action}`);
  return structuredClone(found);
}

function main(): void {
  const require = createRequire(import.meta.url);
  const all = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as Example[];
  const opened = pick(all, 'pull_request', 'opened', (e) => e.installation !== undefined && e.organization === undefined);
  const repository = opened.repository as Json;
  const pullRequest = opened.pull_request as Json;
  const sender = opened.sender as Json;
  const out: Record<string, Json> = {};

  for (const action of ['opened', 'reopened', 'synchronize', 'ready_for_review']) {
    const payload = pick(all, 'pull_request', action, (e) => e.organization === undefined);
    payload.installation = INSTALLATION;
    out[`pull_request.${action}`] = payload;
  }

  // issue_comment examples are on an issue: make it pull request #2 (GitHub adds issue.pull_request for those).
  const comment = pick(all, 'issue_comment', 'created', (e) => e.installation !== undefined);
  const issue = comment.issue as Json;
  issue.number = pullRequest.number;
  issue.user = pullRequest.user;
  issue.pull_request = {
    url: pullRequest.url,
    html_url: pullRequest.html_url,
    diff_url: pullRequest.diff_url,
    patch_url: pullRequest.patch_url,
    merged_at: null,
  };
  (comment.comment as Json).body = '/recheck';
  comment.installation = INSTALLATION;
  out['issue_comment.created'] = comment;

  // check_run examples come from other repositories and apps: name the run "leakhound", move it here.
  for (const action of ['rerequested', 'requested_action']) {
    const payload = pick(all, 'check_run', action);
    const run = payload.check_run as Json;
    run.name = 'leakhound';
    run.head_sha = (pullRequest.head as Json).sha;
    run.pull_requests = [];
    (run.check_suite as Json).head_sha = run.head_sha;
    (run.check_suite as Json).pull_requests = [];
    if (action === 'requested_action') payload.requested_action = { identifier: 'rerun' };
    payload.repository = repository;
    payload.sender = sender;
    payload.installation = INSTALLATION;
    delete payload.organization;
    out[`check_run.${action}`] = payload;
  }

  const suite = pick(all, 'check_suite', 'rerequested');
  suite.installation = INSTALLATION;
  out['check_suite.rerequested'] = suite;

  for (const [name, payload] of Object.entries(out)) {
    writeFileSync(join(process.cwd(), 'fixtures', 'webhooks', `${name}.json`), JSON.stringify(payload, null, 2) + '\n');
  }
  console.log(`wrote ${Object.keys(out).length} payloads`);
}

main();
