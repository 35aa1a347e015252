/**
 * KeyedQueue runs tasks one at a time per key, in arrival order. Runs for the same pull request are
 * serialised so the second sees the threads the first created and never posts them again.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** run waits for earlier tasks of `key`, then runs `task`; it settles as the task does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  /** The number of keys with a task queued or running. */
  get size(): number {
    return this.#tails.size;
  }
}
