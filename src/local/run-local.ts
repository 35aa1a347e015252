/**
 * The CLI's pipeline for `check` and `diff`: source (the working tree, or a git diff) → analyze
 * (in a worker process) → filter (the change, then the confidence). The CLI only chooses the
 * output; the App and token mode run the same stages in src/review/run-review.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AnalyzeOptions } from '../analysis/analyze.js';
import { formatGoVersion, type GoVersion } from '../analysis/go-version.js';
import { AnalysisPool } from '../analysis/pool.js';
import { DEFAULT_CONFIG, type Config } from '../config/schema.js';
import type { Confidence, FileProblem, Finding, SourceFile } from '../model.js';
import { atLeastAsSure, markFindings } from '../review/filter.js';
import { collectGoFiles, displayPath, goVersionFromDisk } from './fs-source.js';
import { localChange } from './git-source.js';

/** A configuration file named on the command line that does not exist. */
export class ConfigNotFound extends Error {}

/**
 * loadLocalConfig reads the configuration (the named file, else the one {@link findConfig} finds),
 * passing each problem of it to `warn`; without one, the defaults.
 */
export async function loadLocalConfig(
  cwd: string,
  configPath: string | undefined,
  warn: (path: string, problem: string) => void,
): Promise<Config> {
  const path = configPath ? resolve(cwd, configPath) : findConfig(cwd);
  if (!path || !existsSync(path)) {
    if (configPath) throw new ConfigNotFound(`config file not found: ${configPath}`);
    return DEFAULT_CONFIG;
  }
  // The YAML and schema readers and the rule ids are loaded only when there is a configuration to read.
  const [{ parseConfigText }, { RULE_IDS }] = await Promise.all([import('../config/load.js'), import('../rules/index.js')]);
  const { config, errors } = parseConfigText(readFileSync(path, 'utf8'), RULE_IDS);
  for (const error of errors) warn(displayPath(cwd, path), error);
  return config;
}

/**
 * The configuration that governs `cwd`, found as git finds `.git`: `.github/leakhound.yml` in cwd or
 * the nearest directory above it, up to the repository's root (the first with `.git`), or, outside a
 * repository, up to the module's root (the first with `go.mod`).
 */
export function findConfig(cwd: string): string | undefined {
  const start = resolve(cwd);
  const root = nearestWith(start, '.git') ?? nearestWith(start, 'go.mod');
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, '.github', 'leakhound.yml');
    if (existsSync(candidate)) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/** The nearest directory at or above `start` that holds `name`. */
function nearestWith(start: string, name: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** What to analyse: `check` the packages of `paths`, or `diff` what the branch changes against `base`. */
export type LocalRequest =
  { readonly command: 'check'; readonly paths: readonly string[] } | { readonly command: 'diff'; readonly base: string | undefined };

/** What a local run found, filtered to the files reported and the confidence asked for. */
export interface LocalResult {
  readonly findings: Finding[];
  /** Findings left out for being less sure than asked. */
  readonly hidden: number;
  /** The text of every file read, for byte columns and fixes. */
  readonly sources: ReadonlyMap<string, string>;
  readonly filesAnalysed: number;
  /** Files named or found that could not be read, or are not analysed (in the order found). */
  readonly notRead: ReadonlyArray<{ path: string; reason: string }>;
  /** Patterns that matched no Go file. */
  readonly empty: readonly string[];
  /** What the analysis could not do in the files reported (skipped, partly analysed). */
  readonly problems: readonly FileProblem[];
  /** A file the command was asked about could not be read: the run fails (exit 2) after reporting the rest. */
  readonly failedToRead: boolean;
  /** Nothing could be read at all, so nothing was analysed (and there is no summary to give). */
  readonly nothingRead: boolean;
}

/** Runs the local pipeline in `cwd`. */
export async function runLocal(
  request: LocalRequest,
  settings: { readonly config: Config; readonly goVersion: GoVersion | undefined; readonly minConfidence: Confidence },
  cwd: string,
): Promise<LocalResult> {
  const { config, goVersion } = settings;
  const goVersionOf = goVersionFromDisk(cwd);
  if (request.command === 'check') {
    const local = collectGoFiles(request.paths, cwd);
    const failedToRead = local.unreadable.length > 0 || local.empty.length > 0;
    const nothingRead = failedToRead && local.files.length === 0;
    const base = { notRead: [...local.unreadable, ...local.notAnalysed], empty: local.empty, failedToRead, nothingRead };
    if (nothingRead) return { ...base, findings: [], hidden: 0, sources: new Map(), filesAnalysed: 0, problems: [] };
    const result = await analyzeIsolated(local.files, { config, goVersion, defaultExcludes: false }, goVersionOf);
    const skipped = new Set(result.problems.filter((p) => p.kind === 'skipped').map((p) => p.path));
    const { shown, hidden } = atLeastAsSure(
      result.findings.filter((f) => local.reported.has(f.path)),
      settings.minConfidence,
    );
    return {
      ...base,
      findings: shown,
      hidden,
      sources: new Map(local.files.map((f) => [f.path, f.content])),
      filesAnalysed: [...local.reported].filter((p) => !skipped.has(p)).length,
      problems: result.problems.filter((p) => local.reported.has(p.path)),
    };
  }
  const change = await localChange(cwd, request.base);
  const result = await analyzeIsolated(change.files, { config, goVersion }, goVersionOf);
  const inDiff = markFindings(result.findings, change.changed)
    .filter((f) => f.inDiff)
    .map(({ inDiff: _inDiff, inHunk: _inHunk, ...finding }) => finding);
  const { shown, hidden } = atLeastAsSure(inDiff, settings.minConfidence);
  const notRead = new Set(change.unreadable.map((u) => u.path));
  return {
    findings: shown,
    hidden,
    sources: new Map(change.files.map((f) => [f.path, f.content])),
    filesAnalysed: [...change.changed.values()].filter((f) => f.status !== 'removed' && f.path.endsWith('.go') && !notRead.has(f.path))
      .length,
    notRead: change.unreadable,
    empty: [],
    problems: result.problems.filter((p) => change.changed.has(p.path)),
    failedToRead: change.unreadable.some((u) => change.changed.has(u.path)),
    nothingRead: false,
  };
}

/**
 * Analyses in a worker process with a per-file time budget, so one pathological file is skipped
 * (and named) instead of hanging the command.
 */
async function analyzeIsolated(
  files: readonly SourceFile[],
  options: Omit<AnalyzeOptions, 'goVersionOf' | 'rules' | 'onProgress'>,
  goVersionOf: (path: string) => GoVersion | undefined,
): ReturnType<AnalysisPool['analyze']> {
  const goVersionByPath: Record<string, string> = {};
  for (const file of files) {
    const version = goVersionOf(file.path);
    if (version) goVersionByPath[file.path] = formatGoVersion(version);
  }
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  if (bytes <= IN_PROCESS_MAX_CHARS) {
    // A second Node process costs more than analysing this little: do it here (the parse keeps its budget).
    const [{ analyze }, { RULES, RULE_IDS }] = await Promise.all([import('../analysis/analyze.js'), import('../rules/index.js')]);
    return analyze(files, RULES, { ...options, goVersionByPath, knownRuleIds: RULE_IDS });
  }
  // The main process mostly waits on its worker: a large input is worth a second one.
  const pool = new AnalysisPool({ size: bytes >= TWO_WORKERS_MIN_CHARS ? Math.min(2, availableParallelism()) : 1 });
  try {
    return await pool.analyze(files, { ...options, goVersionByPath });
  } finally {
    await pool.close();
  }
}

/**
 * Up to this much Go source (characters) is analysed in the command's own process. Above it a
 * worker process analyses, with a per-file time budget, so one pathological file among many is
 * skipped and named instead of holding the command; below it starting that process would cost more
 * than the analysis (issue #15: start-up for one small file ≤ 0.2 s).
 */
export const IN_PROCESS_MAX_CHARS = 128 * 1024;

/** From this much Go source (characters) on, two worker processes share the analysis, on machines with two cores or more. */
export const TWO_WORKERS_MIN_CHARS = 4 * 1024 * 1024;
