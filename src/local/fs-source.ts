import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readSourceFile } from './read-source.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { goModVersion, type GoVersion } from '../analysis/go-version.js';
import type { SourceFile } from '../analysis/model.js';

/** Directories never entered when walking a tree, unless named on the command line. */
const SKIPPED_DIRS = new Set(['vendor', 'testdata', 'node_modules', '.git']);

/** The Go files to analyse for a set of command-line paths, and which of them to report on. */
export interface LocalFiles {
  /** Every file to analyse: the named ones plus their package siblings (for package-wide context). */
  readonly files: SourceFile[];
  /** Paths (relative to the working directory) whose findings are reported. */
  readonly reported: ReadonlySet<string>;
  /** Named paths (or files found under a named directory) that could not be read, with the reason: the command fails. */
  readonly unreadable: Array<{ path: string; reason: string }>;
  /** Files not analysed on purpose (too large), and package siblings that could not be read, with the reason. */
  readonly notAnalysed: Array<{ path: string; reason: string }>;
}

/** A path relative to `cwd` with forward slashes, as reports show it. */
export function displayPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

/**
 * collectGoFiles expands files and directories (recursively, skipping vendor/ and testdata/
 * below a named directory) into Go files. Each file's package siblings are read too, so
 * package-wide questions see the whole package; findings are reported only for the named files.
 */
export function collectGoFiles(paths: readonly string[], cwd: string): LocalFiles {
  const named = new Set<string>();
  const unreadable: Array<{ path: string; reason: string }> = [];
  const notAnalysed: Array<{ path: string; reason: string }> = [];
  const visitedDirs = new Set<string>();
  /** Directory listings, read once each: a folder of 20,000 files is listed once, not once per file. */
  const listings = new Map<string, string[]>();
  const list = (dir: string): string[] => {
    let entries = listings.get(dir);
    if (!entries) {
      entries = readdirSync(dir).sort();
      listings.set(dir, entries);
    }
    return entries;
  };
  const visit = (absolute: string, top: boolean): void => {
    let stat;
    try {
      stat = statSync(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A dangling symlink met while walking is not worth a message; a named path that is missing is.
      if (top || code !== 'ENOENT') {
        const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'ELOOP' ? 'symbolic link loop' : String(error);
        unreadable.push({ path: displayPath(cwd, absolute), reason });
      }
      return;
    }
    if (stat.isDirectory()) {
      if (!top && SKIPPED_DIRS.has(absolute.split(sep).pop() ?? '')) return;
      // Another repository (a git submodule) is not part of this one.
      if (!top && existsSync(join(absolute, '.git'))) return;
      // Symbolic links may form loops or reach the same directory twice: visit each real directory once.
      const real = realpathSync(absolute);
      if (visitedDirs.has(real)) return;
      visitedDirs.add(real);
      let entries: string[];
      try {
        entries = list(absolute);
      } catch (error) {
        unreadable.push({ path: displayPath(cwd, absolute), reason: (error as Error).message });
        return;
      }
      for (const entry of entries) visit(join(absolute, entry), false);
    } else if (stat.isFile() && (absolute.endsWith('.go') || top)) {
      named.add(absolute);
    } else if (absolute.endsWith('.go') || top) {
      // A FIFO, a device (a symlink to /dev/zero), a socket: never opened.
      unreadable.push({ path: displayPath(cwd, absolute), reason: 'not a regular file' });
    }
  };
  for (const p of paths.length > 0 ? paths : ['.']) visit(resolve(cwd, p), true);
  const all = new Set(named);
  for (const dir of new Set([...named].map((file) => dirname(file)))) {
    try {
      for (const entry of list(dir)) if (entry.endsWith('.go')) all.add(join(dir, entry));
    } catch {
      // The directory vanished between the walk and now; its named files are reported unreadable below.
    }
  }
  const files: SourceFile[] = [];
  const reported = new Set<string>();
  for (const absolute of [...all].sort()) {
    const path = displayPath(cwd, absolute);
    const read = readSourceFile(absolute);
    if ('content' in read) {
      files.push({ path, content: read.content });
      if (named.has(absolute)) reported.add(path);
    } else if (read.reason !== 'is a directory') {
      // A directory named x.go is a directory; anything else that could not be read is named.
      const isNamed = named.has(absolute);
      const entry = { path, reason: isNamed ? read.reason : `${read.reason} (a file of the same package)` };
      (isNamed && read.problem === 'unreadable' ? unreadable : notAnalysed).push(entry);
    }
  }
  return { files, reported, unreadable, notAnalysed };
}

/** Finds each file's Go version from the nearest go.mod on disk, caching by directory. */
export function goVersionFromDisk(cwd: string): (path: string) => GoVersion | undefined {
  const cache = new Map<string, GoVersion | undefined>();
  const lookup = (dir: string): GoVersion | undefined => {
    if (cache.has(dir)) return cache.get(dir);
    const mod = join(dir, 'go.mod');
    let version: GoVersion | undefined;
    if (existsSync(mod)) version = goModVersion(readFileSync(mod, 'utf8'));
    else if (dirname(dir) !== dir) version = lookup(dirname(dir));
    cache.set(dir, version);
    return version;
  };
  return (path) => lookup(dirname(resolve(cwd, path)));
}
