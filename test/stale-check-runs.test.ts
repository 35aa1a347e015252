/**
 * The record of open check runs and the sweep that completes the stale ones: what survives a
 * restart, how a dead server is told from a live one, and what a sweep does with each answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OpenCheckRuns, processAlive, THIS_PROCESS, type OpenCheckRun } from '../src/github/open-check-runs.js';
import { sweepStaleCheckRuns, whyStale } from '../src/github/stale-check-runs.js';
import { APP_ID, appKeys, fakeClient, quietLog } from './helpers/app-harness.js';
import { FakeGitHub } from './helpers/fake-github.js';

const dir = mkdtempSync(join(tmpdir(), 'leakhound-open-runs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A process id that is not running: far above any pid_max. */
const DEAD = `${THIS_PROCESS.split(':')[0]}:99999999:x`;

function record(checkRunId: number, extra: Partial<OpenCheckRun> = {}): OpenCheckRun {
  return { installationId: 1, owner: 'o', repo: 'r', checkRunId, startedAt: 0, createdBy: DEAD, ...extra };
}

describe('OpenCheckRuns', () => {
  it('survives a restart through its file, and forgets what was closed', () => {
    const file = join(dir, 'a', 'open.json');
    const first = new OpenCheckRuns(file);
    first.opened({ installationId: 7, owner: 'o', repo: 'r', checkRunId: 1 });
    first.opened({ installationId: 7, owner: 'o', repo: 'r', checkRunId: 2 });
    first.closed(1);
    const second = new OpenCheckRuns(file);
    assert.deepEqual(
      second.list().map((r) => [r.checkRunId, r.installationId, r.createdBy]),
      [[2, 7, THIS_PROCESS]],
    );
    assert.equal(second.problem, undefined);
  });

  it('reads a damaged file as empty and says why, keeping only well-formed entries', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    const runs = new OpenCheckRuns(broken);
    assert.deepEqual(runs.list(), []);
    assert.match(runs.problem ?? '', /could not read/);
    const mixed = join(dir, 'mixed.json');
    writeFileSync(mixed, JSON.stringify([record(3), { checkRunId: 'x' }, null]));
    assert.deepEqual(
      new OpenCheckRuns(mixed).list().map((r) => r.checkRunId),
      [3],
    );
  });

  it('tells a dead server from a live one, including a predecessor with this very pid', () => {
    assert.equal(processAlive(THIS_PROCESS), true);
    assert.equal(processAlive(DEAD), false);
    const [host] = THIS_PROCESS.split(':');
    assert.equal(processAlive(`${host}:${process.pid}:an-earlier-token`), false, 'a restarted container reuses the pid');
    assert.equal(processAlive(`${host}:${process.ppid}:other`), true, 'another live server sharing the directory');
    assert.equal(processAlive(`another-host:1:t`), true, 'not ours to judge');
  });
});

describe('whyStale', () => {
  it('is stale at once when its server died, otherwise only past the deadline', () => {
    assert.match(whyStale(record(1), 0, 60_000) ?? '', /server stopped/);
    const live = record(1, { createdBy: THIS_PROCESS, startedAt: 1000 });
    assert.equal(whyStale(live, 60_000, 60_000), undefined);
    assert.equal(whyStale(live, 61_001, 60_000), 'this run did not finish within 1 minute');
  });
});

describe('sweepStaleCheckRuns', () => {
  const keys = appKeys();
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  before(() => fake.start());
  after(() => fake.stop());
  beforeEach(() => fake.resetRecords());

  const openRun = async (): Promise<number> => {
    const { data } = await fakeClient(fake).rest.checks.create({
      owner: 'Codertocat',
      repo: 'Hello-World',
      name: 'leakhound',
      head_sha: fake.commit({ 'a.go': 'package a\n' }),
      status: 'in_progress',
    });
    return data.id;
  };
  const at = (checkRunId: number): OpenCheckRun => record(checkRunId, { owner: 'Codertocat', repo: 'Hello-World' });

  it('completes a stale run as neutral with Re-run, leaves a completed one alone, and forgets both', async () => {
    const stale = await openRun();
    const done = await openRun();
    await fakeClient(fake).rest.checks.update({
      owner: 'Codertocat',
      repo: 'Hello-World',
      check_run_id: done,
      status: 'completed',
      conclusion: 'success',
    });
    // opened() marks runs as this process's: a dead server's runs come from its file.
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify([at(stale), at(done)]));
    const fromFile = new OpenCheckRuns(file);
    const completed = await sweepStaleCheckRuns({ openRuns: fromFile, clientFor: async () => fakeClient(fake), log: quietLog });
    assert.equal(completed, 1);
    assert.deepEqual(fromFile.list(), []);
    const [first, second] = [fake.checkRuns.find((r) => r.id === stale), fake.checkRuns.find((r) => r.id === done)];
    assert.equal(first?.conclusion, 'neutral');
    assert.equal(first?.output.title, 'leakhound did not finish this run');
    assert.equal(second?.conclusion, 'success');
  });

  it('keeps a run GitHub failed to complete for the next sweep, and forgets one it no longer lets us reach', async () => {
    const kept = await openRun();
    const file = join(dir, 'keep.json');
    writeFileSync(file, JSON.stringify([at(kept), at(999)]));
    const openRuns = new OpenCheckRuns(file);
    fake.failNext('checks/update', 500, { message: 'boom' });
    assert.equal(await sweepStaleCheckRuns({ openRuns, clientFor: async () => fakeClient(fake), log: quietLog }), 0);
    assert.deepEqual(
      openRuns.list().map((r) => r.checkRunId),
      [kept],
      'the 404 is forgotten, the 500 kept',
    );
    assert.equal(await sweepStaleCheckRuns({ openRuns, clientFor: async () => fakeClient(fake), log: quietLog }), 1);
    assert.deepEqual(openRuns.list(), []);
  });

  it('does not touch a live run before its deadline', async () => {
    const live = await openRun();
    const openRuns = new OpenCheckRuns();
    openRuns.opened({ installationId: 1, owner: 'Codertocat', repo: 'Hello-World', checkRunId: live });
    assert.equal(await sweepStaleCheckRuns({ openRuns, clientFor: async () => fakeClient(fake), log: quietLog }), 0);
    assert.equal(fake.operations().filter((o) => o === 'checks/get' || o === 'checks/update').length, 0);
    assert.equal(openRuns.list().length, 1);
  });
});
