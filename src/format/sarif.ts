import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Finding, Severity } from '../model.js';
import { ruleDocsUrl, type Rule } from '../rules/define-rule.js';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', notice: 'note' };

/** Options of {@link formatSarif}. */
export interface SarifOptions {
  readonly rules: readonly Rule[];
  readonly version: string;
}

/** formatSarif renders findings as a SARIF 2.1.0 log with rule metadata and fixes. */
export function formatSarif(findings: readonly Finding[], options: SarifOptions): string {
  const rules: ReportingDescriptor[] = options.rules.map((rule) => ({
    id: rule.id,
    name: rule.id
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: rule.meta.title },
    fullDescription: { text: rule.meta.docs.description },
    helpUri: ruleDocsUrl(rule.id),
    help: { text: rule.meta.hint },
    defaultConfiguration: { level: LEVEL[rule.meta.severity] },
    properties: { family: rule.meta.family, tags: ['memory', 'leak', rule.meta.family] },
  }));
  const index = new Map(options.rules.map((r, i) => [r.id, i]));
  const results: Result[] = findings.map((f) => ({
    ruleId: f.rule,
    ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
    level: LEVEL[f.severity],
    message: { text: f.hint ? `${f.message}. ${f.hint}` : f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.path) },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        },
      },
    ],
    // The same fingerprints as the App's comment markers: one definition of "the same finding".
    partialFingerprints: { 'leakhound/v1': f.fingerprint },
    // How sure the evidence is (high: posted inline by the App; medium: listed only; low: on request).
    properties: { confidence: f.confidence },
    ...(f.fix
      ? {
          fixes: [
            {
              description: { text: f.fix.message },
              artifactChanges: [
                {
                  artifactLocation: { uri: encodeURI(f.path) },
                  replacements: f.fix.edits.map((e) => ({
                    deletedRegion: { startLine: e.startLine, startColumn: e.startColumn, endLine: e.endLine, endColumn: e.endColumn },
                    insertedContent: { text: e.newText },
                  })),
                },
              ],
            },
          ],
        }
      : {}),
  }));
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'leakhound', version: options.version, informationUri: 'https://github.com/leakhound/leakhound', rules } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
