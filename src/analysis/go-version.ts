import { posix } from 'node:path';

/** A Go language version such as 1.22 (patch releases do not change language behaviour here). */
export interface GoVersion {
  readonly major: number;
  readonly minor: number;
}

/** Parses "1.22", "1.22.3", "go1.21" or "1.21rc1" into a version; undefined when it is not one. */
export function parseGoVersion(text: string | undefined): GoVersion | undefined {
  if (!text) return undefined;
  const match = /^(?:go)?(\d+)\.(\d+)/.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** Reads the `go` directive of a go.mod file. */
export function goModVersion(goMod: string): GoVersion | undefined {
  const match = /^go[ \t]+(\S+)/m.exec(goMod.replace(/\/\/.*$/gm, ''));
  return parseGoVersion(match?.[1]);
}

/** Whether `version` is known and at least 1.`minor`. */
export function atLeast(version: GoVersion | undefined, minor: number): boolean {
  return version !== undefined && (version.major > 1 || (version.major === 1 && version.minor >= minor));
}

/** Formats a version as "1.22". */
export function formatGoVersion(version: GoVersion | undefined): string {
  return version ? `${version.major}.${version.minor}` : 'unknown';
}

/**
 * The go.mod that governs a file: the one in the nearest ancestor directory.
 * `goModPaths` are repository-relative POSIX paths ending in `go.mod`.
 */
export function nearestGoMod(filePath: string, goModPaths: Iterable<string>): string | undefined {
  const byDir = new Map<string, string>();
  for (const p of goModPaths) byDir.set(posix.dirname(p), p);
  for (let dir = posix.dirname(filePath); ; dir = posix.dirname(dir)) {
    const found = byDir.get(dir);
    if (found) return found;
    if (dir === '.' || dir === '/' || dir === '') return undefined;
  }
}

/** Every directory from a file's own up to the root, nearest first ("." last): where a go.mod may be. */
export function goModCandidates(filePath: string): string[] {
  const candidates: string[] = [];
  for (let dir = posix.dirname(filePath); ; dir = posix.dirname(dir)) {
    candidates.push(dir === '.' ? 'go.mod' : `${dir}/go.mod`);
    if (dir === '.' || dir === '/' || dir === '') return candidates;
  }
}
