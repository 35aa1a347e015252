/**
 * The fixture harness (after go/analysis analysistest): each directory under fixtures/rules is
 * analysed as a set of Go files with every rule; `// want "<rule-id>: <regex>"` comments mark the
 * expected findings on their anchor lines, strictly both ways.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { CONFIDENCES, type Confidence, type SourceFile } from '../../src/model.js';

/** The repository root (tests run from dist/test). */
export const ROOT = process.cwd();
/** The fixture directory of the rules. */
export const RULE_FIXTURES = join(ROOT, 'fixtures', 'rules');

/** One expectation from a `// want` comment. */
export interface Want {
  readonly path: string;
  readonly line: number;
  readonly rule: string;
  /** `rule-id@medium: …` expects that confidence; without `@…` the finding must be `high`. */
  readonly confidence: Confidence;
  readonly pattern: RegExp;
}

/** Whether a finding (from the analyzer or the CLI's JSON) is the one a want comment expects. */
export function meetsWant(
  finding: { readonly path: string; readonly line: number; readonly rule: string; readonly confidence: string; readonly message: string },
  want: Want,
): boolean {
  return (
    finding.path === want.path &&
    finding.line === want.line &&
    finding.rule === want.rule &&
    finding.confidence === want.confidence &&
    want.pattern.test(finding.message)
  );
}

/** A directory of fixture files analysed together. */
export interface FixtureSet {
  readonly dir: string;
  readonly files: SourceFile[];
  readonly goMods: SourceFile[];
}

/** Every directory under `root` that holds .go files, with the go.mod files between it and `root`. */
export function fixtureSets(root: string): FixtureSet[] {
  const sets: FixtureSet[] = [];
  const visit = (dir: string): void => {
    const entries = readdirSync(dir).sort();
    const goFiles = entries.filter((e) => e.endsWith('.go'));
    if (goFiles.length > 0) {
      const files = goFiles.map((e) => source(join(dir, e)));
      const goMods: SourceFile[] = [];
      for (let d = dir; d.startsWith(root); d = dirname(d)) if (existsSync(join(d, 'go.mod'))) goMods.push(source(join(d, 'go.mod')));
      sets.push({ dir, files, goMods });
    }
    for (const e of entries) if (statSync(join(dir, e)).isDirectory()) visit(join(dir, e));
  };
  visit(root);
  return sets;
}

function source(path: string): SourceFile {
  return { path: relative(ROOT, path).split('\\').join('/'), content: readFileSync(path, 'utf8') };
}

const WANT = /\/\/\s*want\s+((?:"(?:[^"\\]|\\.)*"\s*)+)/;

/** Parses the `// want` comments of a file. */
export function wantsOf(file: SourceFile): Want[] {
  const wants: Want[] = [];
  file.content.split('\n').forEach((text, i) => {
    const match = WANT.exec(text);
    if (!match?.[1]) return;
    for (const quoted of match[1].match(/"(?:[^"\\]|\\.)*"/g) ?? []) {
      const body = JSON.parse(quoted) as string;
      const colon = body.indexOf(':');
      if (colon < 0) throw new Error(`${file.path}:${i + 1}: want "${body}" needs "<rule-id>: <regex>"`);
      const [rule = '', confidence = 'high'] = body.slice(0, colon).trim().split('@');
      if (!(CONFIDENCES as readonly string[]).includes(confidence))
        throw new Error(`${file.path}:${i + 1}: want "${body}": confidence must be one of ${CONFIDENCES.join(', ')}`);
      wants.push({
        path: file.path,
        line: i + 1,
        rule,
        confidence: confidence as Confidence,
        pattern: new RegExp(body.slice(colon + 1).trim()),
      });
    }
  });
  return wants;
}

/** Counts the near-miss markers (`// ok: <reason>`) in a file. */
export function nearMissCount(file: SourceFile): number {
  return (file.content.match(/\/\/\s*ok:\s*\S/g) ?? []).length;
}
