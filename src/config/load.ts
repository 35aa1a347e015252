import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { closestName } from '../format/did-you-mean.js';
import { CONFIG_SCHEMA, DEFAULT_CONFIG, type Config, type RuleLevel } from './schema.js';

/** The outcome of reading a configuration: what to use, and what was wrong with what was given. */
export interface LoadedConfig {
  readonly config: Config;
  /** Human-readable problems; non-empty means some or all of the file was ignored. */
  readonly errors: string[];
}

/** The largest configuration file read, in bytes (the App refuses a larger one unread). */
export const MAX_CONFIG_BYTES = 64 * 1024;
/** The most problems listed one by one; the rest are counted. */
const MAX_LISTED_ERRORS = 20;

let compiled: ValidateFunction | undefined;
/** The schema's validator, compiled on first use (~190 ms): a run without a configuration file never pays for it. */
function validateConfig(input: unknown): boolean {
  compiled ??= new Ajv({ allErrors: true }).compile(CONFIG_SCHEMA);
  return compiled(input);
}

/**
 * parseConfigText reads `.github/leakhound.yml` text. It never throws: a broken file yields the
 * defaults plus an error message; an unknown rule id or a bad key drops only that entry.
 */
export function parseConfigText(text: string | undefined, knownRuleIds: readonly string[]): LoadedConfig {
  if (text === undefined || text.trim() === '') return { config: DEFAULT_CONFIG, errors: [] };
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) {
    return {
      config: DEFAULT_CONFIG,
      errors: [
        `the configuration is ${bytes.toLocaleString('en-US')} bytes, more than the ${MAX_CONFIG_BYTES.toLocaleString('en-US')} allowed; using the defaults`,
      ],
    };
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return { config: DEFAULT_CONFIG, errors: [`the configuration is not valid YAML (${firstLine(error)}); using the defaults`] };
  }
  return normalizeConfig(raw, knownRuleIds);
}

/**
 * normalizeConfig validates an already-parsed configuration object (Probot's `context.config`
 * returns one) and merges it over the defaults, keeping every valid key.
 */
export function normalizeConfig(raw: unknown, knownRuleIds: readonly string[]): LoadedConfig {
  if (raw === null || raw === undefined) return { config: DEFAULT_CONFIG, errors: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { config: DEFAULT_CONFIG, errors: ['the configuration must be a YAML mapping; using the defaults'] };
  }
  const errors: string[] = [];
  const input = { ...(raw as Record<string, unknown>) };
  // `rules` is checked entry by entry below: one bad entry must not drop every override.
  const ruleInput = input.rules;
  delete input.rules;
  if (!validateConfig(input)) {
    const badKeys = new Set<string>();
    for (const error of compiled?.errors ?? []) {
      errors.push(describeSchemaError(error));
      const key = topLevelKey(error);
      if (key) badKeys.add(key);
    }
    for (const key of badKeys) delete input[key];
  }
  const rules = readRules(ruleInput, knownRuleIds, errors);
  const config: Config = {
    ...DEFAULT_CONFIG,
    ...(input as Partial<Config>),
    rules,
  };
  return { config, errors: capped(errors) };
}

/** The first {@link MAX_LISTED_ERRORS} problems, and how many more there were. */
function capped(errors: string[]): string[] {
  if (errors.length <= MAX_LISTED_ERRORS) return errors;
  return [...errors.slice(0, MAX_LISTED_ERRORS), `…and ${errors.length - MAX_LISTED_ERRORS} more problems`];
}

const LEVELS: readonly RuleLevel[] = ['error', 'warning', 'notice', 'off'];

/** The valid entries of `rules:`, each invalid one named in `errors` (with the likely rule id when misspelt). */
function readRules(value: unknown, knownRuleIds: readonly string[], errors: string[]): Record<string, RuleLevel> {
  const rules: Record<string, RuleLevel> = {};
  if (value === undefined || value === null) return rules;
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push('rules: must be a mapping of rule id to error, warning, notice or off; ignored');
    return rules;
  }
  for (const [id, level] of Object.entries(value as Record<string, unknown>)) {
    if (!knownRuleIds.includes(id)) {
      const near = closestName(id, knownRuleIds);
      errors.push(`rules: unknown rule id "${id}"${near ? ` (did you mean "${near}"?)` : ''}; ignored`);
    } else if (!LEVELS.includes(level as RuleLevel)) {
      errors.push(`rules.${id}: must be one of error, warning, notice, off, not ${JSON.stringify(level)}; ignored`);
    } else {
      rules[id] = level as RuleLevel;
    }
  }
  return rules;
}

function topLevelKey(error: ErrorObject): string | undefined {
  if (error.keyword === 'additionalProperties' && error.instancePath === '') return undefined;
  const match = /^\/([^/]+)/.exec(error.instancePath);
  return match?.[1];
}

function describeSchemaError(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties' && error.instancePath === '') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    return `unknown key "${key}" ignored`;
  }
  const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
  const allowed = error.keyword === 'enum' ? ` (one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  return `${where}: ${error.message ?? 'invalid'}${allowed}; ignored`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
