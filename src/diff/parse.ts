import { parsePatch } from 'diff';

/** One hunk of a unified diff, by its line ranges. */
export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
}

/** How a file changed. */
export type ChangeStatus = 'added' | 'modified' | 'removed' | 'renamed';

/** A changed file as the filter needs it: new-side hunks and the added (or modified) lines. */
export interface ChangedFile {
  /** The path on the new side (the old path for a removed file). */
  readonly path: string;
  readonly oldPath?: string;
  readonly status: ChangeStatus;
  readonly hunks: readonly Hunk[];
  /** New-side line numbers that were added or modified. */
  readonly addedLines: ReadonlySet<number>;
  /** False when the diff text was not available (GitHub omits it for large or binary diffs). */
  readonly patchAvailable: boolean;
}

/** The hunks and added lines of one file's patch (GitHub's per-file `patch`, which has no file headers). */
export function parseFilePatch(patch: string | undefined): { hunks: Hunk[]; addedLines: Set<number> } {
  if (!patch) return { hunks: [], addedLines: new Set() };
  const parsed = safeParse(patch.startsWith('@@') ? `--- a\n+++ b\n${patch}` : patch);
  const hunks: Hunk[] = [];
  const addedLines = new Set<number>();
  for (const file of parsed) collectHunks(file.hunks, hunks, addedLines);
  return { hunks, addedLines };
}

/**
 * parseGitDiff reads `git diff` output (several files, with renames, new and deleted files) into
 * changed files. Binary files and pure renames come out with no hunks.
 */
export function parseGitDiff(text: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const chunk of splitGitDiff(text)) {
    const header = chunk.split('\n', 12).join('\n');
    const parsed = safeParse(chunk)[0];
    const gitNames = /^diff --git a\/(.+?) b\/(.+)$/m.exec(header);
    const renameFrom = /^rename from (.+)$/m.exec(header)?.[1];
    const renameTo = /^rename to (.+)$/m.exec(header)?.[1];
    const oldName = stripPrefix(parsed?.oldFileName) ?? renameFrom ?? gitNames?.[1];
    const newName = stripPrefix(parsed?.newFileName) ?? renameTo ?? gitNames?.[2];
    const isNew = /^new file mode/m.test(header) || parsed?.oldFileName === '/dev/null';
    const isDeleted = /^deleted file mode/m.test(header) || parsed?.newFileName === '/dev/null';
    const hunks: Hunk[] = [];
    const addedLines = new Set<number>();
    collectHunks(parsed?.hunks ?? [], hunks, addedLines);
    const path = isDeleted ? oldName : newName;
    if (!path) continue;
    const status: ChangeStatus = isNew
      ? 'added'
      : isDeleted
        ? 'removed'
        : oldName && newName && oldName !== newName
          ? 'renamed'
          : 'modified';
    files.push({
      path,
      ...(status === 'renamed' && oldName ? { oldPath: oldName } : {}),
      status,
      hunks,
      addedLines,
      patchAvailable: !/^Binary files /m.test(chunk),
    });
  }
  return files;
}

/** Whether a new-side line lies inside one of the hunks (context lines included). */
export function lineInHunks(hunks: readonly Hunk[], line: number): boolean {
  return hunks.some((h) => line >= h.newStart && line < h.newStart + h.newLines);
}

/** The hunk that contains a new-side line. */
export function hunkOf(hunks: readonly Hunk[], line: number): Hunk | undefined {
  return hunks.find((h) => line >= h.newStart && line < h.newStart + h.newLines);
}

function collectHunks(input: ReturnType<typeof parsePatch>[number]['hunks'], hunks: Hunk[], addedLines: Set<number>): void {
  for (const hunk of input) {
    hunks.push({ oldStart: hunk.oldStart, oldLines: hunk.oldLines, newStart: hunk.newStart, newLines: hunk.newLines });
    let line = hunk.newStart;
    for (const text of hunk.lines) {
      if (text.startsWith('+')) addedLines.add(line++);
      else if (text.startsWith(' ')) line++;
    }
  }
}

function splitGitDiff(text: string): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ') && current.length > 0) {
      chunks.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  if (current.some((l) => l.startsWith('diff --git '))) chunks.push(current.join('\n'));
  return chunks;
}

function stripPrefix(name: string | undefined): string | undefined {
  if (!name || name === '/dev/null') return undefined;
  return name.replace(/^[ab]\//, '').replace(/\t.*$/, '');
}

function safeParse(text: string): ReturnType<typeof parsePatch> {
  try {
    return parsePatch(text);
  } catch {
    return [];
  }
}
