/**
 * Token mode reads the Go files from the CI's checkout instead of the API when the checkout is the
 * pull request's head commit, unchanged: no requests for contents, and the same files the App would
 * fetch. Any other checkout (actions/checkout's default for pull requests is a merge commit, whose
 * lines differ from the head's) is not used.
 */
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { tryGit } from '../local/git-source.js';
import { readPackageFiles } from '../local/package-files.js';
import { readSourceFile } from '../local/read-source.js';
import type { FetchedFiles, PullRequestSource } from '../review/ports.js';

/** The root of the git checkout at `cwd` when its HEAD is `sha` and no Go file differs from it; otherwise undefined. */
export async function checkoutAt(cwd: string, sha: string): Promise<string | undefined> {
  const root = await tryGit(cwd, ['rev-parse', '--show-toplevel']);
  if (!root || (await tryGit(cwd, ['rev-parse', 'HEAD'])) !== sha) return undefined;
  const dirty = await tryGit(root, ['status', '--porcelain', '--untracked-files=normal', '--', '*.go', '*go.mod']);
  return dirty === '' ? root : undefined;
}

/** Reads the touched packages from the checkout at `root`; everything else from `source`. */
export function fromCheckout(source: PullRequestSource, root: string): PullRequestSource {
  return {
    loadConfig: () => source.loadConfig(),
    listFiles: () => source.listFiles(),
    fetchFiles: (_sha, dirs, goModPaths): Promise<FetchedFiles> => {
      const toRepoPath = (absolute: string): string =>
        posix.normalize(
          absolute
            .slice(root.length + 1)
            .split('\\')
            .join('/'),
        );
      const read = readPackageFiles(
        dirs.map((dir) => join(root, dir)),
        toRepoPath,
        { skipSymlinks: true },
      );
      const goMods = goModPaths
        .filter((path) => existsSync(join(root, path)))
        .flatMap((path) => {
          const mod = readSourceFile(join(root, path));
          return 'content' in mod ? [{ path, content: mod.content }] : [];
        });
      return Promise.resolve({
        files: read.files,
        goMods,
        problems: read.unreadable.map((u) => ({ ...u, unchecked: u.reason !== 'a symbolic link; not followed' })),
      });
    },
  };
}
