import type { Context } from 'probot';
import { recheck } from '../github/recheck.js';
import type { RunDeps } from '../github/run.js';

/** The command, alone on the first line of a pull request comment. */
export const RECHECK_COMMAND = '/recheck';

/** isRecheckCommand tells whether a comment body asks for a re-check: its first line is exactly `/recheck` (surrounding spaces allowed). */
export function isRecheckCommand(body: string | null | undefined): boolean {
  return (body ?? '').split(/\r?\n/, 1)[0]?.trim() === RECHECK_COMMAND;
}

/**
 * onIssueComment handles `/recheck` on a pull request (see src/github/recheck.ts). Comments on
 * issues, other comments, and comments by bots (this app included) are ignored.
 */
export async function onIssueComment(context: Context<'issue_comment.created'>, deps: RunDeps): Promise<void> {
  const { comment, issue, repository } = context.payload;
  if (!issue.pull_request) return;
  if (!isRecheckCommand(comment.body)) return;
  const user = comment.user;
  if (!user || user.type === 'Bot' || context.isBot) return context.log.info({ user: user?.login }, 'ignored: /recheck from a bot');
  await recheck(
    context,
    {
      repo: context.repo(),
      pullNumber: issue.number,
      author: issue.user.login,
      commentId: comment.id,
      login: user.login,
      htmlUrl: repository.html_url,
    },
    deps,
  );
}
