/**
 * Matching paths against `exclude` globs. Patterns come from a repository's configuration and paths
 * from a pull request, so both are bounded ({@link MAX_EXCLUDE_PATTERNS}, {@link MAX_PATTERN_CHARS}
 * in the schema) and each pattern set is compiled once and kept. A glob compiles to a backtracking
 * regular expression, and some (`*a*a*a*a*b`) take exponential time on a long name: the App matches
 * them in its analysis worker, under a time limit, never on the server's event loop.
 */
import picomatch from 'picomatch';

/** The most `exclude` patterns a configuration may have. */
export const MAX_EXCLUDE_PATTERNS = 100;
/** The longest `exclude` pattern, in characters. */
export const MAX_PATTERN_CHARS = 200;

/** Compiled pattern sets kept, most recently used last. */
const MAX_COMPILED = 16;
const compiled = new Map<string, (path: string) => boolean>();

/**
 * excludeMatcher returns a function telling whether a path matches any of `patterns` (dotfiles
 * included), compiled once per distinct pattern set.
 */
export function excludeMatcher(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  const key = JSON.stringify(patterns);
  const known = compiled.get(key);
  if (known) {
    compiled.delete(key);
    compiled.set(key, known);
    return known;
  }
  const matcher = picomatch([...patterns], { dot: true });
  compiled.set(key, matcher);
  if (compiled.size > MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  return matcher;
}

/** For each path, whether it matches any of `patterns`. */
export function matchExcluded(patterns: readonly string[], paths: readonly string[]): boolean[] {
  const excluded = excludeMatcher(patterns);
  return paths.map((path) => excluded(path));
}

/**
 * PathMatcher answers {@link matchExcluded}, possibly elsewhere (the App's analysis worker) and
 * possibly failing (a time limit).
 */
export type PathMatcher = (patterns: readonly string[], paths: readonly string[]) => Promise<boolean[]>;

/** The in-process {@link PathMatcher}: for the CLI, whose configuration is the user's own, and for tests. */
export const matchInProcess: PathMatcher = async (patterns, paths) => matchExcluded(patterns, paths);
