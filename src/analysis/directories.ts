import { posix } from 'node:path';
import type { SourceFile } from '../model.js';

/**
 * Files grouped by directory, in the order first seen. A Go package never spans two directories,
 * so each group holds whole packages: the analysis handles one group at a time, and the analysis
 * pool cuts its slices along these groups.
 */
export function groupByDirectory(files: readonly SourceFile[]): SourceFile[][] {
  const groups = new Map<string, SourceFile[]>();
  for (const file of files) {
    const dir = posix.dirname(file.path);
    const group = groups.get(dir);
    if (group) group.push(file);
    else groups.set(dir, [file]);
  }
  return [...groups.values()];
}
