/**
 * Text from a pull request (file names, and source code quoted in messages) is untrusted: the
 * review and the check run are Markdown, where it could mention people (`@org/team`), link issues
 * (`#123`), open HTML (`<details open>`), or break out of a code span or a list item with a blank
 * line or a newline; and a terminal or CI log would obey the escape sequences and line breaks of a
 * file name (a name with a newline can forge a `::error::` workflow command). Everything a report
 * prints from the pull request goes through one of these functions.
 */

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional controls
 * that can make source text read differently from what it is ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Shows every unprintable character as an escape (`\n`, `\x1b`, `\u202e`): one line, nothing a
 * terminal obeys. A line of source code keeps its tabs (`keepTabs`).
 */
export function printable(text: string, keepTabs = false): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (keepTabs && c === '\t') return c;
    const named = NAMED_ESCAPES[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Collapses every run of whitespace (line breaks included) to one space: code quoted in a one-line message. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/**
 * A Markdown code span holding `text` as is: printable, on one line, fenced by more backticks than
 * any run inside it (and padded when it starts or ends with one), so nothing in it can end it.
 */
export function codeSpan(text: string): string {
  const content = printable(text);
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = content.startsWith('`') || content.endsWith('`') || content === '' ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * Plain text for Markdown: printable, with the punctuation that would format or open HTML escaped,
 * `&` spelt out (so no entity can decode to `@`), and `@`, `#` and `GH-` followed by a zero-width
 * space, so no mention, team ping or issue link is made.
 */
export function markdownText(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/([\\`*_[\]<>|~])/g, '\\$1')
    .replace(/([@#])/g, '$1&#8203;')
    .replace(/\bGH-/gi, (m) => `${m.slice(0, 2)}&#8203;-`);
}

/**
 * A message for Markdown: the code spans the message's own template wrote (`ctx.Done()`) are kept
 * (re-fenced so quoted code cannot end them), the rest is {@link markdownText}. The whole message
 * is one line first, so no blank line can end a span or a list item.
 */
export function markdownMessage(text: string): string {
  return oneLine(text)
    .split(/(`[^`]+`)/)
    .map((part) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? codeSpan(part.slice(1, -1)) : markdownText(part)))
    .join('');
}

/** A path for a URL: every segment percent-encoded, parentheses too (they would end a Markdown link). */
export function urlPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}
