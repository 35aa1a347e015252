import type { SourceFile } from '../model.js';
import type { ChangedFile } from '../diff/parse.js';
import { lineInHunks } from '../diff/parse.js';
import type { MarkedFinding } from './filter.js';
import { commentBody, GITHUB_TEXT_LIMIT, type CommentFix, type ListedFinding } from '../format/markdown.js';
import { lineChangeOf } from '../fix/line-change.js';
import { placeSuggestion } from '../format/suggestion.js';
import type { ReviewCommentDraft, ReviewState } from './ports.js';

/** What a run will post and tidy, decided before any write. */
export interface ReviewPlan {
  /** New comments, most severe first, at most max_comments. */
  readonly comments: readonly (ReviewCommentDraft & { readonly listed: ListedFinding })[];
  /** New findings beyond max_comments (listed in the review body). */
  readonly overflow: readonly ListedFinding[];
  /** New findings whose anchor line cannot carry a comment (listed in the review body). */
  readonly unplaced: readonly ListedFinding[];
  /** Findings already on a thread of ours (or in an earlier review body): not posted again. */
  readonly alreadyReported: number;
  /** Our open threads whose finding is gone: to resolve. */
  readonly threadsToResolve: readonly string[];
}

/** Input of {@link planReview}. */
export interface PlanInput {
  /** Findings on changed lines, most severe first. */
  readonly inDiff: readonly MarkedFinding[];
  /** The fingerprints of every finding of this run (in the diff or not, however sure). */
  readonly current: ReadonlySet<string>;
  readonly changed: ReadonlyMap<string, ChangedFile>;
  /** Head-commit contents by path (for suggestions). */
  readonly contents: ReadonlyMap<string, SourceFile>;
  /** Paths analysed in full or in part this run: a finding missing there is fixed. */
  readonly analysedPaths: ReadonlySet<string>;
  readonly state: ReviewState;
  readonly maxComments: number;
}

/**
 * planReview decides, without side effects, which findings become comments, which are listed in the
 * review body, which are already reported, and which of our threads to resolve.
 *
 * A finding is already reported when its fingerprint is on one of our threads that is open, or that
 * a person resolved (they decided; a `//leakhound:ignore` is the lasting way), or when an earlier
 * review of ours listed it in its body. A thread we resolved ourselves does not count: if its
 * finding comes back, it is reported again.
 *
 * An open thread of ours is resolved when none of its fingerprints is among this run's findings and
 * its file was analysed this run, or is no longer a changed file of the pull request (reverted or
 * deleted). A file that was skipped this time proves nothing, so its threads stay as they are.
 */
export function planReview(input: PlanInput): ReviewPlan {
  const covered = new Set<string>(input.state.listedInBodies);
  for (const thread of input.state.threads) {
    if (!thread.isResolved || !thread.resolvedByUs) for (const fp of thread.fingerprints) covered.add(fp);
  }
  const comments: (ReviewCommentDraft & { listed: ListedFinding })[] = [];
  const overflow: ListedFinding[] = [];
  const unplaced: ListedFinding[] = [];
  let alreadyReported = 0;
  for (const finding of input.inDiff) {
    const fingerprint = finding.fingerprint;
    if (covered.has(fingerprint)) {
      alreadyReported++;
      continue;
    }
    covered.add(fingerprint);
    const listed = { finding, fingerprint };
    if (comments.length >= input.maxComments) {
      overflow.push(listed);
      continue;
    }
    const draft = placeComment(listed, input.changed.get(finding.path), input.contents.get(finding.path));
    if (draft) comments.push({ ...draft, listed });
    else unplaced.push(listed);
  }

  const stillChanged = new Set([...input.changed.values()].filter((f) => f.status !== 'removed').map((f) => f.path));
  const threadsToResolve = input.state.threads
    .filter((t) => !t.isResolved)
    .filter((t) => t.fingerprints.length > 0 && !t.fingerprints.some((fp) => input.current.has(fp)))
    .filter((t) => input.analysedPaths.has(t.path) || !stillChanged.has(t.path))
    .map((t) => t.id);
  return { comments, overflow, unplaced, alreadyReported, threadsToResolve };
}

/**
 * placeComment anchors a finding on the diff: on its line when that line lies in a hunk (RIGHT
 * side), widened to a multi-line suggestion when the fix's lines lie in the same hunk. Undefined
 * when the anchor line cannot carry a comment at all.
 */
export function placeComment(
  listed: ListedFinding,
  changed: ChangedFile | undefined,
  source: SourceFile | undefined,
): ReviewCommentDraft | undefined {
  const { finding, fingerprint } = listed;
  if (!changed || changed.status === 'removed' || !lineInHunks(changed.hunks, finding.line)) return undefined;
  let fix: CommentFix;
  if (finding.fix) {
    const placed = source
      ? placeSuggestion(lineChangeOf(source.content, finding.fix, finding.line), changed.hunks)
      : { reason: 'the file contents were not available' };
    fix = 'replacement' in placed ? { suggestion: placed.replacement } : placed;
  }
  let body = commentBody(finding, fingerprint, fix);
  if (body.length > GITHUB_TEXT_LIMIT && fix && 'suggestion' in fix) {
    // GitHub refuses the whole review for one comment over its limit: this one becomes a hint.
    fix = { reason: 'the suggested lines are longer than a GitHub comment may be' };
    body = commentBody(finding, fingerprint, fix);
  }
  if (fix && 'suggestion' in fix && fix.suggestion.startLine < fix.suggestion.endLine) {
    return { path: finding.path, body, startLine: fix.suggestion.startLine, line: fix.suggestion.endLine };
  }
  const line = fix && 'suggestion' in fix ? fix.suggestion.endLine : finding.line;
  return { path: finding.path, body, line };
}
