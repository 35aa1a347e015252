import { MAX_CONFIG_BYTES, normalizeConfig, parseConfigText, type LoadedConfig } from '../config/load.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { messageOf, statusOf } from '../review/stage.js';
import { RULE_IDS } from '../rules/index.js';
import type { GitHubClient, RepoRef } from './client.js';

/** The configuration file, under `.github/` of the default branch. */
export const CONFIG_FILE = 'leakhound.yml';
const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/** The part of Probot's context that reads configuration. */
export interface ConfigReader {
  config(fileName: string): Promise<unknown>;
}

function unusable(why: string): LoadedConfig {
  return { config: DEFAULT_CONFIG, errors: [`${CONFIG_PATH} could not be used (${why}); using the defaults`] };
}

/**
 * loadRepoConfig reads `.github/leakhound.yml` from the default branch only (so a pull request
 * cannot switch the checker off for itself), or, when the repository has none, from the owner's
 * `.github` repository, as Probot's `context.config` does. It never throws: a file that cannot be
 * read or parsed yields the defaults and an error for the check-run summary; invalid keys are
 * dropped one by one by `normalizeConfig`.
 *
 * A file's size is known before its text is read: one larger than {@link MAX_CONFIG_BYTES} is
 * refused unread (a 3.5 MB file of globs once stalled the server for 24 s). A file that
 * `_extends` another is read with `context.config`, which follows the chain.
 */
export async function loadRepoConfig(reader: ConfigReader, octokit: GitHubClient, repo: RepoRef): Promise<LoadedConfig> {
  const places = repo.repo === '.github' ? [repo] : [repo, { owner: repo.owner, repo: '.github' }];
  for (const place of places) {
    const file = await readConfigFile(octokit, place);
    if (file === 'missing') continue;
    if ('errors' in file) return file;
    if (/^_extends\s*:/m.test(file.text)) return readWithProbot(reader);
    return parseConfigText(file.text, RULE_IDS);
  }
  return { config: DEFAULT_CONFIG, errors: [] };
}

/** The configuration file's text in one repository, 'missing', or why it cannot be used. */
async function readConfigFile(octokit: GitHubClient, repo: RepoRef): Promise<{ text: string } | 'missing' | LoadedConfig> {
  let file: { type?: string; size?: number; encoding?: string; content?: string };
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: CONFIG_PATH });
    if (Array.isArray(data)) return unusable('it is a directory');
    file = data as typeof file;
  } catch (error) {
    return statusOf(error) === 404 ? 'missing' : unusable(messageOf(error));
  }
  if (file.type !== 'file') return unusable(`it is a ${file.type ?? 'thing other than a file'}`);
  const size = file.size ?? 0;
  if (size > MAX_CONFIG_BYTES) {
    return unusable(
      `it is ${size.toLocaleString('en-US')} bytes; a configuration may have at most ${MAX_CONFIG_BYTES.toLocaleString('en-US')}`,
    );
  }
  return { text: Buffer.from(file.content ?? '', file.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8') };
}

/** Probot's `context.config`: follows `_extends` and the owner's `.github` repository. */
async function readWithProbot(reader: ConfigReader): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await reader.config(CONFIG_FILE);
  } catch (error) {
    const why = messageOf(error).replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
    const cause = error instanceof Error && error.cause !== undefined ? `: ${messageOf(error.cause)}` : '';
    return unusable(`${why}${cause}`);
  }
  return normalizeConfig(raw, RULE_IDS);
}
