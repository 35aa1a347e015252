import type { Confidence, Severity } from '../model.js';
import { MAX_EXCLUDE_PATTERNS, MAX_PATTERN_CHARS } from './excludes.js';

/** A rule's configured level: a severity, or `off` to disable it. */
export type RuleLevel = Severity | 'off';

/** The validated configuration, with every default filled in. */
export interface Config {
  /** Per-rule severity overrides, by rule id. */
  readonly rules: Readonly<Record<string, RuleLevel>>;
  /** Globs (relative to the repository root) of files not to analyse, on top of the defaults. */
  readonly exclude: readonly string[];
  /** Findings at or above this severity fail the check run (or make the CLI exit 1). */
  readonly fail_on: Severity | 'never';
  /** At most this many review comments per run; the rest are listed in the review body. */
  readonly max_comments: number;
  /** Whether to post review comments at all (the check run is always written). */
  readonly review_comments: boolean;
  /** Overrides the `go` directive of go.mod, e.g. "1.22". */
  readonly go_version?: string;
  /**
   * The least confidence a finding needs to be reported at all. Only `high` findings become review
   * comments; `medium` ones are listed in the check run (and the CLI's output); `low` ones only
   * when this is `low`.
   */
  readonly min_confidence: Confidence;
}

/** Paths excluded whatever the configuration says (generated files are detected separately). */
export const DEFAULT_EXCLUDES: readonly string[] = ['vendor/**', '**/vendor/**', 'testdata/**', '**/testdata/**'];

/** The configuration used when the repository has none. */
export const DEFAULT_CONFIG: Config = {
  rules: {},
  exclude: [],
  fail_on: 'error',
  max_comments: 25,
  review_comments: true,
  min_confidence: 'medium',
};

/** JSON schema of `.github/leakhound.yml`; descriptions double as documentation. */
export const CONFIG_SCHEMA = {
  $id: 'https://leakhound.dev/schema/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: {
      description: 'Per-rule severity: error, warning, notice, or off.',
      type: 'object',
      additionalProperties: { enum: ['error', 'warning', 'notice', 'off'] },
    },
    exclude: {
      description: `Glob patterns of paths not to analyse (vendor/** and testdata/** are always excluded); at most ${MAX_EXCLUDE_PATTERNS} patterns of at most ${MAX_PATTERN_CHARS} characters.`,
      type: 'array',
      maxItems: MAX_EXCLUDE_PATTERNS,
      items: { type: 'string', minLength: 1, maxLength: MAX_PATTERN_CHARS },
    },
    fail_on: {
      description: 'The lowest severity that fails the check run; never to always pass.',
      enum: ['error', 'warning', 'notice', 'never'],
    },
    max_comments: {
      description: 'The most review comments one run posts; the rest are listed in the review body.',
      type: 'integer',
      minimum: 0,
      maximum: 100,
    },
    review_comments: {
      description: 'Post review comments (true) or only the check run (false).',
      type: 'boolean',
    },
    min_confidence: {
      description:
        'The least confidence a finding needs to be reported: high (review comments only), medium (also listed in the check run; the default) or low (everything).',
      enum: ['high', 'medium', 'low'],
    },
    go_version: {
      description: 'The Go version to assume, overriding go.mod, e.g. "1.22".',
      type: 'string',
      pattern: '^1\\.\\d+(\\.\\d+)?$',
    },
  },
} as const;
