/** Fingerprints: what identifies a finding across pushes, so a review never repeats itself. */
import { createHash } from 'node:crypto';
import type { Finding } from '../model.js';

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
 * withFingerprints gives every finding its fingerprint. Findings with the same rule, path and
 * anchor text are told apart by their order in the file, so two identical lines get two marks.
 * The result keeps the input's order.
 */
export function withFingerprints(findings: readonly Omit<Finding, 'fingerprint'>[]): Finding[] {
  const ordered = [...findings.keys()].sort((i, j) => {
    const a = findings[i];
    const b = findings[j];
    return !a || !b ? 0 : a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column;
  });
  const seen = new Map<string, number>();
  const result: Finding[] = new Array<Finding>(findings.length);
  for (const index of ordered) {
    const finding = findings[index];
    if (!finding) continue;
    const key = `${finding.rule}\0${finding.path}\0${normalizeAnchor(finding.anchorText)}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    result[index] = { ...finding, fingerprint: fingerprintOf(finding.rule, finding.path, finding.anchorText, occurrence) };
  }
  return result;
}
