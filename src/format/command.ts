import { markdownText } from './safe-text.js';

/** formatRecheckReply renders the one short reply to a `/recheck` that was refused or failed. */
export function formatRecheckReply(login: string, why: 'refused' | 'unverified' | 'closed' | 'failed', detail?: string): string {
  switch (why) {
    case 'refused':
      return `@${login} \`/recheck\` is for the pull request's author and people with write access; nothing was run.`;
    case 'unverified':
      return `@${login} could not check whether you may ask for a re-check${detail ? ` (${markdownText(detail)})` : ''}; nothing was run. Please try again in a minute.`;
    case 'closed':
      return `@${login} this pull request is closed, so there is nothing to re-check.`;
    case 'failed':
      return `@${login} the re-check failed${detail ? ` (${markdownText(detail)})` : ''}; the check run **leakhound** has the details.`;
  }
}
