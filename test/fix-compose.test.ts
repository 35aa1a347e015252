/**
 * Every set of fixes for one file must compose (issue #9): applied alone or all together they
 * parse, imports are added once, and the analysis of the result is clean.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import { errorRanges, parseGoOrThrow } from '../src/analysis/parser.js';
import { applyEdits } from '../src/fix/edits.js';
import { RULES } from '../src/rules/index.js';

const GO_MOD = { path: 'go.mod', content: 'module example.com/m\n\ngo 1.22\n' };

function fixesOf(content: string): { findings: ReturnType<typeof analyze>['findings']; all: string } {
  const { findings } = analyze([{ path: 'svc/a.go', content }], RULES, { goMods: [GO_MOD] });
  const all = applyEdits(
    content,
    findings.flatMap((f) => f.fix?.edits ?? []),
  );
  return { findings, all };
}

const TWO_IMPORTS = `package svc

import "os"

type conn struct{ id int }

var open []*conn

func closeAt(i int) {
	open = append(open[:i], open[i+1:]...)
}

func closeFirst(i int) {
	open = append(open[:i], open[i+1:]...)
}

type header struct{ magic []byte }

var last header

func load(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	last.magic = data[:4]
	return nil
}
`;

describe('fixes of one file', () => {
  it('add each import once and compose with a single-import file, alone and together', () => {
    const { findings, all } = fixesOf(TWO_IMPORTS);
    const fixed = findings.filter((f) => f.fix);
    assert.deepEqual(
      fixed.map((f) => f.rule),
      ['pointer-slice-stale-element', 'pointer-slice-stale-element', 'subslice-retains-backing-array'],
    );
    for (const f of fixed) {
      const alone = applyEdits(TWO_IMPORTS, f.fix?.edits ?? []);
      assert.deepEqual(errorRanges(parseGoOrThrow(alone).rootNode), [], `${f.rule} at line ${f.line} alone`);
    }
    assert.deepEqual(errorRanges(parseGoOrThrow(all).rootNode), []);
    assert.equal(all.match(/import "slices"/g)?.length, 1, 'the two slices.Delete fixes add one import');
    assert.equal(all.match(/import "bytes"/g)?.length, 1);
    assert.match(all, /^import "os"\nimport "bytes"\nimport "slices"$|^import "os"\nimport "slices"\nimport "bytes"$/m);
    const again = analyze([{ path: 'svc/a.go', content: all }], RULES, { goMods: [GO_MOD] }).findings;
    assert.deepEqual(again, [], 'the fixed file is clean');
  });

  it('compose in an import block too', () => {
    const source = TWO_IMPORTS.replace('import "os"', 'import (\n\t"fmt"\n\t"os"\n)\n\nvar _ = fmt.Sprint');
    const { all } = fixesOf(source);
    assert.deepEqual(errorRanges(parseGoOrThrow(all).rootNode), []);
    assert.match(all, /import \(\n\t"bytes"\n\t"fmt"\n\t"os"\n\t"slices"\n\)/);
  });
});
