/**
 * `leakhound review`: token mode. Reviews one pull request with a token the CI already has and posts
 * exactly what the App posts (the same pipeline, src/review/run-review.ts, and the same GitHub
 * writers, so the fingerprints match and neither front end repeats the other's comments). Where
 * the token may not create a check run it sets a commit status; where it may not write at all (a
 * fork's pull request) it prints the findings as workflow annotations and says why.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Confidence, Severity } from '../model.js';
import { AnalysisPool } from '../analysis/pool.js';
import { parseConfigText, type LoadedConfig } from '../config/load.js';
import { formatGoVersion, type GoVersion } from '../analysis/go-version.js';
import { createCheckSink } from '../github/check-reporter.js';
import { loadRepoConfig, type ConfigReader } from '../github/config.js';
import { createPullRequestSource } from '../github/pr-source.js';
import { createReviewSink } from '../github/review-reporter.js';
import { createStatusSink } from '../github/status-sink.js';
import { createTokenClient } from '../github/token-client.js';
import { printable } from '../format/safe-text.js';
import type { RunLog, RunReport } from '../review/ports.js';
import { runReview, type RunPorts } from '../review/run-review.js';
import { messageOf } from '../review/stage.js';
import { RULE_IDS } from '../rules/index.js';
import { checkoutAt, fromCheckout } from './checkout-source.js';
import { firstWritableSink, withActionsReport, type ActionsOutput, type Writability } from './sinks.js';
import { resolveTarget, TargetError, type ReviewFlags, type TokenTarget } from './target.js';

/** The settings flags of `leakhound review` that override the repository's configuration. */
export interface ReviewOverrides {
  readonly failOn?: Severity | 'never';
  readonly minConfidence?: Confidence;
  readonly goVersion?: GoVersion;
  /** A configuration file in the checkout, used instead of the default branch's. */
  readonly configPath?: string;
}

/** Where token mode runs and writes. */
export interface ReviewIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly version: string;
}

/** Reviews the pull request; returns the exit code (0 passed, 1 the check failed, 2 the review could not be done). */
export async function reviewWithToken(flags: ReviewFlags, overrides: ReviewOverrides, io: ReviewIo): Promise<number> {
  let target: TokenTarget;
  try {
    target = resolveTarget(flags, io.env);
  } catch (error) {
    if (!(error instanceof TargetError)) throw error;
    io.err(`leakhound: ${printable(error.message)}\n`);
    return 2;
  }
  const log = stderrLog(io.err);
  const { octokit, configReader } = createTokenClient({
    token: target.token,
    baseUrl: target.apiUrl,
    userAgent: `leakhound/${io.version}`,
    log: { warn: (m) => io.err(`leakhound: ${printable(m)}\n`) },
  });
  const pool = new AnalysisPool();
  try {
    const headSha = target.headSha ?? (await octokit.rest.pulls.get({ ...target.repo, pull_number: target.pullNumber })).data.head.sha;
    const report = await runReview(
      { ...target.repo, pullNumber: target.pullNumber, headSha, htmlUrl: target.htmlUrl, trigger: target.trigger },
      await ports(target, headSha, overrides, io, log, octokit, configReader(target.repo), pool),
    );
    io.err(`leakhound: ${describe(target, headSha, report)}\n`);
    return report.conclusion === 'failure' ? 1 : 0;
  } catch (error) {
    io.err(`leakhound: could not review ${target.repo.owner}/${target.repo.repo}#${target.pullNumber}: ${printable(messageOf(error))}\n`);
    return 2;
  } finally {
    await pool.close();
  }
}

async function ports(
  target: TokenTarget,
  headSha: string,
  overrides: ReviewOverrides,
  io: ReviewIo,
  log: RunLog,
  octokit: ReturnType<typeof createTokenClient>['octokit'],
  reader: ConfigReader,
  pool: AnalysisPool,
): Promise<RunPorts> {
  const { repo, pullNumber } = target;
  const inActions = io.env.GITHUB_ACTIONS === 'true';
  const output: ActionsOutput = {
    line: (text) => io.out(`${text}\n`),
    ...(inActions && io.env.GITHUB_STEP_SUMMARY ? { summaryFile: io.env.GITHUB_STEP_SUMMARY } : {}),
  };
  const apiSource = createPullRequestSource({
    octokit,
    repo,
    pullNumber,
    loadConfig: async () =>
      withOverrides(
        overrides.configPath ? readLocalConfig(io.cwd, overrides.configPath) : await loadRepoConfig(reader, octokit, repo),
        overrides,
      ),
  });
  const root = await checkoutAt(io.cwd, headSha);
  if (root) log.info({}, `reading the Go files from the checkout at ${root}`);
  const source = root ? fromCheckout(apiSource, root) : apiSource;
  const analyze: RunPorts['analyze'] = (files, options) => pool.analyze(files, { config: options.config, goMods: options.goMods });
  const common = { source, analyze, log, retryAdvice: 'Run the workflow again to try again.' };
  const annotationsOnly = (why: string): string =>
    `No review was posted: ${why}. The findings are shown as annotations on the diff instead.`;
  if (target.readOnlyReason) {
    const reason = target.readOnlyReason;
    return {
      ...common,
      checks: withActionsReport(undefined, output, () => annotationsOnly(reason)),
      noReviewReason: annotationsOnly(reason),
    };
  }
  const found: Writability = {};
  const runId = randomUUID();
  const checks = firstWritableSink(
    [
      { name: 'a check run', sink: createCheckSink({ octokit, repo, pullNumber, runId, rerunButton: false }) },
      {
        name: 'a commit status',
        sink: withActionsReport(
          createStatusSink({ octokit, repo, ...(target.runUrl ? { targetUrl: target.runUrl } : {}) }),
          output,
          () => undefined,
        ),
      },
      {
        name: 'workflow annotations',
        sink: withActionsReport(undefined, output, () => annotationsOnly(found.refused ?? 'the token may not write')),
      },
    ],
    log,
    found,
  );
  const reviews = createReviewSink({ octokit, repo, pullNumber, runId, prefetched: () => undefined });
  // Read after the check was started: a token that could not even set a status does not try a review.
  return {
    ...common,
    checks,
    get reviews() {
      return found.used === 'workflow annotations' ? undefined : reviews;
    },
    get noReviewReason() {
      return annotationsOnly(found.refused ?? 'the token may not write');
    },
  };
}

function readLocalConfig(cwd: string, path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new Error(`cannot read the configuration ${path}: ${messageOf(error)}`, { cause: error });
  }
  return parseConfigText(text, RULE_IDS);
}

function withOverrides(loaded: LoadedConfig, overrides: ReviewOverrides): LoadedConfig {
  return {
    errors: loaded.errors,
    config: {
      ...loaded.config,
      ...(overrides.failOn ? { fail_on: overrides.failOn } : {}),
      ...(overrides.minConfidence ? { min_confidence: overrides.minConfidence } : {}),
      ...(overrides.goVersion ? { go_version: formatGoVersion(overrides.goVersion) } : {}),
    },
  };
}

function describe(target: TokenTarget, headSha: string, report: RunReport): string {
  const where = `${target.repo.owner}/${target.repo.repo}#${target.pullNumber} at ${headSha.slice(0, 12)}`;
  const findings = report.findingsInDiff.length;
  const posted =
    report.commentsPosted > 0 ? `, ${report.commentsPosted} review comment${report.commentsPosted === 1 ? '' : 's'} posted` : '';
  return `reviewed ${where}: ${report.conclusion}, ${findings} finding${findings === 1 ? '' : 's'} in the change${posted}`;
}

/** The pipeline's log, as short lines on stderr (a CI log is read by people). */
function stderrLog(err: (s: string) => void): RunLog {
  const line = (obj: object, msg?: string): void => {
    const cause = 'err' in obj ? `: ${messageOf((obj as { err: unknown }).err)}` : '';
    if (msg) err(`leakhound: ${printable(`${msg}${cause}`)}\n`);
  };
  return { info: line, warn: line, error: line };
}
