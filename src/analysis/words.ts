/**
 * Finding identifiers in source text before asking the tree: the cheap first step of most
 * questions (references to a name, declarations, call sites). Word characters are ASCII letters,
 * digits and `_` plus everything from U+0080 up: a superset of Go's identifier letters, which can
 * only add candidates that the tree then rejects (and in valid Go no identifier touches another
 * non-ASCII character outside comments and strings). Regular expressions without the `u` flag and
 * `indexOf` are several times faster than Unicode property classes.
 */

/** The characters of a word, as a regular-expression class body. */
export const WORD_CLASS = '\\w\\u0080-\\uffff';

/** Whether a UTF-16 code unit is a word character. */
export function isWordCode(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    (code >= 0x80 && code <= 0xffff)
  );
}

/**
 * Calls `visit` with every identifier-like token (a whole run of word characters that starts with
 * a letter, `_` or a non-ASCII character) and its offset, in order. A scan of character codes,
 * about a fifth faster than a global regular expression on Go source: this is the costliest text
 * pass (the package word index).
 */
export function forEachWord(source: string, visit: (word: string, at: number) => void): void {
  const length = source.length;
  let at = 0;
  while (at < length) {
    const first = source.charCodeAt(at);
    if (!isWordCode(first)) {
      at++;
      continue;
    }
    let end = at + 1;
    while (end < length && isWordCode(source.charCodeAt(end))) end++;
    if (first > 57 || first < 48) visit(source.slice(at, end), at);
    at = end;
  }
}

/** Options of a word search. */
export interface WordSearch {
  /** Skip mentions right after a `.`: the field or method of a selector, not a variable. */
  readonly notSelected?: boolean;
}

/** The first offset in [from, to) where `word` appears as a whole word, or -1. */
export function nextWord(source: string, word: string, from: number, to: number, options: WordSearch = {}): number {
  for (let at = source.indexOf(word, from); at >= 0 && at + word.length <= to; at = source.indexOf(word, at + 1)) {
    const before = at > 0 ? source.charCodeAt(at - 1) : 32;
    const end = at + word.length;
    const after = end < source.length ? source.charCodeAt(end) : 32;
    if (isWordCode(before) || isWordCode(after) || (options.notSelected && before === 46)) continue;
    return at;
  }
  return -1;
}

/** Whether `word` appears as a whole word in source[from, to) (in code, comments or strings alike). */
export function hasWordBetween(source: string, word: string, from: number, to: number): boolean {
  return nextWord(source, word, from, to) >= 0;
}

/** Every offset in [from, to) where `word` appears as a whole word, in order. */
export function wordsBetween(source: string, word: string, from: number, to: number, options: WordSearch = {}): number[] {
  const found: number[] = [];
  for (let at = nextWord(source, word, from, to, options); at >= 0; at = nextWord(source, word, at + 1, to, options)) found.push(at);
  return found;
}
