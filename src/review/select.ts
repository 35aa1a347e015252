import { posix } from 'node:path';
import { goModCandidates } from '../analysis/go-version.js';
import { excludeMatcher } from '../config/excludes.js';
import { DEFAULT_EXCLUDES } from '../config/schema.js';
import { parseFilePatch, type ChangeStatus, type ChangedFile } from '../diff/parse.js';
import type { PullRequestFile } from './ports.js';

/** A changed file the run did not analyse (or analysed without being able to place findings), and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
  /** Go code in scope that the run could not check (not excluded, not generated): the check cannot be green. */
  readonly unchecked?: boolean;
}

/** What a run looks at, decided from the pull request's file list and the configuration. */
export interface Selection {
  /** Every changed Go file (removed ones included), by path, with its parsed patch. */
  readonly changed: ReadonlyMap<string, ChangedFile>;
  /** Changed Go files that will be analysed. */
  readonly analysable: readonly string[];
  /** The directories (Go packages) of the analysable files, "." for the root, sorted. */
  readonly dirs: readonly string[];
  /** Where the go.mod files governing those directories may be, nearest first per directory, deduplicated. */
  readonly goModCandidates: readonly string[];
  readonly skipped: readonly SkippedFile[];
}

/**
 * selectGoFiles picks the Go files of a pull request worth analysing: changed, not removed, not
 * excluded by default (vendor/, testdata/) or by the configuration's `exclude` globs (matched
 * beforehand, off the event loop: `excludedByConfig`). Generated files are recognised later, from
 * their content, by the analyzer.
 */
export function selectGoFiles(files: readonly PullRequestFile[], excludedByConfig: ReadonlySet<string> = new Set()): Selection {
  const byDefault = excludeMatcher(DEFAULT_EXCLUDES);
  const changed = new Map<string, ChangedFile>();
  const analysable: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    if (!file.filename.endsWith('.go')) continue;
    const status = changeStatus(file.status);
    const { hunks, addedLines } = parseFilePatch(file.patch);
    changed.set(file.filename, {
      path: file.filename,
      ...(file.previousFilename ? { oldPath: file.previousFilename } : {}),
      status,
      hunks,
      addedLines,
      patchAvailable: file.patch !== undefined,
    });
    if (status === 'removed') continue;
    if (byDefault(file.filename)) {
      skipped.push({ path: file.filename, reason: 'vendored code or test data (always excluded)' });
      continue;
    }
    if (excludedByConfig.has(file.filename)) {
      skipped.push({ path: file.filename, reason: 'excluded by `exclude` in .github/leakhound.yml' });
      continue;
    }
    // A file that was only moved (renamed, nothing changed) has no patch either, and nothing to place.
    if (file.patch === undefined && !(status === 'renamed' && file.changes === 0)) {
      skipped.push({
        path: file.filename,
        reason: 'GitHub sent no diff for it (too large); analysed for context, findings not placed',
        unchecked: true,
      });
    }
    analysable.push(file.filename);
  }
  const dirs = [...new Set(analysable.map((p) => posix.dirname(p)))].sort();
  const goMods = [...new Set(dirs.flatMap((d) => goModCandidates(d === '.' ? 'x.go' : `${d}/x.go`)))];
  return { changed, analysable, dirs, goModCandidates: goMods, skipped };
}

function changeStatus(status: string): ChangeStatus {
  switch (status) {
    case 'added':
    case 'copied':
      return 'added';
    case 'removed':
      return 'removed';
    case 'renamed':
      return 'renamed';
    default:
      return 'modified';
  }
}
