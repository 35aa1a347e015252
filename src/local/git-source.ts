import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { SourceFile } from '../model.js';
import { parseGitDiff, type ChangedFile } from '../diff/parse.js';
import { displayPath } from './fs-source.js';
import { readPackageFiles } from './package-files.js';
import { readSourceFile } from './read-source.js';

const run = promisify(execFile);

/** What `leakhound diff` analyses: the changed Go files' packages, and the change itself. */
export interface LocalChange {
  /** The revision the change is measured against (the merge base). */
  readonly base: string;
  readonly files: SourceFile[];
  /** Changed files by path relative to the working directory. */
  readonly changed: ReadonlyMap<string, ChangedFile>;
  /** Go files of the touched packages that were not read (not regular files, too large), with the reason. */
  readonly unreadable: Array<{ path: string; reason: string }>;
}

/** Runs git with arguments (never through a shell) and returns its standard output. */
async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', [...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** Runs git in `cwd`; its trimmed output, or undefined when it fails. */
export async function tryGit(cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await git(cwd, args)).trim();
  } catch {
    return undefined;
  }
}

/** The default base: the upstream's default branch (origin/HEAD), else `main`. */
export async function defaultBase(cwd: string): Promise<string> {
  const originHead = await tryGit(cwd, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  return originHead || 'main';
}

/**
 * localChange reads the change between the merge base of `base` and HEAD and the working tree
 * (staged, unstaged and untracked files included) and the Go files of every touched package.
 */
export async function localChange(cwd: string, base: string | undefined): Promise<LocalChange> {
  const top = await tryGit(cwd, ['rev-parse', '--show-toplevel']);
  if (!top) throw new Error('not inside a git repository');
  const baseRev = base ?? (await defaultBase(cwd));
  const mergeBase = await tryGit(cwd, ['merge-base', baseRev, 'HEAD']);
  if (!mergeBase) {
    if ((await tryGit(cwd, ['rev-parse', '--is-shallow-repository'])) === 'true') {
      throw new Error(
        `cannot find a merge base with "${baseRev}": this clone's history is shallow (CI checkouts often are); ` +
          `fetch it with "git fetch --unshallow origin" (actions/checkout: fetch-depth: 0), or fetch "${baseRev}" too`,
      );
    }
    throw new Error(`cannot find a merge base with "${baseRev}" (use --base <rev>)`);
  }
  const diffText = await git(top, ['diff', '--no-color', '--no-ext-diff', '-M', mergeBase, '--', '*.go']);
  const changed = new Map<string, ChangedFile>();
  const toLocal = (repoPath: string): string => displayPath(cwd, join(top, repoPath));
  for (const file of parseGitDiff(diffText)) changed.set(toLocal(file.path), { ...file, path: toLocal(file.path) });
  const untracked = (await git(top, ['ls-files', '--others', '--exclude-standard', '-z', '--', '*.go'])).split('\0').filter(Boolean);
  for (const repoPath of untracked) {
    const path = toLocal(repoPath);
    const read = readSourceFile(join(top, repoPath));
    // One that cannot be read stays in the change with no lines: it is named below, with its package's files.
    const lineCount = 'content' in read ? read.content.split('\n').length : 0;
    const addedLines = new Set(Array.from({ length: lineCount }, (_, i) => i + 1));
    changed.set(path, {
      path,
      status: 'added',
      hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: lineCount }],
      addedLines,
      patchAvailable: true,
    });
  }
  const dirs = new Set<string>();
  for (const file of changed.values()) if (file.status !== 'removed') dirs.add(dirname(join(cwd, file.path)));
  const { files, unreadable } = readPackageFiles(dirs, (absolute) => displayPath(cwd, absolute));
  return { base: mergeBase, files, changed, unreadable };
}
