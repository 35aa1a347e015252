/** What an App comment may not do with pull-request text: mention, link, render HTML, add lines. */
import assert from 'node:assert/strict';

/**
 * The parts of rendered Markdown outside code spans (CommonMark: a span opens with a run of n
 * backticks and closes at the next run of exactly n), with the span contents alongside.
 */
export function outsideCode(markdown: string): { text: string; spans: string[] } {
  let text = '';
  const spans: string[] = [];
  let i = 0;
  while (i < markdown.length) {
    const open = /`+/.exec(markdown.slice(i));
    if (!open || markdown[i + open.index - 1] === '\\') {
      if (!open) {
        text += markdown.slice(i);
        break;
      }
      text += markdown.slice(i, i + open.index + open[0].length);
      i += open.index + open[0].length;
      continue;
    }
    const start = i + open.index;
    const fence = open[0];
    const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
    close.lastIndex = start + fence.length;
    const end = close.exec(markdown);
    text += markdown.slice(i, start);
    if (!end) {
      text += markdown.slice(start);
      break;
    }
    spans.push(markdown.slice(start + fence.length, end.index));
    i = end.index + fence.length;
  }
  return { text, spans };
}

/** Asserts rendered Markdown lets no pull-request text act. */
export function assertInert(markdown: string): void {
  const { text, spans } = outsideCode(markdown);
  assert.doesNotMatch(text, /(^|[^\w`&;])@[A-Za-z0-9]/, `a live mention in: ${text}`);
  assert.doesNotMatch(text, /(^|\s)#\d/, `a live issue reference in: ${text}`);
  assert.doesNotMatch(text, /\bGH-\d/i, `a live GH- reference in: ${text}`);
  assert.doesNotMatch(text, /&#64;/, `an entity that decodes to @ in: ${text}`);
  assert.doesNotMatch(text, /(?<!\\)<(?!sub>|\/sub>|!-- leakhound:)[a-z!/]/i, `raw HTML in: ${text}`);
  assert.doesNotMatch(markdown, /\n#+ Heading/, 'a heading smuggled in by a line break');
  assert.doesNotMatch(markdown, /\n- item/, 'a list item smuggled in by a line break');
  for (const span of spans) assert.doesNotMatch(span, /\n\s*\n/, 'a blank line inside a code span');
  assert.ok(!markdown.includes('\u001b'), 'an escape character');
}
