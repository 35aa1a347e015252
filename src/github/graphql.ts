/**
 * The GraphQL documents the app sends. They are built here, in one place, so the tests can validate
 * every shape against GitHub's schema (@octokit/graphql-schema).
 */

/** What one aliased `object(expression:)` of {@link packageFilesQuery} asks for. */
export interface ObjectRequest {
  readonly alias: string;
  /** `<sha>:<path>`; `<sha>:` is the root tree. */
  readonly expression: string;
  /** A directory (its entries, with the blobs' text) or a single file. */
  readonly kind: 'tree' | 'blob';
}

/** The pull request's head, our earlier reviews' bodies and its review threads (100 a page). */
const REVIEW_STATE_FRAGMENT = `fragment LeakhoundReviewState on PullRequest {
  headRefOid
  reviews(last: 100) { nodes { body viewerDidAuthor author { __typename } } }
  reviewThreads(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      path
      isResolved
      resolvedBy { login }
      comments(first: 1) { nodes { body viewerDidAuthor author { __typename login } } }
    }
  }
}`;

/** The alias under which {@link packageFilesQuery} returns the pull request's review state. */
export const PULL_REQUEST_ALIAS = 'pr';

/**
 * packageFilesQuery fetches, in one request, the entries of several directories with the text of
 * their files, single files (go.mod) and, when `pullNumber` is given, the first page of the pull
 * request's review state (so the review step needs no GraphQL request of its own). Expressions
 * travel as variables, never spliced into the document.
 */
export function packageFilesQuery(
  requests: readonly ObjectRequest[],
  pullNumber?: number,
): { query: string; variables: Record<string, string | number | null> } {
  const variables: Record<string, string | number | null> = {};
  const declarations: string[] = ['$owner: String!', '$name: String!'];
  const fields: string[] = [];
  requests.forEach((r, i) => {
    declarations.push(`$e${i}: String!`);
    variables[`e${i}`] = r.expression;
    fields.push(`    ${r.alias}: object(expression: $e${i}) { ...${r.kind === 'tree' ? 'LeakhoundDir' : 'LeakhoundBlob'} }`);
  });
  if (pullNumber !== undefined) {
    declarations.push('$number: Int!', '$after: String');
    variables.number = pullNumber;
    variables.after = null;
    fields.push(`    ${PULL_REQUEST_ALIAS}: pullRequest(number: $number) { ...LeakhoundReviewState }`);
  }
  const query = [
    `query LeakhoundPackageFiles(${declarations.join(', ')}) {`,
    '  repository(owner: $owner, name: $name) {',
    ...fields,
    '  }',
    '}',
    'fragment LeakhoundDir on Tree { entries { name type mode object { ...LeakhoundBlob } } }',
    'fragment LeakhoundBlob on Blob { byteSize isBinary isTruncated text }',
    ...(pullNumber !== undefined ? [REVIEW_STATE_FRAGMENT] : []),
  ].join('\n');
  return { query, variables };
}

/** The review state of a pull request, page by page (`$after`). */
export const REVIEW_STATE_QUERY = `query LeakhoundReviewState($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { ...LeakhoundReviewState }
  }
}
${REVIEW_STATE_FRAGMENT}`;

/** The latest reviews of a pull request: where a review whose creation's answer was lost is looked for. */
export const RECENT_REVIEWS_QUERY = `query LeakhoundRecentReviews($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { reviews(last: 20) { nodes { body viewerDidAuthor } } }
  }
}`;

/** resolveThreadsMutation resolves several review threads in one request, one aliased field each. */
export function resolveThreadsMutation(threadIds: readonly string[]): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = {};
  const declarations: string[] = [];
  const fields: string[] = [];
  threadIds.forEach((id, i) => {
    declarations.push(`$t${i}: ID!`);
    variables[`t${i}`] = id;
    fields.push(`  r${i}: resolveReviewThread(input: { threadId: $t${i} }) { thread { id isResolved } }`);
  });
  return { query: [`mutation LeakhoundResolveThreads(${declarations.join(', ')}) {`, ...fields, '}'].join('\n'), variables };
}
