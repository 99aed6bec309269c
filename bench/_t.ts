import { generateBacklog } from './lib/mails.js';
import { parseMail } from '../src/adapters/mail-parser.js';
const mails = generateBacklog({ count: 300, seed: 7, prefix: 'REC', year: 2026, runTag: 'b1' });
let att = 0, withA = 0, html = 0, iso = 0;
for (const m of mails) { const r = await parseMail(new Uint8Array(m.raw)); if (r.ok) { if (m.hasAttachment) { withA++; att += r.mail.attachments.length; } if (r.mail.html) html++; if (!r.mail.text.includes('é') && m.kind==='complaint') iso++; } }
console.log({ withA, att, html, iso });
const m = mails.find((x) => x.raw.includes('iso-8859-1'))!; const r = await parseMail(new Uint8Array(m.raw)); if (r.ok) console.log(r.mail.text.slice(0, 300));
