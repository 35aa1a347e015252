import { structuredPatch } from 'diff';

/**
 * githubPatch renders the change of one file the way `pulls.listFiles` returns it in `patch`: hunks
 * only, no file headers, three lines of context, "-0,0" for an added file.
 */
export function githubPatch(
  before: string | undefined,
  after: string | undefined,
): { patch: string; additions: number; deletions: number } {
  const parsed = structuredPatch('a', 'b', before ?? '', after ?? '', '', '', { context: 3 });
  let additions = 0;
  let deletions = 0;
  const patch = parsed.hunks
    .map((h) => {
      for (const l of h.lines) {
        if (l.startsWith('+')) additions++;
        else if (l.startsWith('-')) deletions++;
      }
      const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
      const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
      return [`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, ...h.lines].join('\n');
    })
    .join('\n');
  return { patch, additions, deletions };
}
