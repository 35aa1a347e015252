/**
 * `npm start`: runs the App's server from the built files (dist/), building them first only when
 * they are missing or older than the sources, so a start does not recompile and a production
 * install (without the TypeScript compiler) starts what it was given. `npm run worker` (this script
 * with `worker`) starts a worker of the fleet mode the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const worker = process.argv[2] === 'worker';
const entry = join(root, 'dist', 'src', 'bin', worker ? 'leakhound.js' : 'server.js');

/** The newest modification time under a directory (or of a file), in ms. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')));
if (built === 0 || (sources > built && existsSync(join(root, 'src')))) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    console.error(
      built === 0
        ? 'leakhound: dist/ is missing and the TypeScript compiler is not installed: run `npm ci` (with dev dependencies), or install a packed release'
        : 'leakhound: the sources are newer than dist/, but the TypeScript compiler is not installed; starting the built files',
    );
    if (built === 0) process.exit(1);
  } else {
    console.error('leakhound: building dist/ (the sources changed since the last build)');
    const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
if (worker) process.argv.splice(2, process.argv.length - 2, 'worker');
await import(pathToFileURL(entry).href);
