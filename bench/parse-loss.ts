/**
 * How much Go code the analyzer cannot see because tree-sitter-go does not parse it (issue #9):
 * newer syntax such as Go 1.26's `new(expr)`, or plain syntax errors. For every repository of the
 * real-world benchmark (bench/corpus, see bench/realworld/checkout.sh), parses each non-generated
 * Go file outside vendor/ and testdata/ twice, with plain parsing and with the analyzer's
 * recovering parse, and counts the files with errors, the characters and lines inside error
 * regions, and the functions an error region reaches into.
 *
 * Usage: npm run build && node dist/bench/parse-loss.js [--corpus bench/corpus]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorRanges, parseGo, parseGoRecovering, type SyntaxNode } from '../src/analysis/parser.js';
import { isGenerated } from '../src/analysis/suppress.js';

const { values } = parseArgs({ options: { corpus: { type: 'string' } } });
const corpus = values.corpus ?? join(process.cwd(), 'bench', 'corpus');

interface Loss {
  files: number;
  filesWithErrors: number;
  chars: number;
  lines: number;
  functions: number;
}

const empty = (): Loss => ({ files: 0, filesWithErrors: 0, chars: 0, lines: 0, functions: 0 });

function goFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (!['vendor', 'testdata'].includes(entry) && !entry.startsWith('.') && !entry.startsWith('_')) goFiles(path, out);
    } else if (entry.endsWith('.go')) out.push(path);
  }
  return out;
}

function measure(loss: Loss, source: string, root: SyntaxNode): void {
  const ranges = errorRanges(root);
  loss.files++;
  if (ranges.length === 0) return;
  loss.filesWithErrors++;
  const lines = new Set<number>();
  for (const [start, end] of ranges) {
    loss.chars += end - start;
    const first = source.slice(0, start).split('\n').length;
    const last = first + source.slice(start, end).split('\n').length - 1;
    for (let l = first; l <= last; l++) lines.add(l);
  }
  loss.lines += lines.size;
  for (const decl of root.namedChildren) {
    if (decl.type !== 'function_declaration' && decl.type !== 'method_declaration' && decl.type !== 'ERROR') continue;
    if (ranges.some(([start, end]) => start < decl.endIndex && decl.startIndex < end)) loss.functions++;
  }
}

const rows: string[] = [];
const total = { plain: empty(), recovering: empty(), chars: 0, lines: 0 };
for (const repo of readdirSync(corpus).sort()) {
  const dir = join(corpus, repo);
  if (repo.startsWith('.') || !statSync(dir).isDirectory() || !existsSync(join(dir, '.leakhound-commit'))) continue;
  const plain = empty();
  const recovering = empty();
  let chars = 0;
  let lines = 0;
  for (const path of goFiles(dir)) {
    const source = readFileSync(path, 'utf8');
    if (isGenerated(source)) continue;
    chars += source.length;
    lines += source.split('\n').length;
    const tree = parseGo(source);
    const recovered = parseGoRecovering(source);
    if (!tree || !recovered) continue;
    measure(plain, source, tree.rootNode);
    measure(recovering, source, recovered.tree.rootNode);
  }
  for (const [key, loss] of [
    ['plain', plain],
    ['recovering', recovering],
  ] as const) {
    for (const field of Object.keys(loss) as Array<keyof Loss>) total[key][field] += loss[field];
  }
  total.chars += chars;
  total.lines += lines;
  const cell = (l: Loss): string => `${l.filesWithErrors} | ${l.lines} | ${l.functions}`;
  rows.push(`| ${repo} | ${plain.files} | ${(chars / 1e6).toFixed(1)} MB | ${cell(plain)} | ${cell(recovering)} |`);
}
const cell = (l: Loss): string => `${l.filesWithErrors} | ${l.lines} | ${l.functions}`;
console.log(
  '| repository | Go files | size | files with errors (plain) | lines lost | functions reached | files with errors (recovering) | lines lost | functions reached |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
console.log(`| **all** | ${total.plain.files} | ${(total.chars / 1e6).toFixed(1)} MB | ${cell(total.plain)} | ${cell(total.recovering)} |`);
console.log(
  `\nLines inside error regions: ${total.plain.lines} of ${total.lines} (${((100 * total.plain.lines) / total.lines).toFixed(3)}%) with plain parsing, ` +
    `${total.recovering.lines} (${((100 * total.recovering.lines) / total.lines).toFixed(3)}%) with the recovering parse.`,
);
