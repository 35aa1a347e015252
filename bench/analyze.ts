/**
 * Analyzer throughput: tree-sitter parsing alone vs the whole analysis (parse + node gathering +
 * package index + every rule), on at least 5 MB of Go. Target (issue #2): ratio ≤ 2.0.
 *
 * Usage: npm run build && node dist/bench/analyze.js [--corpus DIR] [--mb 8] [--runs 3]
 * Without --corpus it uses the Go standard library sources from Debian's golang-src package
 * (/usr/share/go-*\/src; `apt-get install golang-src`), else a corpus generated from the fixtures.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze } from '../src/analysis/analyze.js';
import type { SourceFile } from '../src/model.js';
import { parseGo } from '../src/analysis/parser.js';
import { isGenerated } from '../src/analysis/suppress.js';
import { RULES } from '../src/rules/index.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    mb: { type: 'string' },
    runs: { type: 'string' },
    'per-rule': { type: 'boolean' },
    only: { type: 'string' },
  },
});
const targetBytes = Number(values.mb ?? '8') * 1024 * 1024;
const runs = Number(values.runs ?? '3');

function goFilesUnder(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const stat = statSync(path);
      if (stat.isDirectory()) {
        if (entry !== 'testdata' && entry !== 'vendor') visit(path);
      } else if (entry.endsWith('.go')) out.push(path);
    }
  };
  visit(root);
  return out;
}

function stdlibRoot(): string | undefined {
  if (!existsSync('/usr/share')) return undefined;
  const versions = readdirSync('/usr/share')
    .filter((d) => /^go-\d/.test(d))
    .sort();
  const last = versions[versions.length - 1];
  return last ? join('/usr/share', last, 'src') : undefined;
}

/** Whole packages (directories) in a stable order until the corpus reaches the target size. */
function loadCorpus(): { files: SourceFile[]; source: string } {
  const root = values.corpus ?? stdlibRoot();
  if (root && existsSync(root)) {
    const byDir = new Map<string, string[]>();
    for (const path of goFilesUnder(root)) {
      const dir = path.slice(0, path.lastIndexOf('/'));
      byDir.set(dir, [...(byDir.get(dir) ?? []), path]);
    }
    const files: SourceFile[] = [];
    let bytes = 0;
    for (const paths of byDir.values()) {
      if (bytes >= targetBytes) break;
      for (const path of paths) {
        const content = readFileSync(path, 'utf8');
        // Generated files are skipped by the analyzer, so they would only flatter the ratio.
        if (isGenerated(content) || content.includes('\0')) continue;
        files.push({ path: relative(root, path), content });
        bytes += Buffer.byteLength(content);
      }
    }
    return { files, source: root };
  }
  const fixtures = goFilesUnder(join(process.cwd(), 'fixtures', 'rules')).map((p) => readFileSync(p, 'utf8'));
  const files: SourceFile[] = [];
  let bytes = 0;
  for (let i = 0; bytes < targetBytes; i++) {
    const content = (fixtures[i % fixtures.length] ?? '').replace(/^package \w+/m, `package gen${i}`);
    files.push({ path: `gen${i}/f.go`, content });
    bytes += Buffer.byteLength(content);
  }
  return { files, source: 'generated from fixtures/rules' };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const { files, source } = loadCorpus();
const megabytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0) / 1024 / 1024;

analyze(files.slice(0, 50), RULES, { defaultExcludes: false }); // warm-up
/** Wall-clock and CPU milliseconds of one piece of work (CPU time is steadier on a busy machine). */
function time(work: () => void): { wall: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  work();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
}

if (values.only === 'parse' || values.only === 'full') {
  // One mode alone, for instruction counting under valgrind (bench/analyze-instructions.sh).
  if (values.only === 'parse') for (const file of files) parseGo(file.content);
  else analyze(files, RULES, { defaultExcludes: false });
  process.exit(0);
}

const parseTimes: Array<{ wall: number; cpu: number }> = [];
const fullTimes: Array<{ wall: number; cpu: number }> = [];
let findings = 0;
for (let run = 0; run < runs; run++) {
  parseTimes.push(time(() => files.forEach((file) => parseGo(file.content))));
  fullTimes.push(
    time(() => {
      findings = analyze(files, RULES, { defaultExcludes: false }).findings.length;
    }),
  );
}
const parseMs = median(parseTimes.map((t) => t.wall));
const fullMs = median(fullTimes.map((t) => t.wall));
const parseCpu = median(parseTimes.map((t) => t.cpu));
const fullCpu = median(fullTimes.map((t) => t.cpu));
const report = {
  corpus: source,
  files: files.length,
  megabytes: Number(megabytes.toFixed(2)),
  rules: RULES.length,
  parseMBps: Number((megabytes / (parseMs / 1000)).toFixed(2)),
  fullMBps: Number((megabytes / (fullMs / 1000)).toFixed(2)),
  ratio: Number((fullMs / parseMs).toFixed(2)),
  parseCpuMBps: Number((megabytes / (parseCpu / 1000)).toFixed(2)),
  fullCpuMBps: Number((megabytes / (fullCpu / 1000)).toFixed(2)),
  cpuRatio: Number((fullCpu / parseCpu).toFixed(2)),
  findings,
  runs,
  node: process.version,
};
console.log(JSON.stringify(report, null, 2));
if (values['per-rule']) {
  // One more run with a timer around every stage and rule: where the time after parsing goes.
  const timings = new Map<string, number>();
  analyze(files, RULES, { defaultExcludes: false, timings });
  const rows = [...timings.entries()].sort((a, b) => b[1] - a[1]);
  for (const [key, ms] of rows) console.log(`${key.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / parseMs).toFixed(2)}× parse`);
}
