/**
 * The Go pull request the app's tests review (fixtures/github/pr): a base commit and two pushes.
 * Push 1 adds three leaks; push 2 fixes one (buffers the channel) and adds one (an uncalled cancel).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Finding } from '../../src/model.js';
import { fingerprintOf } from '../../src/analysis/fingerprint.js';
import { APP_ID } from './app-harness.js';
import { FakeGitHub } from './fake-github.js';

/** Directory of the pull request fixture. */
export const PR_FIXTURE = join(process.cwd(), 'fixtures', 'github', 'pr');

function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) visit(full);
      else files[relative(dir, full).split('\\').join('/')] = readFileSync(full, 'utf8');
    }
  };
  visit(dir);
  return files;
}

/** The repository at the base commit and after each push (each push overlays the base). */
export function prSnapshots(): { base: Record<string, string>; push1: Record<string, string>; push2: Record<string, string> } {
  const base = readTree(join(PR_FIXTURE, 'base'));
  return {
    base,
    push1: { ...base, ...readTree(join(PR_FIXTURE, 'push1')) },
    push2: { ...base, ...readTree(join(PR_FIXTURE, 'push2')) },
  };
}

/** A synthetic finding for tests that do not need the analyzer. */
export function finding(overrides: Partial<Finding> & Pick<Finding, 'path' | 'line'>): Finding {
  const base: Omit<Finding, 'fingerprint'> = {
    rule: 'context-cancel-leak',
    severity: 'warning',
    confidence: 'high',
    column: 2,
    endLine: overrides.line,
    endColumn: 10,
    message: 'the cancel function of context.WithTimeout is discarded; the context stays reachable',
    anchorText: `ctx, _ := context.WithTimeout(parent, time.Second) // ${overrides.line}`,
    fix: null,
    ...overrides,
  };
  return { ...base, fingerprint: overrides.fingerprint ?? fingerprintOf(base.rule, base.path, base.anchorText) };
}

/** A GitHub-style per-file patch of a file added with `lines` lines. */
export function addedFilePatch(lines: number): string {
  return [`@@ -0,0 +1,${lines} @@`, ...Array.from({ length: lines }, (_, i) => `+line ${i + 1}`)].join('\n');
}

/**
 * A started fake GitHub holding pull request #2 of {@link prSnapshots}, from the base commit to the
 * first push (whose SHA is `headSha` when given: a real checkout's). Stop it when done.
 */
export async function fakeWithPullRequest(publicKey: string, headSha?: string): Promise<{ fake: FakeGitHub; head: string }> {
  const fake = new FakeGitHub({ appId: APP_ID, publicKey });
  await fake.start();
  const snapshots = prSnapshots();
  const base = fake.commit(snapshots.base);
  const head = fake.commit(snapshots.push1, headSha);
  fake.openPull(2, base, head, 'Codertocat');
  return { fake, head };
}
