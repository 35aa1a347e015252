/** The hidden markers that carry fingerprints in the App's comments and reviews. */

/** The hidden marker prefix every comment and review of ours carries. */
const MARKER_PREFIX = 'leakhound:fp=';
const MARKER = /<!--\s*leakhound:fp=([0-9a-f]{16})\s*-->/g;

/** markerOf renders the hidden HTML comment that carries a fingerprint. */
export function markerOf(fingerprint: string): string {
  return `<!-- ${MARKER_PREFIX}${fingerprint} -->`;
}

/** markersIn returns every fingerprint marked in a comment or review body (ours carry at least one). */
export function markersIn(body: string | null | undefined): string[] {
  if (!body) return [];
  return [...body.matchAll(MARKER)].map((m) => m[1] ?? '').filter((fp) => fp !== '');
}
