// Proves the end-to-end harness itself: real Dovecot, real SMTP receiver, LMTP hand-over, refusals.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  appendMessage,
  createMailbox,
  imapOptions,
  listMessages,
  startDovecot,
  type DovecotServer,
} from './dovecot.js';
import { describeE2E } from './e2e-guard.js';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.js';

const USERS = [
  { name: 'reclamation', password: 'reclam-secret' },
  { name: 'bob', password: 'bob-secret' },
];

function rawMail(
  subjectHeader: string,
  messageId: string,
  body = 'Bonjour,\r\n\r\nMon colis est arrivé cassé.\r\n',
): string {
  return [
    'From: Alice Martin <alice@example.test>',
    'To: reclamation@example.test',
    `Subject: ${subjectHeader}`,
    `Message-ID: <${messageId}>`,
    'Date: Mon, 03 Mar 2025 10:00:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
  ].join('\r\n');
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** PIDs of `pid` and its descendants, from /proc (Linux). */
function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // process ended while scanning
    }
  }
  const tree = parentOf.has(pid) ? [pid] : [];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

describeE2E('test harness: Dovecot + SMTP receiver', () => {
  let dovecot: DovecotServer;
  let receiver: SmtpReceiver;

  beforeAll(async () => {
    const started = Date.now();
    dovecot = await startDovecot({ users: USERS });
    console.log(
      `[harness] Dovecot up in ${Date.now() - started} ms (imap ${dovecot.imapPort}, lmtp ${dovecot.lmtpPort})`,
    );
    receiver = await startSmtpReceiver({ deliverTo: { host: dovecot.host, lmtpPort: dovecot.lmtpPort } });
  });

  afterAll(async () => {
    await receiver?.stop();
    await dovecot?.stop();
  });

  it('appends into INBOX and lists it back with the subject decoded', async () => {
    const encoded = `=?UTF-8?B?${Buffer.from('Réclamation été').toString('base64')}?=`;
    const uid = await appendMessage(dovecot, 'reclamation', 'INBOX', rawMail(encoded, 'encoded@example.test'));
    const uid8bit = await appendMessage(
      dovecot,
      'reclamation',
      'INBOX',
      Buffer.from(rawMail('Réclamation été', '8bit@example.test')),
      ['\\Seen'],
    );
    expect(uid8bit).toBeGreaterThan(uid);

    const listed = await listMessages(dovecot, 'reclamation', 'INBOX');
    expect(listed).toEqual([
      { uid, flags: [], messageId: '<encoded@example.test>', subject: 'Réclamation été' },
      { uid: uid8bit, flags: ['\\Seen'], messageId: '<8bit@example.test>', subject: 'Réclamation été' },
    ]);
    expect(await listMessages(dovecot, 'bob', 'INBOX')).toEqual([]);
  });

  it('creates folders with accents and lists missing ones as empty', async () => {
    await createMailbox(dovecot, 'reclamation', 'Traitées');
    await createMailbox(dovecot, 'reclamation', 'Quarantaine');
    await createMailbox(dovecot, 'reclamation', 'Traitées'); // idempotent

    const client = new ImapFlow(imapOptions(dovecot, 'reclamation'));
    await client.connect();
    const paths = (await client.list()).map((m) => m.path).sort();
    await client.logout();
    expect(paths).toEqual(['INBOX', 'Quarantaine', 'Traitées']);

    expect(await listMessages(dovecot, 'reclamation', 'Traitées')).toEqual([]);
    expect(await listMessages(dovecot, 'reclamation', 'Nulle part')).toEqual([]);
    // APPEND to a missing folder creates it (TRYCREATE)
    const uid = await appendMessage(
      dovecot,
      'reclamation',
      'Archives/2025',
      rawMail('archivé', 'archive@example.test'),
    );
    expect((await listMessages(dovecot, 'reclamation', 'Archives/2025')).map((m) => m.uid)).toEqual([uid]);
  });

  it('captures a mail sent over SMTP and delivers it into the recipient mailbox over LMTP', async () => {
    const transport = nodemailer.createTransport({ host: receiver.host, port: receiver.port, secure: false });
    const info = await transport.sendMail({
      from: 'reclamation@example.test',
      to: 'bob@example.test',
      subject: 'Accusé de réception',
      text: 'Votre réclamation a bien été reçue.',
      messageId: '<ack-1@reclam.test>',
    });
    transport.close();
    expect(info.accepted).toEqual(['bob@example.test']);

    const mail = await receiver.waitFor((m) => m.parsed.messageId === '<ack-1@reclam.test>');
    expect(mail.envelopeFrom).toBe('reclamation@example.test');
    expect(mail.envelopeTo).toEqual(['bob@example.test']);
    expect(mail.parsed.subject).toBe('Accusé de réception');
    expect(mail.delivered).toEqual(['bob@example.test']);
    expect(mail.deliveryError).toBeUndefined();

    // Delivery happens before the SMTP reply, so the mail is already in bob's INBOX.
    const inbox = await listMessages(dovecot, 'bob', 'INBOX');
    expect(inbox.map((m) => [m.messageId, m.subject])).toEqual([['<ack-1@reclam.test>', 'Accusé de réception']]);
  });

  it('records an LMTP refusal for recipients unknown to Dovecot but still captures the mail', async () => {
    const transport = nodemailer.createTransport({ host: receiver.host, port: receiver.port, secure: false });
    await transport.sendMail({
      from: 'reclamation@example.test',
      to: ['client@example.test', 'bob@example.test'],
      subject: 'Deux destinataires',
      text: '…',
      messageId: '<two@reclam.test>',
    });
    transport.close();
    const mail = await receiver.waitFor((m) => m.parsed.messageId === '<two@reclam.test>');
    expect(mail.delivered).toEqual(['bob@example.test']);
    expect(mail.deliveryError).toMatch(/client@example\.test/);
  });

  it('refuses with the code chosen by respondWith and does not capture refused mails', async () => {
    const transport = nodemailer.createTransport({ host: receiver.host, port: receiver.port, secure: false });
    const before = receiver.mails.length;
    let calls = 0;
    receiver.respondWith(() => (++calls === 1 ? { code: 451, message: '4.3.0 try later' } : null));

    const send = (id: string) =>
      transport.sendMail({
        from: 'reclamation@example.test',
        to: 'bob@example.test',
        subject: id,
        text: id,
        messageId: `<${id}@reclam.test>`,
      });
    await expect(send('refused')).rejects.toMatchObject({ responseCode: 451 });
    expect(receiver.refusals).toBe(1);
    expect(receiver.mails.length).toBe(before);

    await send('retried');
    expect(receiver.mails.length).toBe(before + 1);

    receiver.respondWith(() => ({ code: 550, message: '5.1.1 user unknown' }));
    await expect(send('permanent')).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringContaining('5.1.1 user unknown'),
    });
    expect(receiver.refusals).toBe(2);
    receiver.respondWith(null);
    transport.close();

    await expect(receiver.waitFor((m) => m.parsed.subject === 'permanent', 200)).rejects.toThrow(/timed out/);
    const two = await receiver.waitForCount((m) => m.envelopeTo.includes('bob@example.test'), 2, 1_000);
    expect(two.length).toBeGreaterThanOrEqual(2);
  });

  it('measures APPEND → IDLE exists and SMTP → LMTP → IDLE exists', async () => {
    const watcher = new ImapFlow(imapOptions(dovecot, 'bob'));
    await watcher.connect();
    await watcher.mailboxOpen('INBOX');
    const nextExists = () =>
      new Promise<void>((resolve) => {
        watcher.once('exists', () => resolve());
      });
    void watcher.idle();
    await new Promise((r) => setTimeout(r, 100)); // let IDLE start

    let seen = nextExists();
    let t0 = performance.now();
    await appendMessage(dovecot, 'bob', 'INBOX', rawMail('idle probe', 'idle-1@example.test'));
    await seen;
    console.log(`[harness] APPEND → IDLE exists: ${(performance.now() - t0).toFixed(0)} ms`);

    // idle() is already running (imapflow stays in IDLE after an untagged EXISTS); calling it again is a no-op.
    void watcher.idle();
    seen = nextExists();
    const transport = nodemailer.createTransport({ host: receiver.host, port: receiver.port, secure: false });
    t0 = performance.now();
    await transport.sendMail({
      from: 'reclamation@example.test',
      to: 'bob@example.test',
      subject: 'idle smtp',
      text: 'x',
    });
    await seen;
    console.log(`[harness] SMTP → LMTP → IDLE exists: ${(performance.now() - t0).toFixed(0)} ms`);
    transport.close();
    await watcher.logout();
  });

  it('runs a second, independent Dovecot at the same time', async () => {
    const other = await startDovecot({ users: [{ name: 'bob', password: 'autre' }] });
    try {
      expect(other.dir).not.toBe(dovecot.dir);
      expect([other.imapPort, other.lmtpPort]).not.toContain(dovecot.imapPort);
      await appendMessage(other, 'bob', 'INBOX', rawMail('ailleurs', 'other@example.test'));
      expect((await listMessages(other, 'bob', 'INBOX')).map((m) => m.messageId)).toEqual(['<other@example.test>']);
      expect((await listMessages(dovecot, 'bob', 'INBOX')).map((m) => m.messageId)).not.toContain(
        '<other@example.test>',
      );
    } finally {
      await other.stop();
    }
  });

  it('stop() ends every Dovecot process, frees the port and removes the directory', async () => {
    const tree = processTree(dovecot.pid);
    expect(tree.length).toBeGreaterThan(1); // master + log, config, anvil, imap-login, …
    expect(await portAccepts(dovecot.imapPort)).toBe(true);

    const t0 = performance.now();
    await dovecot.stop();
    console.log(`[harness] Dovecot stopped in ${(performance.now() - t0).toFixed(0)} ms`);

    expect(await portAccepts(dovecot.imapPort)).toBe(false);
    expect(await portAccepts(dovecot.lmtpPort)).toBe(false);
    expect(tree.filter((pid) => existsSync(`/proc/${pid}`) && processTree(pid).length > 0)).toEqual([]);
    expect(existsSync(dovecot.dir)).toBe(false);
    await dovecot.stop(); // idempotent
  });
});
