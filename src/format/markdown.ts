/**
 * Markdown for GitHub: review comments, the review body, and the check-run summary and text.
 * Everything here is pure; rule titles and documentation links come from rule metadata.
 */
import { severityRank, type Confidence, type Finding } from '../model.js';
import { plural, severityCounts } from './counts.js';
import type { Config } from '../config/schema.js';
import { ruleDocsUrl } from '../rules/define-rule.js';
import { ruleById } from '../rules/index.js';
import { markerOf } from '../review/fingerprint.js';
import { codeSpan, markdownMessage, urlPath } from './safe-text.js';
import { suggestionBlock, type LineReplacement } from './suggestion.js';

/** GitHub's limit on a check run's `summary` and `text`, and on a comment body. */
export const GITHUB_TEXT_LIMIT = 65_535;

/** A finding with its fingerprint, as the reports list it. */
export interface ListedFinding {
  readonly finding: Finding;
  readonly fingerprint: string;
}

/** ruleTitle returns a rule's title, or its id when the rule is unknown. */
export function ruleTitle(id: string): string {
  return ruleById(id)?.meta.title ?? id;
}

/** bySeverity sorts findings most severe first, then by path and line. */
export function bySeverity<F extends Finding>(findings: readonly F[]): F[] {
  return [...findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column,
  );
}

/** How a review comment offers the fix: a suggestion, or the reason it cannot. */
export type CommentFix = { readonly suggestion: LineReplacement } | { readonly reason: string } | undefined;

/**
 * commentBody renders one review comment: bold title, why (the message and the hint), the
 * suggestion block when the fix can be one, the documentation link, how to suppress, and the hidden
 * fingerprint marker.
 */
export function commentBody(finding: Finding, fingerprint: string, fix: CommentFix): string {
  const why = markdownMessage(sentence(finding.message)) + (finding.hint ? ` ${markdownMessage(sentence(finding.hint))}` : '');
  const parts = [`**${markdownMessage(ruleTitle(finding.rule))}**`, why];
  if (finding.fix && fix && 'suggestion' in fix) {
    parts.push(`${markdownMessage(sentence(finding.fix.message).replace(/\.$/, ':'))}\n\n${suggestionBlock(fix.suggestion.newLines)}`);
  } else if (finding.fix) {
    const reason = fix && 'reason' in fix ? ` (no one-click suggestion: ${fix.reason})` : '';
    parts.push(`Fix: ${markdownMessage(sentence(finding.fix.message).replace(/\.$/, ''))}${reason}.`);
  }
  parts.push(footer(finding));
  parts.push(markerOf(fingerprint));
  return parts.join('\n\n');
}

function footer(finding: Finding): string {
  return (
    `<sub>\`${finding.rule}\` · ${finding.severity} · [rule documentation](${ruleDocsUrl(finding.rule)}) · ` +
    `to suppress, add \`//leakhound:ignore ${finding.rule} <reason>\` on this line or the line above</sub>`
  );
}

/** Input of {@link reviewBody}. */
export interface ReviewBodyInput {
  readonly htmlUrl: string;
  readonly sha: string;
  /** Comments posted with this review. */
  readonly posted: readonly ListedFinding[];
  /** New findings that did not fit under max_comments. */
  readonly overflow: readonly ListedFinding[];
  /** New findings whose line could not carry a comment. */
  readonly unplaced: readonly ListedFinding[];
  readonly maxComments: number;
}

/** A review body, and which of the findings it was asked to list fit in it. */
export interface ReviewBody {
  readonly body: string;
  /** The findings listed in the body (each with its marker), in order; the rest did not fit. */
  readonly listed: readonly ListedFinding[];
}

/**
 * reviewBody renders the review's body: a one-line count, then the findings that are not comments
 * (over the limit, or not placeable), each with its hidden marker so a later run does not list it
 * again. Whole items are listed while they fit GitHub's limit (`limit`, for tests); the body says
 * how many did not and that the check run lists them, and the result says which did.
 */
export function reviewBody(input: ReviewBodyInput, limit = GITHUB_TEXT_LIMIT): ReviewBody {
  const all = [...input.posted, ...input.overflow, ...input.unplaced].map((l) => l.finding);
  const head = `**leakhound** found ${plural(all.length, 'new leak')} in this change (${severityCounts(all)}) at ${input.sha.slice(0, 7)}.`;
  const sections = [
    { title: `Not posted as comments (at most ${input.maxComments} per run, most severe first):`, items: input.overflow },
    { title: 'On lines a comment cannot be attached to:', items: input.unplaced },
  ].filter((s) => s.items.length > 0);
  const wanted = sections.reduce((n, s) => n + s.items.length, 0);
  const tail = (left: number): string =>
    left > 0
      ? `<sub>${plural(left, 'more finding')} did not fit in this review; the check run **leakhound** lists every finding of this commit.</sub>`
      : '<sub>The check run **leakhound** lists every finding of this commit.</sub>';
  // Room for the longest tail there can be, so the items that fit stay fitted whatever is left out.
  const room = limit - tail(wanted).length - 2;
  const lines = [head];
  let size = head.length;
  const listed: ListedFinding[] = [];
  let full = false;
  for (const section of sections) {
    for (const [i, item] of section.items.entries()) {
      const text = `${i === 0 ? `\n${section.title}\n\n` : ''}${listItem(item, input.htmlUrl, input.sha)}`;
      if (full || size + 1 + text.length > room) {
        full = true;
        break;
      }
      lines.push(text);
      size += 1 + text.length;
      listed.push(item);
    }
  }
  lines.push('', tail(wanted - listed.length));
  return { body: lines.join('\n'), listed };
}

function listItem(l: ListedFinding, htmlUrl: string, sha: string): string {
  const f = l.finding;
  const link = `[${codeSpan(`${f.path}:${f.line}`)}](${htmlUrl}/blob/${sha}/${urlPath(f.path)}#L${f.line})`;
  return `- ${link} **${markdownMessage(ruleTitle(f.rule))}** (${f.severity}): ${markdownMessage(f.message)} ${markerOf(l.fingerprint)}`;
}

/** What the check-run summary reports besides the findings. */
export interface SummaryInput {
  readonly sha: string;
  /** What the run could not look at; the summary opens with it. */
  readonly gaps?: CheckGaps;
  readonly config: Config;
  readonly configErrors: readonly string[];
  /** Every finding of the touched packages, marked against the diff. */
  readonly findings: readonly (Finding & { readonly inDiff: boolean })[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  readonly filesAnalysed: number;
  readonly goFilesChanged: number;
  /** Set when a newer commit was pushed while this one was analysed. */
  readonly supersededBy?: string;
  /** What else happened, one line each: the review (posted, resolved, failed, disabled), limits hit. */
  readonly reviewNotes: readonly string[];
  /** Findings in the change that are listed here only, or not at all, for their confidence. */
  readonly confidence?: ConfidenceCounts;
}

/** How the change's findings split by where their confidence lets them be shown. */
export interface ConfidenceCounts {
  /** Reported findings in the change below `high`: annotations of this check run, not review comments. */
  readonly listedOnly: number;
  /** Findings in the change below `min_confidence`: not shown at all. */
  readonly hidden: number;
  readonly minConfidence: Confidence;
}

/** What a run could not look at: changed Go files in scope it did not check, files past GitHub's list. */
export interface CheckGaps {
  /** Changed Go files that are neither excluded nor generated and were not (wholly) checked. */
  readonly uncheckedFiles: number;
  /** The pull request has more files than GitHub lists (3,000). */
  readonly capped: boolean;
}

/** Whether a run left anything in scope unchecked. */
export function hasGaps(gaps: CheckGaps): boolean {
  return gaps.uncheckedFiles > 0 || gaps.capped;
}

function gapText(gaps: CheckGaps): string {
  const parts = [
    ...(gaps.uncheckedFiles > 0 ? [`${plural(gaps.uncheckedFiles, 'changed Go file')} not analysed`] : []),
    ...(gaps.capped ? ['files past the first 3,000 not analysed'] : []),
  ];
  return parts.join('; ');
}

/** checkTitle is the check run's title: the count of findings in the change, and what was not analysed. */
export function checkTitle(inDiff: readonly Finding[], gaps?: CheckGaps): string {
  const found =
    inDiff.length === 0
      ? 'No leaks in the changed lines'
      : `${plural(inDiff.length, 'leak')} in the changed lines (${severityCounts(inDiff)})`;
  if (!gaps || !hasGaps(gaps)) return found;
  return `${inDiff.length === 0 ? 'No leaks in the analysed lines' : found}; ${gapText(gaps)}`;
}

/**
 * checkSummary renders the check run's summary: a table by rule (linking the docs), the files not
 * analysed and why, configuration errors, and what happened to the review.
 */
export function checkSummary(input: SummaryInput): string {
  const inDiff = input.findings.filter((f) => f.inDiff);
  const out: string[] = [];
  if (input.gaps && hasGaps(input.gaps)) {
    out.push(
      `> [!WARNING]\n> Not everything in this pull request was analysed (${gapText(input.gaps)}; see below), so this check is not green ` +
        'even where it found nothing.',
      '',
    );
  }
  if (input.supersededBy) {
    out.push(
      `> [!NOTE]\n> Superseded: the pull request moved on to ${input.supersededBy.slice(0, 7)} while ${input.sha.slice(0, 7)} was analysed, ` +
        'so no review was posted for this commit; the newer commit has its own run.',
      '',
    );
  }
  out.push(
    (input.goFilesChanged === 0 && input.filesAnalysed === 0
      ? `Nothing to analyse: this pull request changes no Go file that leakhound reads at ${input.sha.slice(0, 7)}. `
      : `Analysed ${plural(input.filesAnalysed, 'Go file')} in the packages touched by ${plural(input.goFilesChanged, 'changed Go file')} at ${input.sha.slice(0, 7)}. `) +
      (input.config.fail_on === 'never'
        ? 'Findings never fail this check (`fail_on: never`).'
        : `Findings at or above **${input.config.fail_on}** fail this check.`),
  );
  if (input.findings.length > 0) {
    out.push('', '| Rule | Severity | In the change | Elsewhere in the touched packages |', '|---|---|---:|---:|');
    const byRule = new Map<string, (Finding & { inDiff: boolean })[]>();
    for (const f of input.findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
    const rows = [...byRule.entries()].sort(
      ([, a], [, b]) => maxRank(b) - maxRank(a) || b.filter((f) => f.inDiff).length - a.filter((f) => f.inDiff).length,
    );
    for (const [rule, list] of rows) {
      const severities = [...new Set(list.map((f) => f.severity))].join(', ');
      const here = list.filter((f) => f.inDiff).length;
      out.push(
        `| [\`${rule}\`](${ruleDocsUrl(rule)}): ${escapeTable(ruleTitle(rule))} | ${severities} | ${here} | ${list.length - here} |`,
      );
    }
  }
  if (inDiff.length === 0 && input.findings.length > 0) out.push('', 'None of these is on a line this pull request adds or changes.');
  const confidenceNote = confidenceLines(input.confidence);
  if (confidenceNote.length > 0) out.push('', ...confidenceNote);
  if (input.skipped.length > 0) {
    out.push('', '### Files not analysed', '');
    out.push(
      ...capList(
        input.skipped.map((s) => `- ${codeSpan(s.path)}: ${markdownMessage(s.reason)}`),
        100,
      ),
    );
  }
  if (input.configErrors.length > 0) {
    out.push('', '### Configuration', '', 'Problems in `.github/leakhound.yml` (the affected settings use their defaults):', '');
    out.push(
      ...capList(
        input.configErrors.map((e) => `- ${markdownMessage(e)}`),
        50,
      ),
    );
  }
  if (input.reviewNotes.length > 0) {
    out.push('', '### Run', '', ...input.reviewNotes.map((n) => `- ${markdownMessage(n)}`));
  }
  return truncate(out.join('\n'), GITHUB_TEXT_LIMIT);
}

function confidenceLines(counts: ConfidenceCounts | undefined): string[] {
  if (!counts) return [];
  const lines: string[] = [];
  if (counts.listedOnly > 0)
    lines.push(
      `${plural(counts.listedOnly, 'finding')} in the change ${counts.listedOnly === 1 ? 'is' : 'are'} of medium confidence: ` +
        'listed here as annotations (notice level), not posted as review comments, and never failing this check.',
    );
  if (counts.hidden > 0)
    lines.push(
      `${plural(counts.hidden, 'finding')} of lower confidence than \`min_confidence: ${counts.minConfidence}\` ${counts.hidden === 1 ? 'is' : 'are'} not shown; ` +
        'set `min_confidence: low` in `.github/leakhound.yml`, or run `leakhound check --confidence low` locally, to see them.',
    );
  return lines;
}

/** checkText lists every finding in the change, one per line, for when the review is missing. */
export function checkText(inDiff: readonly ListedFinding[]): string | undefined {
  if (inDiff.length === 0) return undefined;
  const lines = inDiff.map(({ finding: f }) => {
    const fix = f.fix ? ` Fix: ${markdownMessage(sentence(f.fix.message))}` : f.hint ? ` ${markdownMessage(sentence(f.hint))}` : '';
    const sure = f.confidence === 'high' ? '' : ` (${f.confidence} confidence)`;
    return `- **${f.severity}**${sure} ${codeSpan(`${f.path}:${f.line}`)} [\`${f.rule}\`](${ruleDocsUrl(f.rule)}): ${markdownMessage(f.message)}.${fix}`;
  });
  return truncate(['## Findings in the changed lines', '', ...lines].join('\n'), GITHUB_TEXT_LIMIT);
}

function maxRank(findings: readonly Finding[]): number {
  return Math.max(...findings.map((f) => severityRank(f.severity)));
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?:]$/.test(t) ? t : `${t}.`;
}

function escapeTable(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function capList(lines: readonly string[], max: number): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `- … and ${lines.length - max} more`];
}

/** truncate keeps text under GitHub's limit, cutting at a line break and saying so. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = '\n\n… (truncated: GitHub limits this text to 65,535 characters)';
  const cut = text.lastIndexOf('\n', limit - note.length);
  return text.slice(0, cut > 0 ? cut : limit - note.length) + note;
}
