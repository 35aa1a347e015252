import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstExitWithout } from '../src/analysis/flow.js';
import { parseGoOrThrow, type SyntaxNode } from '../src/analysis/parser.js';
import { walk } from '../src/analysis/syntax.js';

/** The function `f` of a file, its statement `start` (by text) and its `cancel…()` calls. */
function setUp(body: string): { func: SyntaxNode; start: SyntaxNode; cancels: SyntaxNode[]; line: (node: SyntaxNode) => number } {
  const source = `package p\n\nfunc f(parent context.Context) error {\n${body}}\n`;
  const root = parseGoOrThrow(source).rootNode;
  const func = root.namedChildren.find((n) => n.type === 'function_declaration') ?? assert.fail('no function');
  let start: SyntaxNode | undefined;
  const cancels: SyntaxNode[] = [];
  walk(func, (node) => {
    if (!start && node.type === 'short_var_declaration') start = node;
    if (node.type === 'call_expression' && /^cancel\w*\(\)$/.test(node.text)) cancels.push(node);
  });
  return { func, start: start ?? assert.fail('no start'), cancels, line: (node) => node.startPosition.row + 1 };
}

/** The line of the first uncovered exit from the `ctx, cancel :=` statement, which must be a return. */
function uncoveredReturnLine(body: string): number {
  const { func, start, cancels, line } = setUp(body);
  const exit = firstExitWithout(func, start, cancels);
  assert.equal(exit?.kind, 'return');
  return line(exit.node);
}

describe('firstExitWithout', () => {
  it('finds the first return no covering node precedes', () => {
    const body =
      '\tctx, cancel := context.WithCancel(parent)\n\tif err := use(ctx); err != nil {\n\t\treturn err\n\t}\n\tcancel()\n\treturn nil\n';
    assert.equal(uncoveredReturnLine(body), 6);
  });

  it('counts every return after an unconditional covering node as covered, however many follow', () => {
    const blocks = Array.from({ length: 50 }, (_, i) => `\tif use${i}() {\n\t\treturn nil\n\t}\n`).join('');
    const { func, start, cancels } = setUp(`\tctx, cancel := context.WithCancel(parent)\n\t_ = ctx\n\tcancel()\n${blocks}\treturn nil\n`);
    assert.equal(firstExitWithout(func, start, cancels), undefined);
  });

  it('does not let a covering node in one case of a select cover the returns after it', () => {
    const body =
      '\tctx, cancel := context.WithCancel(parent)\n\tselect {\n\tcase <-ctx.Done():\n\t\tcancel()\n\tdefault:\n\t}\n\treturn nil\n';
    assert.equal(uncoveredReturnLine(body), 10);
  });

  it('reports falling off the end only when nothing covers and returns are not all that is asked for', () => {
    const { func, start } = setUp('\tctx, cancel := context.WithCancel(parent)\n\t_, _ = ctx, cancel\n');
    assert.equal(firstExitWithout(func, start, [])?.kind, 'end');
    assert.equal(firstExitWithout(func, start, [], { returnsOnly: true }), undefined);
  });
});
