// The tests' SMTP receiver in a process of its own, for the profiling leg: its parsing must not
// show up in the CPU profile of the code under test. Prints `port <n>`, then `count <n>` on every
// `count` line read from stdin; exits on stdin EOF.
import { createInterface } from 'node:readline';
import { startSmtpReceiver } from '../../tests/harness/smtp-receiver.js';

const receiver = await startSmtpReceiver();
let received = 0;
setInterval(() => {
  received += receiver.mails.splice(0).length;
}, 50);
process.stdout.write(`port ${receiver.port}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`count ${received + receiver.mails.length}\n`);
});
lines.on('close', () => {
  void receiver.stop().then(() => process.exit(0));
});
