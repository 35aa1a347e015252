import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import { normalizeConfig, type LoadedConfig } from '../src/config/load.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { markersIn } from '../src/review/fingerprint.js';
import type { CheckResult, OurThread, PullRequestFile, ReviewDraft, ReviewState } from '../src/review/ports.js';
import { runReview, type RunPorts } from '../src/review/run-review.js';
import { RULE_IDS } from '../src/rules/index.js';
import { prSnapshots } from './helpers/app-fixtures.js';
import { githubPatch } from './helpers/patch.js';
import { RULES } from '../src/rules/index.js';

const snapshots = prSnapshots();
const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);

/** The pipeline's ports over an in-memory pull request; records what the run wrote. */
class MemoryPorts {
  head: Record<string, string>;
  headSha: string;
  reportedHead: string | undefined;
  loaded: LoadedConfig = { config: DEFAULT_CONFIG, errors: [] };
  threads: OurThread[] = [];
  listedInBodies = new Set<string>();
  readonly reviews: ReviewDraft[] = [];
  readonly results: CheckResult[] = [];
  readonly resolved: string[] = [];
  readonly calls: string[] = [];
  reviewFailures: { status: number; message: string }[] = [];
  failListFiles = false;

  constructor(head: Record<string, string>, headSha: string) {
    this.head = head;
    this.headSha = headSha;
  }

  files(): PullRequestFile[] {
    const paths = [...new Set([...Object.keys(snapshots.base), ...Object.keys(this.head)])].sort();
    return paths
      .filter((p) => snapshots.base[p] !== this.head[p])
      .map((p) => ({
        filename: p,
        status: snapshots.base[p] === undefined ? 'added' : 'modified',
        patch: githubPatch(snapshots.base[p], this.head[p]).patch,
      }));
  }

  ports(): RunPorts {
    return {
      analyze: async (files, options) => analyze(files, RULES, options),
      source: {
        loadConfig: async () => (this.calls.push('config'), this.loaded),
        listFiles: async () => {
          this.calls.push('files');
          if (this.failListFiles) throw Object.assign(new Error('Server Error'), { status: 502 });
          return this.files();
        },
        fetchFiles: async (_sha, dirs, goModPaths) => {
          this.calls.push('fetch');
          const inDirs = Object.keys(this.head).filter(
            (p) => p.endsWith('.go') && dirs.includes(p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.'),
          );
          return {
            files: inDirs.map((path) => ({ path, content: this.head[path] ?? '' })),
            goMods: goModPaths.filter((p) => this.head[p] !== undefined).map((path) => ({ path, content: this.head[path] ?? '' })),
            problems: [],
          };
        },
      },
      checks: {
        start: async () => {
          this.calls.push('check:start');
          return {
            complete: async (result) => void (this.calls.push('check:complete'), this.results.push(result)),
            // An amended summary replaces the completed one, as on GitHub.
            amend: async (result) => void (this.calls.push('check:amend'), this.results.splice(-1, 1, result)),
          };
        },
      },
      reviews: {
        readState: async (): Promise<ReviewState> => {
          this.calls.push('state');
          return { headSha: this.reportedHead ?? this.headSha, threads: this.threads, listedInBodies: this.listedInBodies };
        },
        postReview: async (review) => {
          this.calls.push('review');
          const failure = this.reviewFailures.shift();
          if (failure) throw Object.assign(new Error(failure.message), { status: failure.status });
          this.reviews.push(review);
          // GitHub turns each comment into a thread of ours.
          for (const c of review.comments) {
            this.threads.push({
              id: `T${this.threads.length}`,
              path: c.path,
              fingerprints: markersIn(c.body),
              isResolved: false,
              resolvedByUs: false,
            });
          }
          for (const fp of markersIn(review.body)) this.listedInBodies.add(fp);
        },
        resolveThreads: async (ids) => {
          this.calls.push('resolve');
          this.resolved.push(...ids);
          this.threads = this.threads.map((t) => (ids.includes(t.id) ? { ...t, isResolved: true, resolvedByUs: true } : t));
          return [...ids];
        },
      },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    };
  }

  run(headSha = this.headSha) {
    return runReview({ owner: 'o', repo: 'r', pullNumber: 2, headSha, htmlUrl: 'https://github.com/o/r', trigger: 'test' }, this.ports());
  }
}

describe('runReview', () => {
  it('posts one review with a comment per finding on the changed lines, each with its suggestion, and completes the check run', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    const report = await gh.run();
    assert.deepEqual(gh.calls, ['check:start', 'config', 'files', 'fetch', 'state', 'check:complete', 'review']);
    assert.equal(gh.reviews.length, 1);
    const review = gh.reviews[0];
    assert.equal(review?.commitId, SHA1);
    assert.deepEqual(
      review?.comments.map((c) => [c.path, c.line, c.startLine]),
      [
        ['pkg/fetch/fetch.go', 17, undefined],
        ['pkg/fetch/fetch.go', 16, undefined],
        ['pkg/fetch/fetch.go', 29, undefined],
      ],
      'most severe first: the error, then the warnings',
    );
    for (const c of review?.comments ?? []) assert.match(c.body, /```suggestion\n/);
    assert.match(review?.comments[0]?.body ?? '', /```suggestion\n\tch := make\(chan Result, 1\)\n```/);
    assert.equal(report.commentsPosted, 3);
    const result = gh.results[0];
    assert.equal(result?.conclusion, 'failure');
    assert.equal(result?.title, '3 leaks in the changed lines (1 error, 2 warnings)');
    assert.deepEqual(
      result?.annotations.map((a) => [a.path, a.startLine, a.level]),
      [
        ['pkg/fetch/fetch.go', 17, 'failure'],
        ['pkg/fetch/fetch.go', 16, 'warning'],
        ['pkg/fetch/fetch.go', 29, 'warning'],
      ],
    );
    assert.match(result?.summary ?? '', /Posted 3 review comments\./);
  });

  it('posts only high-confidence findings inline; medium ones are notice annotations the summary counts, low ones are left out', async () => {
    // A handler keeping its request (medium), a map emptied key by key (low), next to the push's high findings.
    const extra = [
      'package fetch',
      '',
      'import "net/http"',
      '',
      'var last *http.Request',
      '',
      'func remember(w http.ResponseWriter, r *http.Request) {',
      '\tlast = r',
      '}',
      '',
      'var cache = map[string]*http.Request{}',
      '',
      'func forget() {',
      '\tfor k := range cache {',
      '\t\tdelete(cache, k)',
      '\t}',
      '}',
      '',
    ].join('\n');
    const gh = new MemoryPorts({ ...snapshots.push1, 'pkg/fetch/handler.go': extra }, SHA1);
    await gh.run();
    assert.deepEqual(
      gh.reviews[0]?.comments.map((c) => c.path),
      ['pkg/fetch/fetch.go', 'pkg/fetch/fetch.go', 'pkg/fetch/fetch.go'],
      'only the three high-confidence findings are review comments',
    );
    const result = gh.results[0];
    const medium = result?.annotations.find((a) => a.path === 'pkg/fetch/handler.go');
    assert.equal(medium?.startLine, 8);
    assert.equal(medium?.level, 'notice');
    assert.equal(result?.annotations.length, 4, 'the low-confidence map-clear-loop finding is not listed');
    assert.match(
      result?.summary ?? '',
      /1 finding in the change is of medium confidence: listed here as annotations \(notice level\), not posted as review comments/,
    );
    assert.match(
      result?.summary ?? '',
      /1 finding of lower confidence than `min_confidence: medium` is not shown; set `min_confidence: low`/,
    );
    assert.match(result?.text ?? '', /\*\*notice\*\* \(medium confidence\) `pkg\/fetch\/handler\.go:8`/);
  });

  it('fails the check only on high-confidence findings', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.loaded = normalizeConfig({ fail_on: 'notice', min_confidence: 'low' }, RULE_IDS);
    gh.head = {
      ...snapshots.base,
      'pkg/fetch/reset.go':
        'package fetch\n\nvar seen = map[string]*Result{}\n\nfunc forget() {\n\tfor k := range seen {\n\t\tdelete(seen, k)\n\t}\n}\n',
    };
    await gh.run();
    const result = gh.results[0];
    assert.equal(result?.annotations.length, 1, 'the low finding is listed when min_confidence is low');
    assert.equal(result?.conclusion, 'neutral', 'a notice at fail_on, but not of high confidence: advice, not a failure');
    assert.equal(gh.reviews.length, 0, 'nothing inline');
  });

  it('on the next push posts only the new finding and resolves the thread of the fixed one', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    await gh.run();
    const unbuffered = gh.threads[0]?.id;
    gh.head = snapshots.push2;
    gh.headSha = SHA2;
    const report = await gh.run();
    assert.equal(gh.reviews.length, 2);
    assert.deepEqual(
      gh.reviews[1]?.comments.map((c) => c.line),
      [29],
    );
    assert.match(gh.reviews[1]?.comments[0]?.body ?? '', /stop is never called/);
    assert.deepEqual(gh.resolved, [unbuffered]);
    assert.equal(report.threadsResolved, 1);
    assert.equal(gh.results[1]?.conclusion, 'neutral', 'only warnings remain; fail_on is error');
    assert.match(gh.results[1]?.summary ?? '', /2 findings were already reported\.[\s\S]*Resolved 1 thread of fixed findings\./);
  });

  it('re-running the same commit posts nothing and resolves nothing', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    await gh.run();
    await gh.run();
    assert.equal(gh.reviews.length, 1);
    assert.deepEqual(gh.resolved, []);
    assert.equal(gh.results[1]?.conclusion, 'failure');
  });

  it('respects a thread a person resolved, and reports again a finding whose thread we resolved', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    await gh.run();
    gh.threads = gh.threads.map((t, i) => ({ ...t, isResolved: true, resolvedByUs: i === 0 }));
    await gh.run();
    assert.deepEqual(
      gh.reviews[1]?.comments.map((c) => c.line),
      [17],
    );
  });

  it('skips the review when the head moved, but completes the check run saying so', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.reportedHead = SHA2;
    const report = await gh.run();
    assert.equal(report.superseded, true);
    assert.deepEqual(gh.calls, ['check:start', 'config', 'files', 'fetch', 'state', 'check:complete']);
    assert.equal(gh.results[0]?.conclusion, 'failure');
    assert.equal(gh.results[0]?.annotations.length, 3);
    assert.match(gh.results[0]?.summary ?? '', /Superseded: the pull request moved on to 2222222/);
  });

  it('posts at most max_comments comments and lists the rest in the review body', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.loaded = { config: { ...DEFAULT_CONFIG, max_comments: 1 }, errors: [] };
    await gh.run();
    assert.equal(gh.reviews[0]?.comments.length, 1);
    assert.match(gh.reviews[0]?.body ?? '', /Not posted as comments \(at most 1 per run/);
    assert.equal(markersIn(gh.reviews[0]?.body).length, 2);
    await gh.run();
    assert.equal(gh.reviews.length, 1, 'listed findings are not listed again');
  });

  it('writes only the check run when review comments are off', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.loaded = { config: { ...DEFAULT_CONFIG, review_comments: false }, errors: [] };
    await gh.run();
    assert.deepEqual(gh.calls, ['check:start', 'config', 'files', 'fetch', 'check:complete']);
    assert.match(gh.results[0]?.summary ?? '', /Review comments are off/);
  });

  it('falls back to a body-only review when GitHub refuses the comments, and keeps the findings in the check run when that fails too', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.reviewFailures = [{ status: 422, message: 'Unprocessable Entity' }];
    await gh.run();
    assert.equal(gh.reviews[0]?.comments.length, 0);
    assert.equal(markersIn(gh.reviews[0]?.body).length, 3);

    const down = new MemoryPorts(snapshots.push1, SHA1);
    down.reviewFailures = [
      { status: 422, message: 'Unprocessable Entity' },
      { status: 502, message: 'Bad Gateway' },
    ];
    const report = await down.run();
    assert.equal(report.reviewError, 'Bad Gateway');
    assert.equal(down.results[0]?.annotations.length, 3);
    assert.match(down.results[0]?.summary ?? '', /The review could not be posted \(Bad Gateway\)/);
    assert.match(down.results[0]?.text ?? '', /unbuffered-send-leak/);
  });

  it('reports configuration errors in the summary and uses the valid settings', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.loaded = normalizeConfig({ fail_on: 'sometimes', rules: { 'unbuffered-send-leak': 'off', 'no-such-rule': 'error' } }, RULE_IDS);
    await gh.run();
    const summary = gh.results[0]?.summary ?? '';
    assert.match(summary, /### Configuration/);
    assert.match(summary, /fail\\_on/);
    assert.match(summary, /no-such-rule/);
    assert.equal(gh.results[0]?.annotations.length, 2, 'the rule switched off reports nothing');
    assert.equal(gh.results[0]?.conclusion, 'neutral');
  });

  it('completes the check run as neutral, naming the failed step, and rethrows', async () => {
    const gh = new MemoryPorts(snapshots.push1, SHA1);
    gh.failListFiles = true;
    await assert.rejects(gh.run(), /list the pull request files failed: HTTP 502, Server Error/);
    assert.equal(gh.results[0]?.conclusion, 'neutral');
    assert.match(gh.results[0]?.summary ?? '', /list the pull request files failed/);
  });

  it('succeeds with an empty check run when no Go file changed', async () => {
    const gh = new MemoryPorts(snapshots.base, SHA1);
    const report = await gh.run();
    assert.equal(report.conclusion, 'success');
    assert.deepEqual(gh.calls, ['check:start', 'config', 'files', 'state', 'check:complete']);
    assert.equal(gh.results[0]?.title, 'No leaks in the changed lines');
  });
});
