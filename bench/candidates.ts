/**
 * Cost per candidate in one function (issue #15: no rule superlinear in candidates per function).
 * Generates one Go function holding N copies of a shape the flow rules examine (a `ctx, cancel :=`
 * block with early returns, a channel with a sending goroutine and a select, a cancel in a select
 * case, a context made in a loop) and times the whole analysis, in process, for N = 25…200.
 *
 *   npm run build && node dist/bench/candidates.js
 */
import { analyze } from '../src/analysis/analyze.js';
import { RULES } from '../src/rules/index.js';

const HEADER =
  'package p\n\nimport (\n\t"context"\n\t"time"\n)\n\nvar _ = time.Second\n\nfunc use(context.Context) error { return nil }\n\nfunc work() int { return 1 }\n\n';

const SHAPES: Record<string, { signature: string; block: (i: number) => string; tail: string }> = {
  'ctx, cancel := with early returns': {
    signature: 'func f(parent context.Context) error {\n',
    block: (i) =>
      `\tctx${i}, cancel${i} := context.WithTimeout(parent, time.Second)\n\tif err := use(ctx${i}); err != nil {\n\t\tcancel${i}()\n\t\treturn err\n\t}\n\tcancel${i}()\n`,
    tail: '\treturn nil\n}\n',
  },
  'make(chan) + go send + select': {
    signature: 'func f(ctx context.Context) int {\n',
    block: (i) =>
      `\tch${i} := make(chan int)\n\tgo func() { ch${i} <- work() }()\n\tselect {\n\tcase v := <-ch${i}:\n\t\tif v < 0 {\n\t\t\treturn v\n\t\t}\n\tcase <-ctx.Done():\n\t\treturn 0\n\t}\n`,
    tail: '\treturn 1\n}\n',
  },
  'cancel in a select case': {
    signature: 'func f(parent context.Context) error {\n',
    block: (i) =>
      `\tctx${i}, cancel${i} := context.WithCancel(parent)\n\tselect {\n\tcase <-ctx${i}.Done():\n\t\tcancel${i}()\n\t\treturn nil\n\tdefault:\n\t\tcancel${i}()\n\t}\n`,
    tail: '\treturn nil\n}\n',
  },
  'context made in a loop': {
    signature: 'func f(parent context.Context) error {\n',
    block: () =>
      '\tfor j := 0; j < 3; j++ {\n\t\tctx, cancel := context.WithTimeout(parent, time.Second)\n\t\tif use(ctx) != nil {\n\t\t\tcancel()\n\t\t\tcontinue\n\t\t}\n\t\tcancel()\n\t}\n',
    tail: '\treturn nil\n}\n',
  },
};

const SIZES = [25, 50, 100, 200];

console.log(`| shape | ${SIZES.map((n) => `N = ${n}`).join(' | ')} | N=200 ÷ N=100 |`);
console.log(`|---|${SIZES.map(() => '---:').join('|')}|---:|`);
for (const [name, shape] of Object.entries(SHAPES)) {
  const ms: number[] = [];
  for (const n of SIZES) {
    const source = HEADER + shape.signature + Array.from({ length: n }, (_, i) => shape.block(i)).join('') + shape.tail;
    const best = Math.min(
      ...[0, 1, 2].map(() => {
        const started = performance.now();
        analyze([{ path: 'p/p.go', content: source }], RULES, { parseBudgetMs: 60_000 });
        return performance.now() - started;
      }),
    );
    ms.push(best);
  }
  const ratio = (ms[3] ?? 0) / (ms[2] ?? 1);
  console.log(`| ${name} | ${ms.map((m) => `${m.toFixed(0)} ms`).join(' | ')} | ${ratio.toFixed(1)} |`);
}
