/** What the `/recheck` command needs from GitHub: permissions, reactions and a reply. */
import { withRetryAfter, type GitHubClient, type RepoRef, type RetryOptions } from './client.js';

/** A reaction the app leaves on a command comment. */
export type CommandReaction = 'eyes' | 'rocket' | 'confused';

/** The roles that may ask for a re-run, besides the pull request's author. */
const CAN_RECHECK = new Set(['admin', 'maintain', 'write']);

/**
 * canRecheck asks `repos.getCollaboratorPermissionLevel` whether `username` may write to the
 * repository. Why not `author_association`: it is unreliable for members of private organisations.
 * A 404 (not a collaborator) means no.
 */
export async function canRecheck(octokit: GitHubClient, repo: RepoRef, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    const role = (data as { role_name?: string }).role_name ?? data.permission;
    return CAN_RECHECK.has(role) || CAN_RECHECK.has(data.permission);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

/** react adds a reaction to an issue comment. */
export async function react(
  octokit: GitHubClient,
  repo: RepoRef,
  commentId: number,
  content: CommandReaction,
  retry?: RetryOptions,
): Promise<void> {
  await withRetryAfter(() => octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content }), retry);
}

/** reply posts one comment on the pull request's conversation. */
export async function reply(octokit: GitHubClient, repo: RepoRef, issueNumber: number, body: string, retry?: RetryOptions): Promise<void> {
  await withRetryAfter(() => octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body }), retry);
}
