/**
 * Reads a Go file from disk the safe way: only regular files, the size checked before reading, and
 * without ever blocking. A FIFO named `x.go` used to hang `check` forever, and a committed symlink
 * `zz.go -> /dev/zero` grew the process by gigabytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** The largest Go file read, in bytes: as large as the analyzer looks at (larger ones are skipped). */
export const MAX_SOURCE_BYTES = 3 * 1024 * 1024;

/** A file read, or why it was not. */
export type ReadOutcome =
  | { readonly content: string }
  /** `unreadable`: could not be read at all; `too-large`: readable, deliberately not read. */
  | { readonly problem: 'unreadable' | 'too-large'; readonly reason: string };

/** A file-system error in a few words ("no such file or directory", "permission denied"). */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'symbolic link loop';
  if (code === 'EISDIR') return 'is a directory';
  return (error as Error).message;
}

function tooLarge(size: number, maxBytes: number): ReadOutcome {
  return {
    problem: 'too-large',
    reason: `larger than ${Math.round(maxBytes / 1024 / 1024)} MiB (${size.toLocaleString('en-US')} bytes); not analysed`,
  };
}

/**
 * readSourceFile reads `absolute` (following symbolic links) when it is a regular file of at most
 * `maxBytes`. It opens without blocking (O_NONBLOCK), checks the opened file again (it may have
 * been swapped since the first look), and never reads more than `maxBytes + 1` bytes.
 */
export function readSourceFile(absolute: string, maxBytes = MAX_SOURCE_BYTES): ReadOutcome {
  try {
    const first = statSync(absolute);
    if (!first.isFile()) return { problem: 'unreadable', reason: first.isDirectory() ? 'is a directory' : 'not a regular file' };
    if (first.size > maxBytes) return tooLarge(first.size, maxBytes);
    const fd = openSync(absolute, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) return { problem: 'unreadable', reason: 'not a regular file' };
      let buffer = Buffer.alloc(Math.min(opened.size, maxBytes) + 1);
      let length = 0;
      for (;;) {
        const read = readSync(fd, buffer, length, buffer.length - length, null);
        if (read === 0) break;
        length += read;
        if (length < buffer.length) continue;
        // Full: past the cap, or the file grew since it was looked at.
        if (length > maxBytes) return tooLarge(length, maxBytes);
        const grown = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      return { content: buffer.toString('utf8', 0, length) };
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return { problem: 'unreadable', reason: describeFsError(error) };
  }
}
