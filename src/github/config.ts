import { normalizeConfig, type LoadedConfig } from '../config/load.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { messageOf } from '../review/stage.js';
import { RULE_IDS } from '../rules/index.js';

/** The configuration file, under `.github/` of the default branch. */
export const CONFIG_FILE = 'leakhound.yml';

/** The part of Probot's context that reads configuration. */
export interface ConfigReader {
  config(fileName: string): Promise<unknown>;
}

/**
 * loadRepoConfig reads `.github/leakhound.yml` with Probot's `context.config`, which reads the
 * default branch only (so a pull request cannot switch the checker off for itself) and follows
 * `_extends`. It never throws: unparsable YAML, or a file that cannot be read, yields the defaults
 * and an error for the check-run summary; invalid keys are dropped one by one by `normalizeConfig`.
 */
export async function loadRepoConfig(reader: ConfigReader): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await reader.config(CONFIG_FILE);
  } catch (error) {
    const why = messageOf(error).replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
    const cause = error instanceof Error && error.cause !== undefined ? `: ${messageOf(error.cause)}` : '';
    return { config: DEFAULT_CONFIG, errors: [`.github/${CONFIG_FILE} could not be used (${why}${cause}); using the defaults`] };
  }
  return normalizeConfig(raw, RULE_IDS);
}
