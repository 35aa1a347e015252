import { closest, distance } from 'fastest-levenshtein';

/** The known name nearest to a misspelt one (at most 3 edits away), if any: for "did you mean" messages. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const near = closest(name, [...known]);
  return distance(name, near) <= 3 ? near : undefined;
}
