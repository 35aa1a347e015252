/**
 * The `leakhound` command: the same analyzer as the GitHub App, for a developer's branch or a CI job.
 * Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 usage or runtime error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseGoVersion, type GoVersion } from './analysis/go-version.js';
import { CONFIDENCES, type Confidence, type Finding, type Severity } from './model.js';
import { withByteColumns } from './format/columns.js';
import { formatJson } from './format/json.js';
import { formatProblems, formatText, summaryLine } from './format/text.js';
import { loadLocalConfig, runLocal } from './local/run-local.js';
import { failsAt } from './review/filter.js';
import { printable } from './format/safe-text.js';
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
  worker               the App's fleet mode: take the deliveries the webhook
                       receivers queue in Redis and review them (needs REDIS_URL,
                       APP_ID, PRIVATE_KEY; see docs/github-app.md)

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

/** A usage error: printed as one line and the usage line, exit code 2 (a runtime error is the line alone). */
class CliError extends Error {}

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
      // Loaded only for review: the GitHub client is not part of check's and diff's start-up.
      const { reviewWithToken } = await import('./token/review.js');
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
    const config = await loadLocalConfig(io.cwd, options.configPath, (path, problem) =>
      io.err(`leakhound: ${printable(path)}: ${printable(problem)}\n`),
    );
    const run = await runLocal(
      options.command === 'check' ? { command: 'check', paths: options.paths } : { command: 'diff', base: options.base },
      { config, goVersion: options.goVersion, minConfidence: options.minConfidence ?? config.min_confidence },
      io.cwd,
    );
    for (const f of run.notRead) io.err(`leakhound: ${printable(f.path)}: ${printable(f.reason)}\n`);
    for (const pattern of run.empty) io.err(`leakhound: no Go files in ${printable(pattern)}\n`);
    if (run.nothingRead) return 2;
    // The files analysed partly or not at all; the deliberate skips (generated, binary) only with --verbose.
    io.err(formatProblems(options.verbose ? run.problems : run.problems.filter((p) => !p.deliberate)));
    const deliberatelySkipped = run.problems.filter((p) => p.deliberate).length;
    const { findings, sources, filesAnalysed, hidden } = run;
    if (options.format === 'json') io.out(formatJson(withByteColumns(findings, sources)));
    else if (options.format === 'sarif') io.out(await sarifOf(findings));
    else {
      io.out(options.format === 'github' ? await githubOf(findings) : formatText(findings, { sources, color: options.color }));
      io.err(`${summaryLine(findings, filesAnalysed, { hidden, skipped: options.verbose ? 0 : deliberatelySkipped })}\n`);
    }
    if (run.failedToRead) return 2;
    return failsAt(findings, options.failOn ?? config.fail_on) ? 1 : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`leakhound: ${printable(message.split('\n')[0] ?? '')}\n`);
    if (error instanceof CliError) io.err(`${USAGE_LINE} (see --help)\n`);
    return 2;
  }
}

// The rule registry and the GitHub formats are loaded only by the outputs that need them: start-up
// for text and JSON stays small (issue #15).

async function sarifOf(findings: readonly Finding[]): Promise<string> {
  const [{ formatSarif }, { RULES }] = await Promise.all([import('./format/sarif.js'), import('./rules/index.js')]);
  return formatSarif(findings, { rules: RULES, version: version() });
}

async function githubOf(findings: readonly Finding[]): Promise<string> {
  const { formatGithub } = await import('./format/annotation.js');
  return formatGithub(findings);
}
