/** The `/recheck` command once its comment has passed the handler's guards. */
import type { RepoRef } from './client.js';
import { formatRecheckReply } from '../format/command.js';
import { messageOf } from '../review/stage.js';
import { canRecheck, react, reply } from './commands.js';
import { getPullRequest } from './pull-requests.js';
import { reviewPullRequest, type EventContext } from './run.js';

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

/** What came of a `/recheck`. */
export type RecheckOutcome = 'refused' | 'closed' | 'done' | 'failed';

/**
 * recheck runs a `/recheck`: only the pull request's author or someone with write, maintain or
 * admin permission may ask. It reacts 👀 at once, runs a review of the current head, then reacts 🚀;
 * when refused or failed it reacts 😕 and replies once saying why.
 */
export async function recheck(context: EventContext, request: RecheckRequest): Promise<RecheckOutcome> {
  const { octokit, log } = context;
  const { repo, pullNumber, commentId, login } = request;
  const allowed = login === request.author || (await canRecheck(octokit, repo, login));
  if (!allowed) {
    log.info({ user: login, pr: pullNumber }, '/recheck refused: no write permission');
    await react(octokit, repo, commentId, 'confused');
    await reply(octokit, repo, pullNumber, formatRecheckReply(login, 'refused'));
    return 'refused';
  }
  await react(octokit, repo, commentId, 'eyes');
  try {
    const pr = await getPullRequest(octokit, repo, pullNumber);
    if (pr.state !== 'open') {
      await react(octokit, repo, commentId, 'confused');
      await reply(octokit, repo, pullNumber, formatRecheckReply(login, 'closed'));
      return 'closed';
    }
    await reviewPullRequest(context, { repo, pullNumber, headSha: pr.headSha, htmlUrl: request.htmlUrl, trigger: `/recheck by @${login}` });
    await react(octokit, repo, commentId, 'rocket');
    return 'done';
  } catch (error) {
    log.error({ err: error, pr: pullNumber }, '/recheck failed');
    await react(octokit, repo, commentId, 'confused');
    await reply(octokit, repo, pullNumber, formatRecheckReply(login, 'failed', messageOf(error)));
    return 'failed';
  }
}
