/**
 * Test code and test support: code that runs only under `go test` or in tools built for testing.
 * A leak there lives at most as long as a test binary, which judges count as noise (JUDGING.md:
 * "test-support code" is DEBATABLE), so rules lower their confidence or stay silent there.
 */
import type { GoFile } from './go-file.js';

/** Package names that, by Go convention, support tests: `httptest`, `iotest`, `loggertest`, `testutil`, `fakeclock`, `mocks`. */
const TEST_PACKAGE = /^(?:\w*test|test\w*|\w*testing|fake\w*|mocks?)$/;
/** Package names that end in "test" without being about tests. */
const NOT_TEST_PACKAGE = new Set(['latest', 'contest', 'attest', 'protest', 'detest', 'manifest']);
/** Directories that hold test support: `testutil/`, `internal/testing/`, `e2e/`, `integration/`, `fakes/`, `mocks/`. */
const TEST_DIRECTORY = /(?:^|\/)(?:testutils?|testing|testhelpers?|testenv|tests?|e2e|integration|fakes?|mocks?|\w+test|\w+-test)\//;

/** Whether a file is a `_test.go` file or part of a test-support package or directory. */
export function isTestCode(file: GoFile): boolean {
  if (file.path.endsWith('_test.go')) return true;
  const name = file.packageName;
  if (TEST_PACKAGE.test(name) && !NOT_TEST_PACKAGE.has(name)) return true;
  const dir = file.path.slice(0, file.path.lastIndexOf('/') + 1);
  return TEST_DIRECTORY.test(dir) && !/(?:^|\/)(?:latest|contest|manifest)\//.test(dir);
}
