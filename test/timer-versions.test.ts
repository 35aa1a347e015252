/**
 * The Go-version gates of the timer rules (RULES.md, family 2): the `want` comments of the fixtures
 * do not check severities, so this runs `analyze` on in-memory sources with go.mod files of
 * Go 1.22 and 1.23 (and none) and asserts what each rule reports and how severely.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../src/analysis/analyze.js';
import type { Finding, SourceFile } from '../src/model.js';
import { RULES } from '../src/rules/index.js';

const SOURCE = `package timers

import "time"

func ticker(n int) {
	t := time.NewTicker(time.Second)
	for i := 0; i < n; i++ {
		<-t.C
	}
}

func tick(stop <-chan bool) {
	for range time.Tick(time.Second) {
		if <-stop {
			return
		}
	}
}

func after(in <-chan int, handle func(int)) {
	for {
		select {
		case v := <-in:
			handle(v)
		case <-time.After(time.Second):
			return
		}
	}
}
`;

const TIMER_RULES = ['ticker-not-stopped', 'time-tick-leak', 'time-after-in-loop'];

function severities(goMod: string | undefined): Record<string, string> {
  const files: SourceFile[] = [{ path: 'svc/timers.go', content: SOURCE }];
  const goMods: SourceFile[] = goMod === undefined ? [] : [{ path: 'go.mod', content: goMod }];
  const { findings, problems } = analyze(files, RULES, { goMods });
  assert.deepEqual(problems, []);
  const ours = findings.filter((f: Finding) => TIMER_RULES.includes(f.rule));
  assert.equal(new Set(ours.map((f) => f.rule)).size, ours.length, 'one finding per rule');
  return Object.fromEntries(ours.map((f) => [f.rule, f.severity]));
}

describe('timer rules and the Go version', () => {
  it('warn on Go 1.22', () => {
    assert.deepEqual(severities('module example.com/svc\n\ngo 1.22\n'), {
      'ticker-not-stopped': 'warning',
      'time-tick-leak': 'warning',
      'time-after-in-loop': 'warning',
    });
  });

  it('give notices on Go 1.23, and time-tick-leak is off', () => {
    assert.deepEqual(severities('module example.com/svc\n\ngo 1.23.4\n'), {
      'ticker-not-stopped': 'notice',
      'time-after-in-loop': 'notice',
    });
  });

  it('stay off for time-tick-leak on later Go versions too', () => {
    assert.deepEqual(severities('module example.com/svc\n\ngo 1.24\n'), {
      'ticker-not-stopped': 'notice',
      'time-after-in-loop': 'notice',
    });
  });

  it('use the version-neutral (pre-1.23) form when the version is unknown', () => {
    assert.deepEqual(severities(undefined), {
      'ticker-not-stopped': 'warning',
      'time-tick-leak': 'warning',
      'time-after-in-loop': 'warning',
    });
  });
});
