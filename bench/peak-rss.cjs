// Preloaded (NODE_OPTIONS=--require) into the command and its worker processes by
// bench/end-to-end.sh: each process writes its peak resident size (KiB) to $PEAK_RSS_DIR/<pid>
// every 100 ms and at exit. (The worker's event loop turns between slices, so the last write
// after its final slice holds its peak; /usr/bin/time's %M does not tell the processes apart.)
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const dir = process.env.PEAK_RSS_DIR;
if (dir) {
  const write = () =>
    writeFileSync(join(dir, String(process.pid)), `${basename(process.argv[1] ?? 'node')} ${process.resourceUsage().maxRSS}\n`);
  setInterval(write, 100).unref();
  process.on('exit', write);
}
