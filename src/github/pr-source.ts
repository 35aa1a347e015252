/** Reads a pull request for a run: its changed files and the Go files of the packages it touches. */
import { posix } from 'node:path';
import type { SourceFile } from '../model.js';
import type { LoadedConfig } from '../config/load.js';
import type { FetchedFiles, PullRequestFile, PullRequestSource } from '../review/ports.js';
import { withRetryAfter, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';
import { statusOf } from '../review/stage.js';
import { packageFilesQuery, PULL_REQUEST_ALIAS, type ObjectRequest } from './graphql.js';
import type { PullRequestStateData } from './review-reporter.js';

/** At most this many aliased objects per GraphQL request (directories plus go.mod files). */
export const OBJECTS_PER_QUERY = 150;
/** At most this many files too large for GraphQL are fetched one by one over REST. */
export const MAX_LARGE_FILES = 10;

interface BlobData {
  readonly byteSize: number;
  readonly isBinary: boolean | null;
  readonly isTruncated: boolean;
  readonly text: string | null;
}
interface TreeData {
  readonly entries:
    | readonly {
        readonly name: string;
        readonly type: string;
        readonly mode: number;
        readonly object: BlobData | Record<string, never> | null;
      }[]
    | null;
}

/** Git's file mode of a symbolic link (a blob holding the target's path). */
const SYMLINK_MODE = 0o120000;

/** Options of {@link createPullRequestSource}. */
export interface PullRequestSourceOptions {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  readonly pullNumber: number;
  /** Loads the configuration (Probot's `context.config`, wrapped by ./config.ts). */
  readonly loadConfig: () => Promise<LoadedConfig>;
  /** Receives the pull request's review state fetched along with the files (saves the review step a request). */
  readonly onReviewState?: (state: PullRequestStateData) => void;
  /** How reads are retried when GitHub asks to wait (403/429 with `retry-after`). */
  readonly retry?: RetryOptions;
}

/** createPullRequestSource implements the pipeline's {@link PullRequestSource} over the GitHub API. */
export function createPullRequestSource(options: PullRequestSourceOptions): PullRequestSource {
  const { octokit, repo, pullNumber } = options;
  return {
    loadConfig: options.loadConfig,
    listFiles: () => listPullRequestFiles(octokit, repo, pullNumber, options.retry),
    fetchFiles: (sha, dirs, goModPaths) =>
      fetchPackageFiles(
        octokit,
        repo,
        sha,
        dirs,
        goModPaths,
        options.onReviewState ? { pullNumber, onReviewState: options.onReviewState } : {},
        options.retry,
      ),
  };
}

/** listPullRequestFiles pages through `pulls.listFiles`, 100 at a time (GitHub stops at 3,000). */
export async function listPullRequestFiles(
  octokit: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
  retry?: RetryOptions,
): Promise<PullRequestFile[]> {
  const files = await withRetryAfter(
    () => octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: pullNumber, per_page: 100 }),
    retry,
  );
  return files.map((f) => ({
    filename: f.filename,
    status: f.status,
    ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
    changes: f.changes,
    ...(typeof f.patch === 'string' ? { patch: f.patch } : {}),
  }));
}

/**
 * fetchPackageFiles fetches every Go file directly inside `dirs` and whichever of `goModPaths`
 * exist, at `sha`, with as few requests as it can: one GraphQL query lists each directory with the
 * text of its files (up to {@link OBJECTS_PER_QUERY} directories and go.mod files per query). A go.mod
 * inside a fetched directory comes with it. Files GraphQL truncates are fetched raw over REST (at
 * most {@link MAX_LARGE_FILES}); the rest are reported as problems. With `pullNumber`, the first query
 * also brings the pull request's review state, handed to `onReviewState`.
 */
export async function fetchPackageFiles(
  octokit: GitHubClient,
  repo: RepoRef,
  sha: string,
  dirs: readonly string[],
  goModPaths: readonly string[],
  withState: { readonly pullNumber?: number; readonly onReviewState?: (state: PullRequestStateData) => void } = {},
  retry?: RetryOptions,
): Promise<FetchedFiles> {
  const dirSet = new Set(dirs);
  const requests: (ObjectRequest & { path: string })[] = [
    ...dirs.map((dir, i) => ({ alias: `t${i}`, kind: 'tree' as const, path: dir, expression: `${sha}:${dir === '.' ? '' : dir}` })),
    ...goModPaths
      .filter((p) => !dirSet.has(posix.dirname(p)))
      .map((p, i) => ({ alias: `m${i}`, kind: 'blob' as const, path: p, expression: `${sha}:${p}` })),
  ];
  const files: SourceFile[] = [];
  const goMods: SourceFile[] = [];
  const problems: { path: string; reason: string; unchecked?: boolean }[] = [];
  const large: string[] = [];
  const take = (path: string, blob: BlobData | null | undefined): void => {
    if (!blob || !('byteSize' in blob)) return;
    const target = path.endsWith('.go') ? files : goMods;
    if (blob.isBinary) problems.push({ path, reason: 'binary file' });
    else if (blob.isTruncated || blob.text === null) large.push(path);
    else target.push({ path, content: blob.text });
  };
  for (let start = 0; start < requests.length; start += OBJECTS_PER_QUERY) {
    const batch = requests.slice(start, start + OBJECTS_PER_QUERY);
    const { query, variables } = packageFilesQuery(batch, start === 0 ? withState.pullNumber : undefined);
    const data = await withRetryAfter(
      () =>
        octokit.graphql<{ repository: Record<string, TreeData | BlobData | PullRequestStateData | null> }>(query, {
          ...variables,
          owner: repo.owner,
          name: repo.repo,
        }),
      retry,
    );
    const state = data.repository[PULL_REQUEST_ALIAS] as PullRequestStateData | null | undefined;
    if (state && withState.onReviewState) withState.onReviewState(state);
    for (const request of batch) {
      const object = data.repository[request.alias];
      if (!object) continue;
      if (request.kind === 'blob') {
        take(request.path, object as BlobData);
        continue;
      }
      for (const entry of (object as TreeData).entries ?? []) {
        if (!(entry.name.endsWith('.go') || entry.name === 'go.mod')) continue;
        const path = request.path === '.' ? entry.name : `${request.path}/${entry.name}`;
        // A symbolic link is a blob holding its target's path, a submodule a commit: neither is Go source here.
        if (entry.type === 'commit') problems.push({ path, reason: 'a submodule; its code is not part of this repository' });
        else if (entry.type === 'blob' && entry.mode === SYMLINK_MODE) problems.push({ path, reason: 'a symbolic link; not followed' });
        else if (entry.type === 'blob') take(path, entry.object as BlobData | null);
      }
    }
  }
  for (const [i, path] of large.entries()) {
    if (i >= MAX_LARGE_FILES) {
      problems.push({ path, reason: 'too large to fetch', unchecked: true });
      continue;
    }
    let data: unknown;
    try {
      ({ data } = await withRetryAfter(
        () => octokit.rest.repos.getContent({ ...repo, path, ref: sha, mediaType: { format: 'raw' } }),
        retry,
      ));
    } catch (error) {
      // The commit or the file is gone (a force-push since the event): the other files are still analysed.
      if (statusOf(error) !== 404) throw error;
      problems.push({ path, reason: 'no longer at the head commit (force-pushed away?)', unchecked: true });
      continue;
    }
    const content = typeof data === 'string' ? data : undefined;
    if (content === undefined) problems.push({ path, reason: 'could not be fetched as text', unchecked: true });
    else (path.endsWith('.go') ? files : goMods).push({ path, content });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, goMods, problems };
}
