import { createHash } from 'node:crypto';
import type { Finding } from '../analysis/model.js';

/** The hidden marker prefix every comment and review of ours carries. */
const MARKER_PREFIX = 'leakhound:fp=';
const MARKER = /<!--\s*leakhound:fp=([0-9a-f]{16})\s*-->/g;

/**
 * normalizeAnchor collapses the whitespace of an anchor line, so re-indenting or re-spacing a line
 * (gofmt) keeps its fingerprint.
 */
export function normalizeAnchor(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * fingerprintOf hashes what identifies a finding across pushes: rule id, path, the normalized
 * anchor text and the occurrence index among identical anchors in the file. The line number is
 * deliberately left out, so a finding that moves because lines were inserted above keeps its
 * fingerprint (reviewdog does the same).
 */
export function fingerprintOf(rule: string, path: string, anchorText: string, occurrence = 0): string {
  const hash = createHash('sha256');
  hash.update(`${rule}\0${path}\0${normalizeAnchor(anchorText)}\0${occurrence}`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * fingerprintFindings gives every finding its fingerprint. Findings with the same rule, path and
 * anchor text are told apart by their order in the file, so two identical lines get two marks.
 */
export function fingerprintFindings<F extends Finding>(findings: readonly F[]): Map<F, string> {
  const ordered = [...findings].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column);
  const seen = new Map<string, number>();
  const result = new Map<F, string>();
  for (const finding of ordered) {
    const key = `${finding.rule}\0${finding.path}\0${normalizeAnchor(finding.anchorText)}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    result.set(finding, fingerprintOf(finding.rule, finding.path, finding.anchorText, occurrence));
  }
  return result;
}

/** markerOf renders the hidden HTML comment that carries a fingerprint. */
export function markerOf(fingerprint: string): string {
  return `<!-- ${MARKER_PREFIX}${fingerprint} -->`;
}

/** markersIn returns every fingerprint marked in a comment or review body (ours carry at least one). */
export function markersIn(body: string | null | undefined): string[] {
  if (!body) return [];
  return [...body.matchAll(MARKER)].map((m) => m[1] ?? '').filter((fp) => fp !== '');
}
