// Loaded with `node --import` into a `reclam ingest` child by the large-mails leg: writes the
// process's peak resident memory (VmHWM, the kernel's high-water mark) to $BENCH_HWM_FILE on exit.
import { readFileSync, writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.BENCH_HWM_FILE;
  if (!file) return;
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (kb !== undefined) writeFileSync(file, String(Number(kb) / 1024));
});
