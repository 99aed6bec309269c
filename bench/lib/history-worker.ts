// Worker thread of history-loader.ts: generates the history's COPY batches and posts them, keeping
// at most `ahead` batches not yet taken by the loader (it answers each with 'more').
import { parentPort, workerData } from 'node:worker_threads';
import type { HistoryOptions } from '../../tests/support/ticket-history.js';
import { copyBatches } from './history-loader.js';

interface Data {
  readonly options: Omit<HistoryOptions, 'from' | 'to' | 'now'> & { from: string; to: string; now?: string };
  readonly batchSize: number;
  readonly ahead: number;
}

const data = workerData as Data;
const { from, to, now, ...rest } = data.options;
const options: HistoryOptions = {
  ...rest,
  from: new Date(from),
  to: new Date(to),
  ...(now ? { now: new Date(now) } : {}),
};
let credit = data.ahead;
let wake: (() => void) | null = null;
parentPort!.on('message', () => {
  credit++;
  wake?.();
});
for (const batch of copyBatches(options, data.batchSize)) {
  while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
  credit--;
  parentPort!.postMessage(batch);
}
parentPort!.postMessage(null);
