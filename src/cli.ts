/**
 * The `leakhound` command: the same analyzer as the GitHub App, for a developer's branch or a CI job.
 * Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 usage or runtime error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AnalyzeOptions } from './analysis/analyze.js';
import { formatGoVersion, parseGoVersion, type GoVersion } from './analysis/go-version.js';
import type { FileProblem, SourceFile } from './model.js';
import { AnalysisPool } from './analysis/pool.js';
import { CONFIDENCES, meetsConfidence, severityRank, type Confidence, type Finding, type Severity } from './model.js';
import { parseConfigText } from './config/load.js';
import { DEFAULT_CONFIG, type Config } from './config/schema.js';
import { markFindings } from './diff/filter.js';
import { withByteColumns } from './format/columns.js';
import { formatGithub } from './format/annotation.js';
import { formatJson } from './format/json.js';
import { formatSarif } from './format/sarif.js';
import { formatProblems, formatText, summaryLine } from './format/text.js';
import { collectGoFiles, displayPath, goVersionFromDisk } from './local/fs-source.js';
import { localChange } from './local/git-source.js';
import { RULE_IDS, RULES } from './rules/index.js';
import { printable } from './format/safe-text.js';
import { reviewWithToken } from './token/review.js';
import type { ReviewFlags } from './token/target.js';

const USAGE = `usage: leakhound <command> [options]

Finds Go code that keeps memory reachable after it is no longer needed.

commands:
  check [packages...]  analyse Go packages, as the go tool names them: dir (the
                       package in dir), dir/... (and ./...: every package below),
                       file.go (default: ./...); vendor/, testdata/ and names
                       starting with _ or . are skipped below a pattern
  diff [--base <rev>]  analyse the Go packages this branch touches and report only
                       findings on lines it adds or changes (working tree included),
                       relative to the merge base with <rev> (default: origin's
                       default branch, else main)
  review               review a pull request with a token and post what the App
                       posts (review, check run or commit status); in GitHub
                       Actions it needs no flags, elsewhere:
                       --repo owner/name --pr N [--token-env NAME]

options:
  --format text|json|sarif|github           output format (default: text); github prints
                                            GitHub Actions workflow annotations
  --fail-on error|warning|notice|never      exit 1 when a finding is at least this severe
                                            (default: error, or fail_on from the config)
  --config <file>                           configuration file (default: .github/leakhound.yml
                                            when it exists)
  --confidence high|medium|low              report findings at least this sure (default:
                                            medium, or min_confidence from the config);
                                            only high-confidence findings fail the run
  --go-version <1.N>                        Go version to assume instead of go.mod's
  --repo, --pr, --token-env                 review: the pull request, and the variable
                                            holding the token (default GITHUB_TOKEN)
  --no-color                                plain text output
  -v, --verbose                             also list the generated and binary files skipped
  -h, --help                                show this help
  --version                                 show the version
`;

/** A usage or runtime error: printed as one line (a usage error adds the usage line), exit code 2. */
class CliError extends Error {
  constructor(
    message: string,
    readonly usage = true,
  ) {
    super(message);
  }
}

type Format = 'text' | 'json' | 'sarif' | 'github';

interface Options {
  readonly command: 'check' | 'diff' | 'review';
  readonly paths: string[];
  readonly base: string | undefined;
  readonly format: Format;
  readonly failOn: Severity | 'never' | undefined;
  readonly minConfidence: Confidence | undefined;
  readonly configPath: string | undefined;
  readonly goVersion: GoVersion | undefined;
  readonly color: boolean;
  readonly verbose: boolean;
  readonly review: ReviewFlags;
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
        repo: { type: 'string' },
        pr: { type: 'string' },
        'token-env': { type: 'string' },
        'no-color': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new CliError(usageProblem(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.version) return 'version';
  const [command, ...paths] = positionals;
  if (command !== 'check' && command !== 'diff' && command !== 'review')
    throw new CliError(
      command ? `unknown command "${command}" (expected check, diff or review)` : 'missing command (check, diff or review); see --help',
    );
  if (command !== 'check' && paths.length > 0)
    throw new CliError(`${command} takes no paths; it analyses what the ${command === 'diff' ? 'branch' : 'pull request'} changes`);
  if (command !== 'diff' && values.base !== undefined) throw new CliError('--base goes with diff');
  for (const flag of ['repo', 'pr', 'token-env'] as const)
    if (command !== 'review' && values[flag] !== undefined) throw new CliError(`--${flag} goes with review`);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif' && format !== 'github')
    throw new CliError(`--format must be text, json, sarif or github, not "${format}"`);
  if (command === 'review' && values.format !== undefined)
    throw new CliError('review writes to the pull request; --format goes with check and diff');
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
    verbose: values.verbose === true,
    review: {
      ...(values.repo !== undefined ? { repo: values.repo } : {}),
      ...(values.pr !== undefined ? { pr: values.pr } : {}),
      ...(values['token-env'] !== undefined ? { tokenEnv: values['token-env'] } : {}),
    },
  };
}

/** The first line of the usage text, printed after every usage error. */
const USAGE_LINE = USAGE.split('\n')[0] ?? '';

/** A parseArgs error as one short line: "unknown option --foo", not Node's paragraph about positionals. */
function usageProblem(error: unknown): string {
  const message = (error as Error).message;
  const option = /option '([^']+)'/.exec(message)?.[1];
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `option ${option.split(' ')[0]} needs a value`;
  return message.split(/\.\s|\n/)[0] ?? 'bad arguments';
}

function loadConfig(cwd: string, configPath: string | undefined, warn: (line: string) => void): Config {
  const path = configPath ? resolve(cwd, configPath) : findConfig(cwd);
  if (!path || !existsSync(path)) {
    if (configPath) throw new CliError(`config file not found: ${configPath}`, false);
    return DEFAULT_CONFIG;
  }
  const { config, errors } = parseConfigText(readFileSync(path, 'utf8'), RULE_IDS);
  for (const error of errors) warn(`leakhound: ${printable(displayPath(cwd, path))}: ${printable(error)}`);
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
  io: { cwd: string; out: (s: string) => void; err: (s: string) => void; env?: NodeJS.ProcessEnv },
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
    if (options.command === 'review') {
      return await reviewWithToken(
        options.review,
        {
          ...(options.failOn ? { failOn: options.failOn } : {}),
          ...(options.minConfidence ? { minConfidence: options.minConfidence } : {}),
          ...(options.goVersion ? { goVersion: options.goVersion } : {}),
          ...(options.configPath ? { configPath: options.configPath } : {}),
        },
        { cwd: io.cwd, env: io.env ?? process.env, out: io.out, err: io.err, version: version() },
      );
    }
    const config = loadConfig(io.cwd, options.configPath, (line) => io.err(`${line}\n`));
    const goVersionOf = goVersionFromDisk(io.cwd);
    let findings: Finding[];
    let sources: Map<string, string>;
    let filesAnalysed: number;
    // A file the command was asked about and could not read fails it (exit 2), after reporting the rest.
    let failedToRead = false;
    /** Generated and binary files skipped: counted in the summary, listed with --verbose. */
    let deliberatelySkipped = 0;
    const nameEach = (files: ReadonlyArray<{ path: string; reason: string }>): void => {
      for (const f of files) io.err(`leakhound: ${printable(f.path)}: ${printable(f.reason)}\n`);
    };
    /** Names the files analysed partly or not at all (the deliberate skips only with --verbose); returns how many were deliberate. */
    const reportProblems = (problems: readonly FileProblem[]): number => {
      io.err(formatProblems(options.verbose ? problems : problems.filter((p) => !p.deliberate)));
      return problems.filter((p) => p.deliberate).length;
    };
    if (options.command === 'check') {
      const local = collectGoFiles(options.paths, io.cwd);
      nameEach([...local.unreadable, ...local.notAnalysed]);
      for (const pattern of local.empty) io.err(`leakhound: no Go files in ${printable(pattern)}\n`);
      failedToRead = local.unreadable.length > 0 || local.empty.length > 0;
      if (failedToRead && local.files.length === 0) return 2;
      const result = await analyzeIsolated(local.files, { config, goVersion: options.goVersion, defaultExcludes: false }, goVersionOf);
      deliberatelySkipped = reportProblems(result.problems.filter((p) => local.reported.has(p.path)));
      findings = result.findings.filter((f) => local.reported.has(f.path));
      sources = new Map(local.files.map((f) => [f.path, f.content]));
      const skipped = new Set(result.problems.filter((p) => p.kind === 'skipped').map((p) => p.path));
      filesAnalysed = [...local.reported].filter((p) => !skipped.has(p)).length;
    } else {
      const change = await localChange(io.cwd, options.base);
      nameEach(change.unreadable);
      failedToRead = change.unreadable.some((u) => change.changed.has(u.path));
      const result = await analyzeIsolated(change.files, { config, goVersion: options.goVersion }, goVersionOf);
      deliberatelySkipped = reportProblems(result.problems.filter((p) => change.changed.has(p.path)));
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
    if (options.format === 'json') io.out(formatJson(withByteColumns(findings, sources)));
    else if (options.format === 'sarif') io.out(formatSarif(findings, { rules: RULES, version: version() }));
    else {
      io.out(options.format === 'github' ? formatGithub(findings) : formatText(findings, { sources, color: options.color }));
      io.err(`${summaryLine(findings, filesAnalysed, { hidden, skipped: options.verbose ? 0 : deliberatelySkipped })}\n`);
    }
    if (failedToRead) return 2;
    const failOn = options.failOn ?? config.fail_on;
    if (failOn === 'never') return 0;
    // Only what the evidence settles may fail a build: medium and low findings are advice.
    return findings.some((f) => f.confidence === 'high' && severityRank(f.severity) >= severityRank(failOn)) ? 1 : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`leakhound: ${printable(message.split('\n')[0] ?? '')}\n`);
    if (error instanceof CliError && error.usage) io.err(`${USAGE_LINE} (see --help)\n`);
    return 2;
  }
}
