import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefusalBudget } from '../src/github/refusal-budget.js';

describe('RefusalBudget', () => {
  it('answers the first refusal with a reaction and a reply, two more with a reaction, then nothing for the window', () => {
    let now = 0;
    const budget = new RefusalBudget({ now: () => now, windowMs: 1000 });
    const answers = [];
    while (budget.admit('k')) answers.push(budget.settle('k', true));
    assert.deepEqual(answers, [
      { react: true, reply: true },
      { react: true, reply: false },
      { react: true, reply: false },
    ]);
    assert.equal(budget.admit('other'), true, 'per user and pull request');
    now = 1000;
    assert.equal(budget.admit('k'), true, 'a new window');
    assert.deepEqual(budget.settle('k', true), { react: true, reply: true });
  });

  it('admits no more lookups at once than it has answers, and frees the ones that were allowed', () => {
    const budget = new RefusalBudget();
    assert.deepEqual(
      [1, 2, 3, 4].map(() => budget.admit('k')),
      [true, true, true, false],
    );
    budget.settle('k', false);
    assert.equal(budget.admit('k'), true, 'an allowed lookup gives its place back');
  });

  it('forgets the oldest pairs beyond its size', () => {
    const budget = new RefusalBudget({ maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) {
      budget.admit(key);
      budget.settle(key, true);
    }
    for (let i = 0; i < 2; i++) {
      assert.equal(budget.admit('c'), true);
      budget.settle('c', true);
    }
    assert.equal(budget.admit('c'), false);
    assert.equal(budget.admit('a'), true, 'a was forgotten');
  });
});
