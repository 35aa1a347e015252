/** Reads the Go files of package directories from disk (the CLI's diff, and token mode's checkout). */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../model.js';
import { readSourceFile } from './read-source.js';

/** The Go files read, and those that could not be. */
export interface PackageFiles {
  readonly files: SourceFile[];
  readonly unreadable: Array<{ path: string; reason: string }>;
}

/**
 * readPackageFiles reads every `.go` file directly inside each of `dirs` (absolute paths), naming
 * each by `pathOf(absolute)`. A directory that cannot be listed is left out (it is gone, or not one).
 * With `skipSymlinks`, a symbolic link is named and not followed, as the App treats one in a commit.
 */
export function readPackageFiles(
  dirs: Iterable<string>,
  pathOf: (absolute: string) => string,
  options: { readonly skipSymlinks?: boolean } = {},
): PackageFiles {
  const files: SourceFile[] = [];
  const unreadable: Array<{ path: string; reason: string }> = [];
  for (const dir of [...dirs].sort()) {
    let entries: string[];
    try {
      entries = readdirSync(dir)
        .filter((e) => e.endsWith('.go'))
        .sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const absolute = join(dir, entry);
      if (options.skipSymlinks && isSymlink(absolute)) {
        unreadable.push({ path: pathOf(absolute), reason: 'a symbolic link; not followed' });
        continue;
      }
      const read = readSourceFile(absolute);
      if ('content' in read) files.push({ path: pathOf(absolute), content: read.content });
      else if (read.reason !== 'is a directory') unreadable.push({ path: pathOf(absolute), reason: read.reason });
    }
  }
  return { files, unreadable };
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
