import { excludeMatcher } from '../config/excludes.js';
import { DEFAULT_CONFIG, DEFAULT_EXCLUDES, type Config } from '../config/schema.js';
import { formatMessage, type DirectiveFacts, type Rule, type RuleReport } from '../rules/define-rule.js';
import { groupByDirectory } from './directories.js';
import { GoFile } from './go-file.js';
import { goModVersion, nearestGoMod, parseGoVersion, type GoVersion } from './go-version.js';
import type { AnalysisResult, FileProblem, Finding, Severity, SourceFile } from '../model.js';
import { PackageIndex } from './package-index.js';
import { parseGoRecovering } from './parser.js';
import { withFingerprints } from './fingerprint.js';
import { isGenerated, readDirectives, Suppressions } from './suppress.js';

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  readonly config?: Config;
  /** go.mod files (repository-relative paths) used to find each file's Go version. */
  readonly goMods?: readonly SourceFile[];
  /** Overrides config.go_version and go.mod. */
  readonly goVersion?: GoVersion;
  /**
   * Every rule id there is, for the directive rules ("unknown rule id"), when `rules` is only some of
   * them (default: the ids of `rules`).
   */
  readonly knownRuleIds?: readonly string[];
  /** Files larger than this many characters are skipped (default 3 MiB). */
  readonly maxFileChars?: number;
  /** Parse time budget per file in milliseconds (default 5000); a file over it is skipped. */
  readonly parseBudgetMs?: number;
  /** Skip vendor/ and testdata/ paths (default true); the CLI turns this off for paths named explicitly. */
  readonly defaultExcludes?: boolean;
  /** Finds the Go version of a file when go.mod files are not given as sources (the CLI reads them from disk). */
  readonly goVersionOf?: (path: string) => GoVersion | undefined;
  /** Go versions by file path (a serialisable alternative to goVersionOf, e.g. "1.22"). */
  readonly goVersionByPath?: Readonly<Record<string, string>>;
  /** Called before each file is parsed and before its rules run (a watchdog's heartbeat). */
  readonly onProgress?: (path: string) => void;
  /** When given, milliseconds spent per stage ("(parse)", "(gather)") and per rule id are added to it (benchmarks). */
  readonly timings?: Map<string, number>;
}

function timed<T>(timings: Map<string, number> | undefined, key: string, work: () => T): T {
  if (!timings) return work();
  const start = performance.now();
  try {
    return work();
  } finally {
    timings.set(key, (timings.get(key) ?? 0) + performance.now() - start);
  }
}

const DEFAULT_MAX_FILE_CHARS = 3 * 1024 * 1024;

/**
 * analyze runs the rules over a set of Go files. Files are grouped into packages by directory and
 * package clause, so package-wide questions see every file given. It never throws: a file that
 * cannot be analysed is listed in `problems`, and everything else is still analysed.
 */
export function analyze(files: readonly SourceFile[], rules: readonly Rule[], options: AnalyzeOptions = {}): AnalysisResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const knownRuleIds = options.knownRuleIds ?? rules.map((r) => r.id);
  const excludes = [...(options.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...config.exclude];
  const excluded = excludeMatcher(excludes);
  const goMods = new Map((options.goMods ?? []).map((m) => [m.path, m.content]));
  const override = options.goVersion ?? parseGoVersion(config.go_version);
  const problems: FileProblem[] = [];
  const findings: Array<Omit<Finding, 'fingerprint'>> = [];
  let filesAnalysed = 0;

  // One directory at a time: its syntax trees are released before the next is parsed, which keeps
  // memory flat on large pull requests (and the parser fast: it slows down when many trees live).
  for (const sources of groupByDirectory(files)) {
    const parsed: GoFile[] = [];
    for (const source of sources) {
      options.onProgress?.(source.path);
      const file = parseFile(source, excluded, options, problems);
      if (file) parsed.push(file);
    }
    filesAnalysed += parsed.length;
    for (const group of groupByPackage(parsed)) {
      const pkg = new PackageIndex(group);
      if (options.timings) timed(options.timings, '(index)', () => pkg.vars);
      for (const file of group) {
        options.onProgress?.(file.path);
        const goVersion =
          override ??
          options.goVersionOf?.(file.path) ??
          parseGoVersion(options.goVersionByPath?.[file.path]) ??
          versionFromGoMods(file.path, goMods);
        findings.push(...runRules(file, pkg, goVersion, { rules, knownRuleIds }, config, problems, options.timings));
      }
    }
  }
  findings.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return { findings: withFingerprints(findings), problems, filesAnalysed };
}

/** Skip reasons that are choices, not gaps: generated code is not reviewed, a binary file is not Go source. */
const DELIBERATE = new Set(['generated file', 'binary file']);

/** Parses one file, or records why it is skipped (or only partly analysed). */
function parseFile(
  source: SourceFile,
  excluded: (path: string) => boolean,
  options: AnalyzeOptions,
  problems: FileProblem[],
): GoFile | undefined {
  const reason = skipReason(source, excluded, options.maxFileChars ?? DEFAULT_MAX_FILE_CHARS);
  if (reason) {
    if (reason !== 'excluded')
      problems.push({ path: source.path, reason, kind: 'skipped', ...(DELIBERATE.has(reason) ? { deliberate: true } : {}) });
    return undefined;
  }
  const parsed = timed(options.timings, '(parse)', () => parseGoRecovering(source.content, (options.parseBudgetMs ?? 5000) * 1000));
  if (!parsed) {
    problems.push({ path: source.path, reason: 'parsing took longer than the per-file budget', kind: 'skipped' });
    return undefined;
  }
  const file = new GoFile(source.path, source.content, parsed.tree);
  if (file.errors.length > 0) problems.push({ path: source.path, reason: lostLines(file), kind: 'partial' });
  return file;
}

/**
 * What a file loses to syntax the parser could not read: the line ranges (merged, at most three
 * named), so a reader knows which findings cannot have been reported.
 */
function lostLines(file: GoFile): string {
  const ranges: Array<[number, number]> = [];
  for (const [start, end] of file.errors) {
    const from = file.position(start).line;
    const to = file.position(Math.max(start, end - 1)).line;
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
  const lines = ranges.reduce((n, [from, to]) => n + to - from + 1, 0);
  const parts = ranges.slice(0, 3).map(([from, to]) => (from === to ? `${from}` : `${from}–${to}`));
  if (ranges.length > 3) parts.push(`${ranges.length - 3} more places`);
  const named = parts.length === 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
  const where = lines === 1 ? `line ${named}` : `lines ${named}`;
  return `could not parse ${where} (${lines} line${lines === 1 ? '' : 's'}; newer Go syntax or a syntax error); findings there are not reported, the rest was analysed`;
}

function versionFromGoMods(path: string, goMods: ReadonlyMap<string, string>): GoVersion | undefined {
  const modPath = nearestGoMod(path, goMods.keys());
  return modPath ? goModVersion(goMods.get(modPath) ?? '') : undefined;
}

function skipReason(source: SourceFile, excluded: (path: string) => boolean, maxChars: number): string | undefined {
  if (excluded(source.path)) return 'excluded';
  if (source.content.includes('\0')) return 'binary file';
  if (isGenerated(source.content)) return 'generated file';
  if (source.content.length > maxChars) return `larger than ${Math.round(maxChars / 1024 / 1024)} MiB`;
  return undefined;
}

function groupByPackage(files: readonly GoFile[]): GoFile[][] {
  const groups = new Map<string, GoFile[]>();
  for (const file of files) {
    const key = file.packageName;
    const list = groups.get(key) ?? [];
    list.push(file);
    groups.set(key, list);
  }
  return [...groups.values()];
}

/** The severity a rule has for a file, or `off`. */
export function effectiveSeverity(rule: Rule, config: Config, goVersion: GoVersion | undefined): Severity | 'off' {
  return config.rules[rule.id] ?? rule.meta.severityFor?.(goVersion) ?? rule.meta.severity;
}

/**
 * The directive facts of a file. An idle directive is one whose rule ran on the file to the end
 * (`ranToEnd`) and suppressed nothing; the directive rules themselves never count, and a file with
 * syntax errors has none (findings in the errors are dropped, so a directive may only look idle).
 */
function directiveFacts(
  file: GoFile,
  catalog: { readonly rules: readonly Rule[]; readonly knownRuleIds: readonly string[] },
  suppressions: Suppressions,
  ranToEnd: (id: string) => boolean,
): DirectiveFacts {
  const runsLast = new Set(catalog.rules.filter((r) => r.runsLast).map((r) => r.id));
  return {
    list: suppressions.directives,
    knownRuleIds: catalog.knownRuleIds,
    unused: () => (file.errors.length > 0 ? [] : suppressions.unused((id) => ranToEnd(id) && !runsLast.has(id))),
  };
}

/** Whether a rule can apply to a file at all: its cheap early exits (text, then imports). */
function applies(rule: Rule, file: GoFile): boolean {
  if (rule.skipTestFiles && file.path.endsWith('_test.go')) return false;
  if (rule.mustContain && !rule.mustContain.every((text) => file.source.includes(text))) return false;
  return !rule.requiresImports || rule.requiresImports.some((p) => file.importName(p) !== undefined);
}

function runRules(
  file: GoFile,
  pkg: PackageIndex,
  goVersion: GoVersion | undefined,
  catalog: { readonly rules: readonly Rule[]; readonly knownRuleIds: readonly string[] },
  config: Config,
  problems: FileProblem[],
  timings?: Map<string, number>,
): Array<Omit<Finding, 'fingerprint'>> {
  const { rules } = catalog;
  const active: Array<{ rule: Rule; severity: Severity }> = [];
  const checked = new Set<string>();
  for (const rule of rules) {
    const severity = effectiveSeverity(rule, config, goVersion);
    if (severity === 'off') continue;
    checked.add(rule.id);
    if (applies(rule, file)) active.push({ rule, severity });
  }
  if (active.length === 0) return [];
  active.sort((a, b) => Number(a.rule.runsLast ?? false) - Number(b.rule.runsLast ?? false));
  const mayHaveDirectives = file.source.includes('leakhound:');
  const nodeTypes = [...new Set([...(mayHaveDirectives ? ['comment'] : []), ...active.flatMap((a) => a.rule.nodeTypes)])];
  file.requestNodeTypes(nodeTypes);
  if (timings && nodeTypes[0]) timed(timings, '(gather)', () => file.nodes(nodeTypes[0] ?? ''));
  const suppressions = new Suppressions(mayHaveDirectives ? readDirectives(file) : []);
  const directives = directiveFacts(file, catalog, suppressions, (id) => checked.has(id));
  const scope = pkg.scopeOf(file);
  const findings: Array<Omit<Finding, 'fingerprint'>> = [];
  for (const { rule, severity } of active) {
    const report = (r: RuleReport): void => {
      if (file.inError(r.node)) return;
      const line = file.line(r.node);
      if (suppressions.suppresses(rule.id, line)) return;
      const template = rule.meta.messages[r.messageId];
      if (template === undefined) throw new Error(`rule ${rule.id} has no message "${r.messageId}"`);
      const start = file.position(r.node.startIndex);
      const endOfLine = file.lineText(line).length + 1;
      const end = r.node.endPosition.row + 1 === line ? file.position(r.node.endIndex).column : endOfLine;
      findings.push({
        rule: rule.id,
        severity: r.severity && config.rules[rule.id] === undefined ? r.severity : severity,
        confidence: r.confidence ?? rule.meta.confidence,
        path: file.path,
        line,
        column: start.column,
        endLine: line,
        endColumn: end,
        message: formatMessage(template, r.data),
        anchorText: file.lineText(line).trim(),
        fix: r.fix ?? null,
        ...(r.hint !== undefined ? { hint: r.hint } : r.fix ? {} : { hint: rule.meta.hint }),
      });
    };
    try {
      timed(timings, rule.id, () => rule.check({ file, pkg, scope, goVersion, directives, report }));
    } catch (error) {
      checked.delete(rule.id);
      problems.push({
        path: file.path,
        reason: `rule ${rule.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        kind: 'partial',
      });
    }
  }
  return findings;
}
