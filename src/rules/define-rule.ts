import type { GoFile } from '../analysis/go-file.js';
import type { GoVersion } from '../analysis/go-version.js';
import type { Confidence, Fix, Severity } from '../model.js';
import type { PackageIndex } from '../analysis/package-index.js';
import type { SyntaxNode } from '../analysis/parser.js';
import type { Scope } from '../analysis/scope.js';
import type { Directive } from '../analysis/suppress.js';
import { oneLine } from '../format/safe-text.js';

/** The four rule families of RULES.md, and the rules about leakhound's own directives. */
export type RuleFamily = 'globals' | 'goroutines' | 'residue' | 'pointer overuse' | 'directives';

/** Documentation a rule carries; docs/rules/<id>.md is generated from it. */
export interface RuleDocs {
  /** One paragraph: what the rule reports and why that keeps memory reachable. */
  readonly description: string;
  /** A Go snippet the rule reports. */
  readonly bad: string;
  /** The same snippet fixed. */
  readonly good: string;
  /** Shapes the rule deliberately does not report, each with the reason. */
  readonly notReported: readonly string[];
  /** What evidence makes a finding high, medium or low confidence (ARCHITECTURE.md, "Evidence, lifetime and confidence"). */
  readonly confidence: string;
  /** How the default severity depends on the Go version, when it does. */
  readonly versions?: string;
}

/** Everything about a rule except its logic. */
export interface RuleMeta {
  /** Lowercase, at most 60 characters. */
  readonly title: string;
  readonly family: RuleFamily;
  readonly severity: Severity;
  /**
   * The confidence of a finding whose report does not say otherwise. Rules whose evidence is weak
   * default to `medium`; a report raises or lowers it from the evidence it has.
   */
  readonly confidence: Confidence;
  /** The leakhound version that introduced the rule. */
  readonly since: string;
  /** `suggestion` when the rule can offer a one-click fix, `hint` when it only explains. */
  readonly fix: 'suggestion' | 'hint';
  /** Message templates by id; `{{name}}` is replaced from the report's data. Lowercase, no final period. */
  readonly messages: Readonly<Record<string, string>>;
  /** The advice shown with every finding that has no mechanical fix. */
  readonly hint: string;
  readonly docs: RuleDocs;
  /**
   * The default severity for a Go version (the module's `go` directive; undefined when unknown),
   * or `off`. Without it the rule's severity applies to every version.
   */
  readonly severityFor?: (version: GoVersion | undefined) => Severity | 'off';
}

/** What a rule may report. The anchor is the start line of `node`. */
export interface RuleReport {
  readonly node: SyntaxNode;
  readonly messageId: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly fix?: Fix | null;
  /** Replaces the rule's default hint for this finding (for example a note on the fix). */
  readonly hint?: string;
  /** The confidence the evidence gives this finding (default: the rule's `meta.confidence`). */
  readonly confidence?: Confidence;
  /** Replaces the rule's default severity for this finding (never above a configured override; see analyze). */
  readonly severity?: Severity;
}

/** What a rule sees: one file of a package, the package, scopes, the Go version. */
export interface RuleContext {
  readonly file: GoFile;
  readonly pkg: PackageIndex;
  readonly scope: Scope;
  readonly goVersion: GoVersion | undefined;
  /** The file's `//leakhound:` directives, for the rules that check them. */
  readonly directives: DirectiveFacts;
  report(report: RuleReport): void;
}

/** What the directive rules know about a file's `//leakhound:` comments. */
export interface DirectiveFacts {
  readonly list: readonly Directive[];
  /** Every rule id leakhound knows (whether or not it runs here). */
  readonly knownRuleIds: readonly string[];
  /**
   * The rule ids of directives that suppressed nothing, per directive; only ids of rules that ran
   * on this file to the end, and nothing when the file has syntax errors (a finding there is dropped,
   * so the directive may not be idle). Meaningful only in a rule that `runsLast`.
   */
  unused(): Array<{ directive: Directive; ids: string[] }>;
}

/** A rule: metadata plus a check over one file. */
export interface Rule {
  readonly id: string;
  readonly meta: RuleMeta;
  /** The node types this rule reads through `file.nodes(type)`; gathered for all rules in one pass. */
  readonly nodeTypes: readonly string[];
  /** The rule runs only on files importing at least one of these paths (an early exit). */
  readonly requiresImports?: readonly string[];
  /**
   * The rule runs only on files whose text contains every one of these strings (an early exit
   * that costs no syntax tree work, e.g. `['delete(']`). Must be implied by every shape reported.
   */
  readonly mustContain?: readonly string[];
  /**
   * The rule does not run on test files (`_test.go`): a test does not live long enough for the
   * leak to matter. The rule's docs say so automatically.
   */
  readonly skipTestFiles?: boolean;
  /** The rule runs after every other rule of the file, because it reads what they suppressed. */
  readonly runsLast?: boolean;
  check(context: RuleContext): void;
}

/** defineRule checks a rule's metadata at load time and returns it unchanged. */
export function defineRule(rule: Rule): Rule {
  if (!/^[a-z]+(-[a-z0-9]+)*$/.test(rule.id)) throw new Error(`rule id "${rule.id}" must be kebab-case`);
  if (rule.meta.title.length > 60 || rule.meta.title !== rule.meta.title.toLowerCase()) {
    throw new Error(`rule ${rule.id}: title must be lowercase and at most 60 characters`);
  }
  for (const [id, text] of Object.entries(rule.meta.messages)) {
    if (/\.$/.test(text) || /^[A-Z]/.test(text)) throw new Error(`rule ${rule.id}: message ${id} must be lowercase with no final period`);
  }
  return rule;
}

/** The longest value a message quotes whole; longer ones keep their start and end around an ellipsis. */
export const MAX_QUOTED_CHARS = 120;

/**
 * Fills `{{name}}` placeholders of a message template. Values are often source text (`q.items`,
 * an expression over several lines): each is put on one line, so a message always is one, and
 * shortened past {@link MAX_QUOTED_CHARS}, so a message stays readable (and a review comment within
 * GitHub's size limit) whatever the source holds.
 */
export function formatMessage(template: string, data: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => {
    const value = data[key];
    return value === undefined ? `{{${key}}}` : shorten(oneLine(value));
  });
}

function shorten(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return text;
  const tail = 30;
  return `${text.slice(0, MAX_QUOTED_CHARS - tail - 1)}…${text.slice(-tail)}`;
}

/** The documentation URL of a rule, derived from its id. */
export function ruleDocsUrl(id: string): string {
  return `https://github.com/leakhound/leakhound/blob/main/docs/rules/${id}.md`;
}
