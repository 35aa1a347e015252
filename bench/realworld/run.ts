/**
 * The real-world precision benchmark (issue #9): runs `leakhound check --format json --confidence low`
 * on every repository of bench/realworld/repos.json (checked out by checkout.sh under
 * bench/corpus/), matches the findings with the judged labels of bench/realworld/labels.tsv, and
 * prints per-rule precision for what the App posts inline (`high`) and for everything reported by
 * default (`high` + `medium`), the fix verdicts, whether every fix (alone, and all of a file
 * together) still parses, and the findings nobody has judged yet.
 *
 * Usage: npm run build && node dist/bench/realworld/run.js [--only NAME] [--reuse] [--todo DIR]
 *   --reuse      read the previous run's JSON from bench/corpus/.results instead of running again
 *   --todo DIR   write the unlabelled reported findings of each repository to DIR/<name>.todo.json
 *                (with --low, the unlabelled low-confidence ones too)
 *   --low        also list unlabelled low-confidence findings
 *   --cli PATH   run another build's CLI (to measure an older commit: build it in a git worktree);
 *                with --legacy, one from before confidence existed (every finding counts as high,
 *                as that build posted everything inline)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JsonReport } from '../../src/format/json.js';
import { applyEdits } from '../../src/fix/edits.js';
import type { TextEdit } from '../../src/model.js';
import { errorRanges, parseGoOrThrow } from '../../src/analysis/parser.js';

type JsonFinding = JsonReport['findings'][number];

interface Repo {
  readonly name: string;
  readonly github: string;
  readonly commit: string;
}

/** One judged finding: TRUE, DEBATABLE or FALSE (JUDGING.md), and the fix's verdict. */
interface Label {
  readonly repo: string;
  readonly commit: string;
  readonly path: string;
  readonly line: number;
  readonly rule: string;
  readonly verdict: 'TRUE' | 'DEBATABLE' | 'FALSE';
  readonly fix: 'OK' | 'OK-noop' | 'WRONG' | '-';
  readonly reason: string;
}

const ROOT = process.cwd();
const HERE = join(ROOT, 'bench', 'realworld');
const CORPUS = join(ROOT, 'bench', 'corpus');
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    reuse: { type: 'boolean' },
    todo: { type: 'string' },
    low: { type: 'boolean' },
    cli: { type: 'string' },
    legacy: { type: 'boolean' },
  },
});
const CLI = values.cli ?? join(ROOT, 'dist', 'src', 'bin', 'leakhound.js');
const CONFIDENCE_ARGS = values.legacy ? [] : ['--confidence', 'low'];
/** Every package of the repository: `./...` since the CLI takes Go package patterns; older builds walked `.`. */
const PATTERN = values.legacy ? '.' : './...';
/** Where each repository's JSON is kept for --reuse; another build's results are kept apart. */
const RESULTS = join(CORPUS, values.cli ? '.results-other-cli' : '.results');

const repos = (JSON.parse(readFileSync(join(HERE, 'repos.json'), 'utf8')) as { repos: Repo[] }).repos.filter(
  (r) => !values.only || r.name === values.only,
);
const labels = readLabels(join(HERE, 'labels.tsv'));
const labelKey = (repo: string, path: string, line: number, rule: string): string => `${repo}\0${path}\0${line}\0${rule}`;
const byKey = new Map(labels.map((l) => [labelKey(l.repo, l.path, l.line, l.rule), l]));

function readLabels(path: string): Label[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [repo = '', commit = '', file = '', lineNo = '', rule = '', verdict = '', fix = '', ...reason] = line.split('\t');
      if (!['TRUE', 'DEBATABLE', 'FALSE'].includes(verdict) || !['OK', 'OK-noop', 'WRONG', '-'].includes(fix))
        throw new Error(`labels.tsv: bad verdict in: ${line}`);
      return { repo, commit, path: file, line: Number(lineNo), rule, verdict, fix, reason: reason.join(' ') } as Label;
    });
}

function run(repo: Repo): JsonFinding[] {
  const dir = join(CORPUS, repo.name);
  const cache = join(RESULTS, `${repo.name}.json`);
  if (values.reuse && existsSync(cache)) return findingsOf(readFileSync(cache, 'utf8'));
  const marker = join(dir, '.leakhound-commit');
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== repo.commit)
    throw new Error(`${dir} is not at ${repo.commit}: run bash bench/realworld/checkout.sh`);
  const started = performance.now();
  let output: string;
  try {
    output = execFileSync(process.execPath, [CLI, 'check', '--format', 'json', ...CONFIDENCE_ARGS, '--fail-on', 'never', PATTERN], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    throw new Error(`leakhound failed on ${repo.name}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(cache, output);
  console.error(`${repo.name}: analysed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return findingsOf(output);
}

/** The findings of a JSON report; a build from before confidence existed posted all of them inline (high). */
function findingsOf(json: string): JsonFinding[] {
  return (JSON.parse(json) as JsonReport).findings.map((f) => ({ ...f, confidence: f.confidence ?? 'high' }));
}

/** Counts of verdicts for a set of findings. */
interface Tally {
  n: number;
  TRUE: number;
  DEBATABLE: number;
  FALSE: number;
  unlabelled: number;
}

const empty = (): Tally => ({ n: 0, TRUE: 0, DEBATABLE: 0, FALSE: 0, unlabelled: 0 });

function add(tally: Tally, label: Label | undefined): void {
  tally.n++;
  if (label) tally[label.verdict]++;
  else tally.unlabelled++;
}

function precision(t: Tally): string {
  const judged = t.n - t.unlabelled;
  return judged === 0 ? '–' : `${((100 * t.TRUE) / judged).toFixed(0)}%`;
}

/** Whether applying the edits keeps the file as parseable as it was (no new syntax-error regions). */
function parsesAfter(source: string, edits: readonly TextEdit[]): boolean {
  let fixed: string;
  try {
    fixed = applyEdits(source, edits);
  } catch {
    return false;
  }
  return errorRanges(parseGoOrThrow(fixed).rootNode).length <= errorRanges(parseGoOrThrow(source).rootNode).length;
}

const inline = new Map<string, Tally>();
const reported = new Map<string, Tally>();
const low = new Map<string, Tally>();
const fixVerdicts = { OK: 0, 'OK-noop': 0, WRONG: 0, unjudged: 0 };
const fixParse = { alone: 0, aloneBroken: 0, files: 0, filesBroken: 0 };
const unlabelled: Array<{ repo: Repo; finding: JsonFinding }> = [];
const lowUnlabelled: Array<{ repo: Repo; finding: JsonFinding }> = [];
const matched = new Set<string>();

for (const repo of repos) {
  const findings = run(repo);
  const fixesByFile = new Map<string, JsonFinding[]>();
  for (const f of findings) {
    const label = byKey.get(labelKey(repo.name, f.path, f.line, f.rule));
    if (label) matched.add(labelKey(label.repo, label.path, label.line, label.rule));
    if (f.confidence === 'low') {
      for (const key of [f.rule, '(all)']) {
        if (!low.has(key)) low.set(key, empty());
        add(low.get(key) ?? empty(), label);
      }
      if (!label) lowUnlabelled.push({ repo, finding: f });
      continue;
    }
    for (const key of [f.rule, '(all)']) {
      if (!reported.has(key)) reported.set(key, empty());
      add(reported.get(key) ?? empty(), label);
      if (f.confidence === 'high') {
        if (!inline.has(key)) inline.set(key, empty());
        add(inline.get(key) ?? empty(), label);
      }
    }
    if (!label) unlabelled.push({ repo, finding: f });
    if (f.fix) {
      const list = fixesByFile.get(f.path) ?? [];
      list.push(f);
      fixesByFile.set(f.path, list);
      if (!label || label.fix === '-') fixVerdicts.unjudged++;
      else fixVerdicts[label.fix]++;
    }
  }
  for (const [path, list] of fixesByFile) {
    const source = readFileSync(join(CORPUS, repo.name, path), 'utf8');
    for (const f of list) {
      fixParse.alone++;
      if (!parsesAfter(source, f.fix?.edits ?? [])) {
        fixParse.aloneBroken++;
        console.log(`fix breaks the file: ${repo.name} ${path}:${f.line} ${f.rule}`);
      }
    }
    fixParse.files++;
    if (
      !parsesAfter(
        source,
        list.flatMap((f) => f.fix?.edits ?? []),
      )
    ) {
      fixParse.filesBroken++;
      console.log(`the fixes of a file do not compose: ${repo.name} ${path}`);
    }
  }
  if (values.todo) {
    mkdirSync(values.todo, { recursive: true });
    const mine = [...unlabelled, ...(values.low ? lowUnlabelled : [])].filter((u) => u.repo === repo);
    writeFileSync(
      join(values.todo, `${repo.name}.todo.json`),
      JSON.stringify(
        { repo: repo.name, commit: repo.commit, root: join(CORPUS, repo.name), findings: mine.map((u) => u.finding) },
        null,
        1,
      ),
    );
  }
}

const rules = [...new Set([...reported.keys(), ...low.keys()])].filter((r) => r !== '(all)').sort();
const row = (rule: string): string => {
  const h = inline.get(rule) ?? empty();
  const r = reported.get(rule) ?? empty();
  const cells = (t: Tally): string =>
    `${t.n} | ${t.TRUE}/${t.DEBATABLE}/${t.FALSE}${t.unlabelled ? ` (+${t.unlabelled}?)` : ''} | ${precision(t)}`;
  return `| ${rule} | ${cells(h)} | ${cells(r)} | ${cells(low.get(rule) ?? empty())} |`;
};
console.log(`\nRepositories: ${repos.map((r) => `${r.name}@${r.commit.slice(0, 7)}`).join(', ')}\n`);
console.log(
  '| rule | inline (high) | T/D/F | precision | reported (high+medium) | T/D/F | precision | low (not shown) | T/D/F | precision |',
);
console.log('|---|---:|---|---:|---:|---|---:|---:|---|---:|');
for (const rule of rules) console.log(row(rule));
console.log(row('(all)').replace('| (all) |', '| **all** |'));
console.log(
  `\nFixes of reported findings: ${fixVerdicts.OK} OK, ${fixVerdicts['OK-noop']} OK-noop, ${fixVerdicts.WRONG} WRONG, ${fixVerdicts.unjudged} not judged.`,
);
console.log(
  `Fixes applied alone: ${fixParse.alone - fixParse.aloneBroken}/${fixParse.alone} parse; all fixes of a file together: ${fixParse.files - fixParse.filesBroken}/${fixParse.files} files parse.`,
);
const stale = labels.filter((l) => repos.some((r) => r.name === l.repo) && !matched.has(labelKey(l.repo, l.path, l.line, l.rule))).length;
console.log(`Labels: ${labels.length} (${stale} match no current finding).`);
if (unlabelled.length > 0) {
  console.log(`\nUnlabelled reported findings (${unlabelled.length}):`);
  for (const { repo, finding: f } of unlabelled)
    console.log(`  ${repo.name} ${f.path}:${f.line} ${f.rule} (${f.confidence}): ${f.message}`);
}
if (values.low && lowUnlabelled.length > 0) {
  console.log(`\nUnlabelled low-confidence findings (${lowUnlabelled.length}):`);
  for (const { repo, finding: f } of lowUnlabelled) console.log(`  ${repo.name} ${f.path}:${f.line} ${f.rule}: ${f.message}`);
}
