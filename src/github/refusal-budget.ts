/**
 * How much a refused `/recheck` may cost: every answer is a write, and GitHub asks integrations to
 * pace writes (one a second per installation, three seconds between comments), so thirty refused
 * comments from one reader queued a minute of writes ahead of every real review of the
 * installation. Per user and pull request, within a window: the first refusal gets a 😕 and one
 * reply, the next two a 😕 only, and later ones nothing at all (not even the permission lookup).
 */

/** What to do about one refused `/recheck`. */
export interface RefusalAnswer {
  readonly react: boolean;
  readonly reply: boolean;
}

/** Options of {@link RefusalBudget}. */
export interface RefusalBudgetOptions {
  /** The window, in milliseconds (default one hour). */
  readonly windowMs?: number;
  /** Refusals answered with a reaction within the window (default 3); the first also gets a reply. */
  readonly reactions?: number;
  /** Most (user, pull request) pairs remembered; the oldest are forgotten first (default 10,000). */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/**
 * Counts refused `/recheck` comments per user and pull request; in memory, bounded. A comment is
 * admitted before its permission lookup and settled after it, so a burst of comments arriving at
 * once makes no more lookups than the budget has answers.
 */
export class RefusalBudget {
  private readonly windowMs: number;
  private readonly reactions: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly counts = new Map<string, { since: number; refused: number; pending: number }>();

  constructor(options: RefusalBudgetOptions = {}) {
    this.windowMs = options.windowMs ?? 3_600_000;
    this.reactions = options.reactions ?? 3;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Admits one comment of this user on this pull request for a permission lookup, or says its
   * refusals are used up (then ignore the comment and ask GitHub nothing).
   */
  admit(key: string): boolean {
    const entry = this.entry(key);
    if (entry.refused + entry.pending >= this.reactions) return false;
    entry.pending++;
    return true;
  }

  /** Settles an admitted comment: when refused, counts it and says how to answer. */
  settle(key: string, refused: boolean): RefusalAnswer {
    const entry = this.entry(key);
    entry.pending = Math.max(0, entry.pending - 1);
    if (!refused) return { react: false, reply: false };
    entry.refused++;
    return { react: true, reply: entry.refused === 1 };
  }

  private entry(key: string): { since: number; refused: number; pending: number } {
    let entry = this.counts.get(key);
    if (entry && entry.pending === 0 && this.now() - entry.since >= this.windowMs) entry = undefined;
    if (!entry) {
      entry = { since: this.now(), refused: 0, pending: 0 };
      this.counts.set(key, entry);
      while (this.counts.size > this.maxKeys) {
        const oldest = this.counts.keys().next().value;
        if (oldest === undefined || oldest === key) break;
        this.counts.delete(oldest);
      }
    }
    return entry;
  }
}

/** The key of a user on a pull request. */
export function refusalKey(repo: { readonly owner: string; readonly repo: string }, pullNumber: number, login: string): string {
  return `${repo.owner}/${repo.repo}#${pullNumber}@${login}`.toLowerCase();
}
