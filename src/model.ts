/**
 * The data that flows between the pipeline stages: source files in, findings out.
 * Nothing here knows about GitHub, the diff or the configuration file.
 */

/** Severity of a finding, highest first: `error` > `warning` > `notice`. */
export type Severity = 'error' | 'warning' | 'notice';

/** All severities, most severe first. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'notice'];

/** Rank of a severity for sorting and thresholds: larger is more severe. */
export function severityRank(severity: Severity): number {
  return severity === 'error' ? 3 : severity === 'warning' ? 2 : 1;
}

/**
 * How sure the evidence makes a finding, highest first. `high`: the App posts it as a review
 * comment; `medium`: listed in the check run and the CLI's default output only; `low`: shown only
 * when asked for (`--confidence low`, `min_confidence: low`).
 */
export type Confidence = 'high' | 'medium' | 'low';

/** All confidences, most sure first. */
export const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];

/** Rank of a confidence for thresholds: larger is more sure. */
export function confidenceRank(confidence: Confidence): number {
  return confidence === 'high' ? 3 : confidence === 'medium' ? 2 : 1;
}

/** Whether a finding is at least as sure as `minimum`. */
export function meetsConfidence(finding: { readonly confidence: Confidence }, minimum: Confidence): boolean {
  return confidenceRank(finding.confidence) >= confidenceRank(minimum);
}

/** A text file handed to the analyzer: a path relative to the repository root (POSIX separators) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly content: string;
}

/**
 * One text edit. Lines and columns are 1-based; columns count UTF-16 code units (JavaScript string
 * indices), the end is exclusive. An insertion has start equal to end.
 */
export interface TextEdit {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly newText: string;
}

/** A mechanical fix: edits over one file, with a verb phrase saying what it does ("Buffer the channel"). */
export interface Fix {
  readonly message: string;
  readonly edits: readonly TextEdit[];
}

/** A reported leak. `line`..`endLine` is the anchor range; `line` is the anchor line from RULES.md. */
export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  /** How sure the evidence is; decides where the finding is shown (see {@link Confidence}). */
  readonly confidence: Confidence;
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly message: string;
  /** Text of the anchor line with surrounding whitespace removed: stable across line moves, used for fingerprints. */
  readonly anchorText: string;
  readonly fix: Fix | null;
  /** Advice shown when there is no mechanical fix, or a note about the fix. */
  readonly hint?: string;
  /**
   * What identifies the finding across pushes: a hash of the rule, the path, the anchor text with
   * its whitespace collapsed, and the occurrence among identical anchors of the file (not the line
   * number). The App's comment markers and SARIF's partialFingerprints carry it.
   */
  readonly fingerprint: string;
}

/** Why a file was not analysed, or was analysed only in part. */
export interface FileProblem {
  readonly path: string;
  readonly reason: string;
  /** `skipped`: nothing analysed; `partial`: analysed where the syntax tree was sound. */
  readonly kind: 'skipped' | 'partial';
  /** Left out on purpose (generated code, a binary file): not a gap in the check. */
  readonly deliberate?: boolean;
}

/** What the analyzer returns for a set of files. */
export interface AnalysisResult {
  readonly findings: Finding[];
  readonly problems: FileProblem[];
  /** Number of Go files analysed (fully or partially). */
  readonly filesAnalysed: number;
}
