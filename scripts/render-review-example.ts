/**
 * Prints, as Markdown, the review the app posts for the first push of the fixture pull request
 * (fixtures/github/pr): the review body and every comment, exactly as sent. docs/github-app.md
 * quotes its output.
 *
 *   npx tsc -p . --outDir .build/app && node .build/app/scripts/render-review-example.js
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze } from '../src/analysis/analyze.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import type { ReviewDraft } from '../src/review/ports.js';
import { runReview } from '../src/review/run-review.js';
import { structuredPatch } from 'diff';
import { RULES } from '../src/rules/index.js';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) visit(full);
      else out[relative(dir, full).split('\\').join('/')] = readFileSync(full, 'utf8');
    }
  };
  visit(dir);
  return out;
}

async function main(): Promise<void> {
  const root = join(process.cwd(), 'fixtures', 'github', 'pr');
  const base = tree(join(root, 'base'));
  const head = { ...base, ...tree(join(root, 'push1')) };
  const changed = Object.keys(head).filter((p) => base[p] !== head[p]);
  const reviews: ReviewDraft[] = [];
  await runReview(
    {
      owner: 'Codertocat',
      repo: 'Hello-World',
      pullNumber: 2,
      headSha: '5f0c3e1b2a9d8c7e6f5a4b3c2d1e0f9a8b7c6d5e',
      htmlUrl: 'https://github.com/Codertocat/Hello-World',
      trigger: 'example',
    },
    {
      analyze: async (files, options) => analyze(files, RULES, options),
      source: {
        loadConfig: async () => ({ config: DEFAULT_CONFIG, errors: [] }),
        listFiles: async () =>
          changed.map((p) => {
            const hunks = structuredPatch(p, p, base[p] ?? '', head[p] ?? '', '', '', { context: 3 }).hunks;
            const patch = hunks
              .map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines].join('\n'))
              .join('\n');
            return { filename: p, status: 'modified', patch };
          }),
        fetchFiles: async (_sha, dirs) => ({
          files: Object.entries(head)
            .filter(([p]) => p.endsWith('.go') && dirs.some((d) => p.startsWith(`${d}/`)))
            .map(([path, content]) => ({ path, content })),
          goMods: [{ path: 'go.mod', content: head['go.mod'] ?? '' }],
          problems: [],
        }),
      },
      checks: { start: async () => ({ complete: async () => undefined }) },
      reviews: {
        readState: async () => ({ headSha: '5f0c3e1b2a9d8c7e6f5a4b3c2d1e0f9a8b7c6d5e', threads: [], listedInBodies: new Set() }),
        postReview: async (r) => void reviews.push(r),
        resolveThreads: async () => [],
      },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    },
  );
  for (const review of reviews) {
    console.log(`## Review body\n\n${review.body}\n`);
    for (const c of review.comments)
      console.log(`## Comment on ${c.path} line ${c.startLine ? `${c.startLine}-` : ''}${c.line}\n\n${c.body}\n`);
  }
}

void main();
