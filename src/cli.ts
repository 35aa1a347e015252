/**
 * The `leakhound` command: the same analyzer as the GitHub App, for a developer's branch or a CI job.
 * Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 usage or runtime error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AnalyzeOptions } from './analysis/analyze.js';
import { formatGoVersion, parseGoVersion, type GoVersion } from './analysis/go-version.js';
import type { SourceFile } from './analysis/model.js';
import { AnalysisPool } from './analysis/pool.js';
import { CONFIDENCES, meetsConfidence, severityRank, type Confidence, type Finding, type Severity } from './analysis/model.js';
import { parseConfigText } from './config/load.js';
import { DEFAULT_CONFIG, type Config } from './config/schema.js';
import { markFindings } from './diff/filter.js';
import { formatJson } from './format/json.js';
import { formatSarif } from './format/sarif.js';
import { formatProblems, formatText, summaryLine } from './format/text.js';
import { collectGoFiles, goVersionFromDisk } from './local/fs-source.js';
import { localChange } from './local/git-source.js';
import { RULE_IDS, RULES } from './rules/index.js';
import { printable } from './format/safe-text.js';

const USAGE = `usage: leakhound <command> [options]

Finds Go code that keeps memory reachable after it is no longer needed.

commands:
  check [paths...]     analyse Go files and directories (default: .), recursively;
                       vendor/ and testdata/ are skipped unless named
  diff [--base <rev>]  analyse the Go packages this branch touches and report only
                       findings on lines it adds or changes (working tree included),
                       relative to the merge base with <rev> (default: origin's
                       default branch, else main)

options:
  --format text|json|sarif                  output format (default: text)
  --fail-on error|warning|notice|never      exit 1 when a finding is at least this severe
                                            (default: error, or fail_on from the config)
  --config <file>                           configuration file (default: .github/leakhound.yml
                                            when it exists)
  --confidence high|medium|low              report findings at least this sure (default:
                                            medium, or min_confidence from the config);
                                            only high-confidence findings fail the run
  --go-version <1.N>                        Go version to assume instead of go.mod's
  --no-color                                plain text output
  -h, --help                                show this help
  --version                                 show the version
`;

/** A usage or runtime error: printed as one line, exit code 2. */
class CliError extends Error {}

type Format = 'text' | 'json' | 'sarif';

interface Options {
  readonly command: 'check' | 'diff';
  readonly paths: string[];
  readonly base: string | undefined;
  readonly format: Format;
  readonly failOn: Severity | 'never' | undefined;
  readonly minConfidence: Confidence | undefined;
  readonly configPath: string | undefined;
  readonly goVersion: GoVersion | undefined;
  readonly color: boolean;
}

/** The package version, from the nearest package.json above this module (dist/ or a build directory). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'leakhound' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

function parseOptions(argv: readonly string[]): Options | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'fail-on': { type: 'string' },
        confidence: { type: 'string' },
        config: { type: 'string' },
        'go-version': { type: 'string' },
        base: { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new CliError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.version) return 'version';
  const [command, ...paths] = positionals;
  if (command !== 'check' && command !== 'diff')
    throw new CliError(command ? `unknown command "${command}" (expected check or diff)` : 'missing command (check or diff); see --help');
  if (command === 'diff' && paths.length > 0) throw new CliError('diff takes no paths; it analyses what the branch changes');
  if (command === 'check' && values.base !== undefined) throw new CliError('--base goes with diff');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    throw new CliError(`--format must be text, json or sarif, not "${format}"`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && !['error', 'warning', 'notice', 'never'].includes(failOn))
    throw new CliError(`--fail-on must be error, warning, notice or never, not "${failOn}"`);
  const confidence = values.confidence;
  if (confidence !== undefined && !(CONFIDENCES as readonly string[]).includes(confidence))
    throw new CliError(`--confidence must be high, medium or low, not "${confidence}"`);
  const goVersionText = values['go-version'];
  const goVersion = parseGoVersion(goVersionText);
  if (goVersionText !== undefined && !goVersion) throw new CliError(`--go-version must look like 1.22, not "${goVersionText}"`);
  return {
    command,
    paths,
    base: values.base,
    format,
    failOn: failOn as Severity | 'never' | undefined,
    minConfidence: confidence as Confidence | undefined,
    configPath: values.config,
    goVersion,
    color: !values['no-color'] && process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
}

function loadConfig(cwd: string, configPath: string | undefined, warn: (line: string) => void): Config {
  const path = configPath ?? join(cwd, '.github', 'leakhound.yml');
  if (!existsSync(path)) {
    if (configPath) throw new CliError(`config file not found: ${configPath}`);
    return DEFAULT_CONFIG;
  }
  const { config, errors } = parseConfigText(readFileSync(path, 'utf8'), RULE_IDS);
  for (const error of errors) warn(`leakhound: ${configPath ?? '.github/leakhound.yml'}: ${error}`);
  return config;
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
  const pool = new AnalysisPool();
  try {
    return await pool.analyze(files, { ...options, goVersionByPath });
  } finally {
    await pool.close();
  }
}

/** Runs the command; returns the exit code. Output goes through the given writers (tests capture them). */
export async function main(
  argv: readonly string[],
  io: { cwd: string; out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  try {
    const options = parseOptions(argv);
    if (options === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (options === 'version') {
      io.out(`${version()}\n`);
      return 0;
    }
    const config = loadConfig(io.cwd, options.configPath, (line) => io.err(`${line}\n`));
    const goVersionOf = goVersionFromDisk(io.cwd);
    let findings: Finding[];
    let sources: Map<string, string>;
    let filesAnalysed: number;
    // A file the command was asked about and could not read fails it (exit 2), after reporting the rest.
    let failedToRead = false;
    if (options.command === 'check') {
      const local = collectGoFiles(options.paths, io.cwd);
      for (const u of [...local.unreadable, ...local.notAnalysed]) io.err(`leakhound: ${printable(u.path)}: ${printable(u.reason)}\n`);
      if (local.unreadable.length > 0 && local.files.length === 0) return 2;
      failedToRead = local.unreadable.length > 0;
      const result = await analyzeIsolated(local.files, { config, goVersion: options.goVersion, defaultExcludes: false }, goVersionOf);
      io.err(formatProblems(result.problems.filter((p) => local.reported.has(p.path))));
      findings = result.findings.filter((f) => local.reported.has(f.path));
      sources = new Map(local.files.map((f) => [f.path, f.content]));
      const skipped = new Set(result.problems.filter((p) => p.kind === 'skipped').map((p) => p.path));
      filesAnalysed = [...local.reported].filter((p) => !skipped.has(p)).length;
    } else {
      const change = await localChange(io.cwd, options.base);
      for (const u of change.unreadable) io.err(`leakhound: ${printable(u.path)}: ${printable(u.reason)}\n`);
      failedToRead = change.unreadable.some((u) => change.changed.has(u.path));
      const result = await analyzeIsolated(change.files, { config, goVersion: options.goVersion }, goVersionOf);
      io.err(formatProblems(result.problems.filter((p) => change.changed.has(p.path))));
      findings = markFindings(result.findings, change.changed)
        .filter((f) => f.inDiff)
        .map(({ inDiff: _inDiff, inHunk: _inHunk, ...finding }) => finding);
      sources = new Map(change.files.map((f) => [f.path, f.content]));
      const notRead = new Set(change.unreadable.map((u) => u.path));
      filesAnalysed = [...change.changed.values()].filter(
        (f) => f.status !== 'removed' && f.path.endsWith('.go') && !notRead.has(f.path),
      ).length;
    }
    const minConfidence = options.minConfidence ?? config.min_confidence;
    const hidden = findings.filter((f) => !meetsConfidence(f, minConfidence)).length;
    findings = findings.filter((f) => meetsConfidence(f, minConfidence));
    if (options.format === 'json') io.out(formatJson(findings));
    else if (options.format === 'sarif') io.out(formatSarif(findings, { rules: RULES, version: version() }));
    else {
      io.out(formatText(findings, { sources, color: options.color }));
      io.err(`${summaryLine(findings, filesAnalysed, { hidden })}\n`);
    }
    if (failedToRead) return 2;
    const failOn = options.failOn ?? config.fail_on;
    if (failOn === 'never') return 0;
    // Only what the evidence settles may fail a build: medium and low findings are advice.
    return findings.some((f) => f.confidence === 'high' && severityRank(f.severity) >= severityRank(failOn)) ? 1 : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`leakhound: ${printable(message.split('\n')[0] ?? '')}\n`);
    return 2;
  }
}
