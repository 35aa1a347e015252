/** The `/recheck` command once its comment has passed the handler's guards. */
import { hardenClient, type RepoRef } from './client.js';
import { formatRecheckReply } from '../format/command.js';
import { messageOf } from '../review/stage.js';
import { canRecheck, react, reply, type CommandReaction } from './commands.js';
import { getPullRequest } from './pull-requests.js';
import { RefusalBudget, refusalKey } from './refusal-budget.js';
import { reviewPullRequest, type EventContext, type RunDeps } from './run.js';

/** Who asked for a re-check, where. */
export interface RecheckRequest {
  readonly repo: RepoRef;
  readonly pullNumber: number;
  /** The pull request's author, who may always ask. */
  readonly author: string;
  readonly commentId: number;
  readonly login: string;
  readonly htmlUrl: string;
}

/** What came of a `/recheck`; `ignored`: a refused user's answers for the hour are used up. */
export type RecheckOutcome = 'refused' | 'ignored' | 'closed' | 'done' | 'failed';

/** The budget of the server when the dependencies bring none (one per process). */
const serverBudget = new RefusalBudget();

/**
 * recheck runs a `/recheck`: only the pull request's author or someone with write, maintain or
 * admin permission may ask. It reacts 👀 at once, runs a review of the current head, then reacts 🚀;
 * when it failed, or the permission could not be looked up, it reacts 😕 and replies once saying
 * why. A refusal is answered as the {@link RefusalBudget} allows (a 😕, one reply per user and pull
 * request an hour), so refused comments cannot fill the installation's write queue ahead of real
 * reviews. Reactions and replies are a courtesy: when GitHub refuses one (an installation without
 * the Issues permission answers 403), that is logged and the re-check goes on.
 */
export async function recheck(context: EventContext, request: RecheckRequest, deps: RunDeps): Promise<RecheckOutcome> {
  const { log } = context;
  const octokit = hardenClient(context.octokit, deps.requestTimeoutMs);
  const { repo, pullNumber, commentId, login } = request;
  const reaction = (content: CommandReaction): Promise<void> =>
    react(octokit, repo, commentId, content, deps.retry).catch((error: unknown) =>
      log.warn({ err: error, content }, 'could not react to the /recheck comment'),
    );
  const answer = (body: string): Promise<void> =>
    reply(octokit, repo, pullNumber, body, deps.retry).catch((error: unknown) => log.warn({ err: error }, 'could not reply to /recheck'));
  const budget = deps.refusals ?? serverBudget;
  const key = refusalKey(repo, pullNumber, login);
  if (login !== request.author) {
    if (!budget.admit(key)) {
      log.info({ user: login, pr: pullNumber }, '/recheck ignored: refused too often within the hour');
      return 'ignored';
    }
    let allowed: boolean;
    try {
      allowed = await canRecheck(octokit, repo, login);
    } catch (error) {
      budget.settle(key, false);
      log.warn({ err: error, user: login, pr: pullNumber }, '/recheck: the permission lookup failed');
      await reaction('confused');
      await answer(formatRecheckReply(login, 'unverified', messageOf(error)));
      return 'failed';
    }
    const answerOf = budget.settle(key, !allowed);
    if (!allowed) {
      log.info({ user: login, pr: pullNumber }, '/recheck refused: no write permission');
      if (answerOf.react) await reaction('confused');
      if (answerOf.reply) await answer(formatRecheckReply(login, 'refused'));
      return 'refused';
    }
  }
  await reaction('eyes');
  try {
    const pr = await getPullRequest(octokit, repo, pullNumber, deps.retry);
    if (pr.state !== 'open') {
      log.info({ pr: pullNumber, state: pr.state }, '/recheck on a closed pull request: no run');
      await reaction('confused');
      await answer(formatRecheckReply(login, 'closed'));
      return 'closed';
    }
    await reviewPullRequest(
      context,
      { repo, pullNumber, headSha: pr.headSha, htmlUrl: request.htmlUrl, trigger: `/recheck by @${login}` },
      deps,
    );
    await reaction('rocket');
    return 'done';
  } catch (error) {
    log.error({ err: error, pr: pullNumber }, '/recheck failed');
    await reaction('confused');
    await answer(formatRecheckReply(login, 'failed', messageOf(error)));
    return 'failed';
  }
}
