import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { goModVersion, type GoVersion } from '../analysis/go-version.js';
import type { SourceFile } from '../model.js';
import { describeFsError, readSourceFile } from './read-source.js';

/** Directories never entered by `...`, whatever their name's first character. */
const SKIPPED_DIRS = new Set(['vendor', 'testdata', 'node_modules']);

/** Whether the go tool leaves a directory or file out of `...` (and a package): `_x`, `.x`, vendor, testdata. */
function ignoredByGo(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || SKIPPED_DIRS.has(name);
}

/** The Go files to analyse for a set of command-line patterns, and which of them to report on. */
export interface LocalFiles {
  /** Every file to analyse: the named ones plus their package siblings (for package-wide context). */
  readonly files: SourceFile[];
  /** Paths (as reports show them) whose findings are reported. */
  readonly reported: ReadonlySet<string>;
  /** Named paths (or files a pattern matched) that could not be read, with the reason: the command fails. */
  readonly unreadable: Array<{ path: string; reason: string }>;
  /** Files not analysed on purpose (too large), and package siblings that could not be read, with the reason. */
  readonly notAnalysed: Array<{ path: string; reason: string }>;
  /** Patterns that matched no Go file (`no Go files in <pattern>`): the command fails, as go vet does. */
  readonly empty: string[];
}

/**
 * A path as reports show it, with forward slashes: relative to `cwd` when it lies under it,
 * otherwise absolute (so `check /tmp/x` reports `/tmp/x/a.go`, not `../../tmp/x/a.go`).
 */
export function displayPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  if (rel === '') return '.';
  const shown = rel.startsWith('..') || isAbsolute(rel) ? absolute : rel;
  return shown.split(sep).join('/');
}

/** A command-line pattern: a directory (with `/...`: and every directory below it), or a file. */
interface Pattern {
  readonly text: string;
  readonly absolute: string;
  readonly recursive: boolean;
}

function parsePattern(text: string, cwd: string): Pattern {
  const recursive = text === '...' || text.endsWith('/...');
  const root = recursive ? text.slice(0, -'...'.length).replace(/\/$/, '') || '.' : text;
  return { text, absolute: resolve(cwd, root), recursive };
}

/**
 * collectGoFiles expands Go package patterns as the go tool does: `dir` is the package in dir,
 * `dir/...` (and `./...`, `...`) every package at or below dir, `file.go` that file. Below a
 * pattern's root, directories named vendor or testdata or starting with `_` or `.` are skipped,
 * as are other repositories (a `.git` entry) and files starting with `_` or `.`. Each file's
 * package siblings are read too, so package-wide questions see the whole package; findings are
 * reported only for the matched files. No pattern: `./...`.
 */
export function collectGoFiles(patterns: readonly string[], cwd: string): LocalFiles {
  const named = new Set<string>();
  const unreadable: Array<{ path: string; reason: string }> = [];
  const notAnalysed: Array<{ path: string; reason: string }> = [];
  const empty: string[] = [];
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
  /** Adds the Go files of one directory (and, when recursive, of the packages below it); returns how many. */
  const visitDir = (absolute: string, recursive: boolean): number => {
    // Symbolic links may form loops or reach the same directory twice: visit each real directory once.
    const real = realpathSync(absolute);
    if (visitedDirs.has(real)) return 0;
    visitedDirs.add(real);
    let entries: string[];
    try {
      entries = list(absolute);
    } catch (error) {
      unreadable.push({ path: displayPath(cwd, absolute), reason: (error as Error).message });
      return 0;
    }
    let found = 0;
    for (const entry of entries) {
      const path = join(absolute, entry);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        if (!recursive || ignoredByGo(entry)) continue;
        // Another repository (a git submodule) is not part of this one.
        if (existsSync(join(path, '.git'))) continue;
        found += visitDir(path, true);
      } else if (entry.endsWith('.go') && !ignoredByGo(entry)) {
        // A dangling symlink is not a file: it is named with its package's files, below.
        if (stat === undefined) continue;
        found++;
        if (stat.isFile()) named.add(path);
        else unreadable.push({ path: displayPath(cwd, path), reason: 'not a regular file' });
      }
    }
    return found;
  };
  for (const pattern of (patterns.length > 0 ? patterns : ['./...']).map((p) => parsePattern(p, cwd))) {
    let stat;
    try {
      stat = statSync(pattern.absolute);
    } catch (error) {
      unreadable.push({ path: pattern.text, reason: describeFsError(error) });
      continue;
    }
    if (stat.isDirectory()) {
      // A directory another pattern already covered is not empty for being met twice.
      const seen = visitedDirs.has(realpathSync(pattern.absolute));
      if (visitDir(pattern.absolute, pattern.recursive) === 0 && !seen) empty.push(pattern.text);
    } else if (pattern.recursive) {
      unreadable.push({ path: pattern.text, reason: 'not a directory' });
    } else if (!pattern.absolute.endsWith('.go')) {
      unreadable.push({ path: pattern.text, reason: 'not a Go file' });
    } else if (stat.isFile()) {
      named.add(pattern.absolute);
    } else {
      unreadable.push({ path: displayPath(cwd, pattern.absolute), reason: 'not a regular file' });
    }
  }
  const all = new Set(named);
  for (const dir of new Set([...named].map((file) => dirname(file)))) {
    try {
      for (const entry of list(dir)) if (entry.endsWith('.go') && !ignoredByGo(entry)) all.add(join(dir, entry));
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
  return { files, reported, unreadable, notAnalysed, empty };
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
