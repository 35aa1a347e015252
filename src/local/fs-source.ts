import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
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
  /** Paths that could not be read, with the reason. */
  readonly unreadable: Array<{ path: string; reason: string }>;
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
  const visitedDirs = new Set<string>();
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
        entries = readdirSync(absolute).sort();
      } catch (error) {
        unreadable.push({ path: displayPath(cwd, absolute), reason: (error as Error).message });
        return;
      }
      for (const entry of entries) visit(join(absolute, entry), false);
    } else if (stat.isFile() && (absolute.endsWith('.go') || top)) {
      named.add(absolute);
    }
  };
  for (const p of paths.length > 0 ? paths : ['.']) visit(resolve(cwd, p), true);
  const all = new Set(named);
  for (const file of named) {
    const dir = dirname(file);
    try {
      for (const entry of readdirSync(dir)) if (entry.endsWith('.go')) all.add(join(dir, entry));
    } catch {
      // The directory vanished between the walk and now; its named files are reported unreadable below.
    }
  }
  const files: SourceFile[] = [];
  for (const absolute of [...all].sort()) {
    try {
      files.push({ path: displayPath(cwd, absolute), content: readFileSync(absolute, 'utf8') });
    } catch (error) {
      if (named.has(absolute)) unreadable.push({ path: displayPath(cwd, absolute), reason: String((error as Error).message) });
    }
  }
  return { files, reported: new Set([...named].map((p) => displayPath(cwd, p))), unreadable };
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
