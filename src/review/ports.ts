/**
 * The interfaces between the review pipeline and the outside world. src/github implements them
 * against the GitHub API; tests implement them with plain objects. Nothing here names Octokit.
 */
import type { AnalysisResult, SourceFile } from '../model.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { MarkedFinding } from './filter.js';

/** The pull request and commit one run reviews. */
export interface RunTarget {
  readonly owner: string;
  readonly repo: string;
  readonly pullNumber: number;
  /** The commit analysed: the check run's head_sha and the review's commit_id. */
  readonly headSha: string;
  /** The repository's web address, for links to lines (https://github.com/owner/repo). */
  readonly htmlUrl: string;
  /** What started the run, for logs and the summary ("pull_request.synchronize", "/recheck by @octocat"). */
  readonly trigger: string;
}

/** A file of the pull request as `pulls.listFiles` returns it. */
export interface PullRequestFile {
  readonly filename: string;
  readonly status: string;
  readonly previousFilename?: string;
  /** Added plus deleted lines; 0 for a file that was only moved (GitHub then sends no patch). */
  readonly changes?: number;
  /** The unified diff of the file; GitHub leaves it out for large or binary diffs. */
  readonly patch?: string;
}

/** What fetching the touched packages returned. */
export interface FetchedFiles {
  /** Every Go file of the requested directories, whole, at the head commit. */
  readonly files: SourceFile[];
  /** The go.mod files found among the candidates. */
  readonly goMods: SourceFile[];
  /**
   * Files that exist but could not be fetched, with the reason; `unchecked` when they are Go code
   * the run should have read (too large, gone): a gap in the check, not a file that is not Go source.
   */
  readonly problems: { readonly path: string; readonly reason: string; readonly unchecked?: boolean }[];
}

/** Reads the pull request and the repository. */
export interface PullRequestSource {
  /** `.github/leakhound.yml` from the default branch, validated; never throws for a bad file. */
  loadConfig(): Promise<LoadedConfig>;
  /** Every changed file of the pull request (GitHub lists at most 3,000). */
  listFiles(): Promise<PullRequestFile[]>;
  /** The Go files directly inside `dirs` and whichever `goModPaths` exist, at `sha`. */
  fetchFiles(sha: string, dirs: readonly string[], goModPaths: readonly string[]): Promise<FetchedFiles>;
}

/** A review thread of the pull request that we started (our marker, our account). */
export interface OurThread {
  readonly id: string;
  readonly path: string;
  readonly fingerprints: readonly string[];
  readonly isResolved: boolean;
  /** Resolved by us (or by an unknown account), as opposed to by a person who decided to keep it. */
  readonly resolvedByUs: boolean;
}

/** The pull request as it stands just before posting. */
export interface ReviewState {
  readonly headSha: string;
  readonly threads: readonly OurThread[];
  /** Fingerprints listed in the bodies of our earlier reviews (findings that did not fit as comments). */
  readonly listedInBodies: ReadonlySet<string>;
}

/** One review comment as the API takes it (RIGHT side only). */
export interface ReviewCommentDraft {
  readonly path: string;
  readonly body: string;
  readonly line: number;
  /** Set for a multi-line comment; start_line..line lie in one hunk. */
  readonly startLine?: number;
}

/** One review: event COMMENT on `commitId`. */
export interface ReviewDraft {
  readonly commitId: string;
  readonly body: string;
  readonly comments: readonly ReviewCommentDraft[];
}

/** Posts and tidies review comments. */
export interface ReviewSink {
  /** Re-reads the head commit and our existing threads. */
  readState(): Promise<ReviewState>;
  /** Creates one review; rejects with the API's error when GitHub refuses it. */
  postReview(review: ReviewDraft): Promise<void>;
  /** Resolves the threads of fixed findings; returns the ids that were resolved. */
  resolveThreads(threadIds: readonly string[]): Promise<string[]>;
}

/** Severity level of a check-run annotation. */
export type AnnotationLevel = 'failure' | 'warning' | 'notice';

/** A check-run annotation. */
export interface Annotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly startColumn?: number;
  readonly endColumn?: number;
  readonly level: AnnotationLevel;
  readonly title: string;
  readonly message: string;
  readonly rawDetails?: string;
}

/** The final state of a check run. */
export interface CheckResult {
  readonly conclusion: 'success' | 'neutral' | 'failure';
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
  readonly annotations: readonly Annotation[];
}

/** A check run that was created `in_progress`. */
export interface CheckRunHandle {
  /** Completes the run; annotations beyond 50 are sent in further requests. */
  complete(result: CheckResult): Promise<void>;
  /** Replaces the completed run's title, summary and text (its annotations stay); where the sink can. */
  amend?(result: CheckResult): Promise<void>;
}

/** Creates check runs. */
export interface CheckSink {
  start(headSha: string): Promise<CheckRunHandle>;
}

/**
 * Analyzer analyses the fetched Go files. The server passes one that runs in a worker process
 * (src/analysis/pool.ts), so a large pull request never blocks the event loop and a file over the
 * per-file time budget is skipped and named in `problems`; tests may pass the in-process `analyze`.
 * It rejects only when the analysis itself could not run (a worker that died). `schedule.tenant`
 * (the repository owner, one per installation) lets the pool take turns between installations.
 */
export type Analyzer = (
  files: readonly SourceFile[],
  options: { readonly config: Config; readonly goMods: readonly SourceFile[] },
  schedule?: { readonly tenant?: string },
) => Promise<AnalysisResult>;

/** Where the pipeline logs; a subset of pino's Logger. */
export interface RunLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a run did, for the caller (handlers react on it, tests assert on it). */
export interface RunReport {
  readonly conclusion: CheckResult['conclusion'];
  readonly findingsInDiff: readonly MarkedFinding[];
  readonly commentsPosted: number;
  readonly listedInBody: number;
  readonly threadsResolved: number;
  readonly superseded: boolean;
  /** Set when the review could not be posted; the findings are still in the check run. */
  readonly reviewError?: string;
}
