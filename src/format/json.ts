import type { Finding } from '../model.js';

/** The JSON report: a stable, versioned shape that scripts can rely on. */
export interface JsonReport {
  readonly version: 1;
  readonly findings: ReadonlyArray<{
    rule: string;
    severity: string;
    /** Added in 0.2.0 (additive: the version stays 1). */
    confidence: string;
    path: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    message: string;
    fix: null | {
      message: string;
      edits: Array<{ startLine: number; startColumn: number; endLine: number; endColumn: number; newText: string }>;
    };
  }>;
}

/** formatJson renders findings as the documented JSON shape, exactly those keys in that order. */
export function formatJson(findings: readonly Finding[]): string {
  const report: JsonReport = {
    version: 1,
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      confidence: f.confidence,
      path: f.path,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      message: f.message,
      fix: f.fix
        ? {
            message: f.fix.message,
            edits: f.fix.edits.map((e) => ({
              startLine: e.startLine,
              startColumn: e.startColumn,
              endLine: e.endLine,
              endColumn: e.endColumn,
              newText: e.newText,
            })),
          }
        : null,
    })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
