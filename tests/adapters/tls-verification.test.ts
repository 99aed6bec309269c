// The mail servers' TLS certificates are checked by default, against real servers with a
// self-signed certificate made at test time: an SMTP receiver (TLS from the start, as on 465, and
// STARTTLS, as on 587) and Dovecot (IMAPS and STARTTLS). Refused with a clear error by default,
// accepted with mailbox.smtp.tls / mailbox.imap.tls `acceptUnverifiedCertificate: true`.
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMailbox } from '../../src/adapters/imap-mailbox.js';
import { createSmtpSender } from '../../src/adapters/smtp-sender.js';
import { runCheck } from '../../src/cli/check.js';
import type { Config } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { selfSignedCertificate, type SelfSigned } from '../harness/self-signed.js';
import { testConfigYaml } from '../support/test-config.js';

const log = pino({ level: 'silent' });
const REFUSED = /TLS certificate of the SMTP server refused: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/;

interface TlsReceiver {
  readonly port: number;
  readonly received: string[];
  stop(): Promise<void>;
}

/** An smtp-server with the certificate: TLS from the start (`secure`), or plain + STARTTLS. */
async function startTlsReceiver(certificate: SelfSigned, secure: boolean): Promise<TlsReceiver> {
  const received: string[] = [];
  const server = new SMTPServer({
    secure,
    key: certificate.key,
    cert: certificate.cert,
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(`${session.secure ? 'tls' : 'plain'}:${session.envelope.rcptTo.map((r) => r.address).join(',')}`);
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return {
    port: address.port,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function smtpConfig(port: number, secure: boolean, accept?: boolean): Config['mailbox']['smtp'] {
  const tls = accept === undefined ? '' : `, tls: { acceptUnverifiedCertificate: ${accept} }`;
  const yaml = testConfigYaml({ smtpPort: port }).replace(
    `port: ${port}, secure: false, timeoutSeconds: 5 }`,
    `port: ${port}, secure: ${secure}, timeoutSeconds: 5${tls} }`,
  );
  return loadConfig(yaml, {}, 'tls').config.mailbox.smtp;
}

const MAIL = {
  messageId: 'tls-test@spst-test.fr',
  from: { name: 'SPST Test', address: 'reclamation@spst-test.fr' },
  to: 'jean@example.test',
  subject: 'Accusé de réception',
  text: 'Bonjour',
  html: '<p>Bonjour</p>',
  headers: {},
};

describe.each([
  { mode: 'TLS from the start (465)', secure: true },
  { mode: 'STARTTLS (587)', secure: false },
])('SMTP certificate, $mode', ({ secure }) => {
  let certificate: SelfSigned;
  let receiver: TlsReceiver;

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    receiver = await startTlsReceiver(certificate, secure);
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  it('refuses a self-signed certificate by default, saying so and naming the key', async () => {
    const config = smtpConfig(receiver.port, secure);
    expect(config.tls.acceptUnverifiedCertificate).toBe(false);
    const sender = createSmtpSender(config);
    try {
      const result = await sender.send(MAIL);
      expect(result.ok).toBe(false);
      expect(result.ok === false && result.message).toMatch(REFUSED);
      expect(result.ok === false && result.message).toContain('mailbox.smtp.tls.acceptUnverifiedCertificate: true');
      await expect(sender.verify()).rejects.toThrow(REFUSED);
    } finally {
      sender.close();
    }
    expect(receiver.received).toEqual([]);
  });

  it('sends over TLS to it with acceptUnverifiedCertificate: true', async () => {
    const sender = createSmtpSender(smtpConfig(receiver.port, secure, true));
    try {
      expect(await sender.send(MAIL)).toMatchObject({ ok: true });
    } finally {
      sender.close();
    }
    // Over TLS in both modes: STARTTLS was used, not skipped.
    expect(receiver.received).toEqual(['tls:jean@example.test']);
  });
});

describeE2E('IMAP certificate (Dovecot with a self-signed certificate)', () => {
  let dovecot: DovecotServer;

  beforeAll(async () => {
    dovecot = await startDovecot({
      users: [{ name: 'reclamation', password: 'secret-imap' }],
      tls: selfSignedCertificate(),
    });
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  const imapConfig = (port: number, secure: boolean, accept?: boolean): Config['mailbox']['imap'] => {
    const yaml = testConfigYaml({ imapPort: port })
      .replace(`port: ${port}, secure: false`, `port: ${port}, secure: ${secure}`)
      .replace(
        'pollSeconds: 5',
        `pollSeconds: 5${accept === undefined ? '' : `, tls: { acceptUnverifiedCertificate: ${accept} }`}`,
      );
    return loadConfig(yaml, {}, 'tls').config.mailbox.imap;
  };

  for (const { mode, secure } of [
    { mode: 'IMAPS (993)', secure: true },
    { mode: 'STARTTLS (143)', secure: false },
  ]) {
    it(`${mode}: refused by default with a clear error, accepted with acceptUnverifiedCertificate: true`, async () => {
      const port = secure ? dovecot.imapsPort! : dovecot.imapPort;
      await expect(probeMailbox({ imap: imapConfig(port, secure), log, connectTimeoutMs: 5_000 })).rejects.toThrow(
        /TLS certificate of the IMAP server refused: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\) — .*mailbox\.imap\.tls\.acceptUnverifiedCertificate: true/,
      );
      const probe = await probeMailbox({ imap: imapConfig(port, secure, true), log, connectTimeoutMs: 5_000 });
      expect(probe.messages).toBe(0);
    });
  }

  it('reclam check names the refused certificate, and warns when the check is turned off', async () => {
    const smtp = await startTlsReceiver(selfSignedCertificate(), false);
    try {
      const base = testConfigYaml({ imapPort: dovecot.imapsPort!, smtpPort: smtp.port, dataDir: dovecot.dir })
        .replace(`port: ${dovecot.imapsPort}, secure: false`, `port: ${dovecot.imapsPort}, secure: true`)
        .replace('database: { dataDir:', 'database: { url: "postgres://127.0.0.1:1/none", dataDir:');
      const run = async (yaml: string) => {
        const out = new PassThrough();
        let text = '';
        out.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        await runCheck(loadConfig(yaml, {}, 'check').config, [], log, out);
        return text;
      };
      const refused = await run(base);
      expect(refused).toMatch(/✘ IMAP .*TLS certificate of the IMAP server refused: self-signed certificate/);
      expect(refused).toMatch(/✘ SMTP .*TLS certificate of the SMTP server refused: self-signed certificate/);
      const accepted = await run(
        base
          .replace('pollSeconds: 5', 'pollSeconds: 5, tls: { acceptUnverifiedCertificate: true }')
          .replace('timeoutSeconds: 5 }', 'timeoutSeconds: 5, tls: { acceptUnverifiedCertificate: true } }'),
      );
      expect(accepted).toMatch(/✔ IMAP .*opened/);
      expect(accepted).toMatch(/✔ SMTP .*accepts connections/);
      expect(accepted).toContain('⚠ mailbox.imap.tls.acceptUnverifiedCertificate is true');
      expect(accepted).toContain('⚠ mailbox.smtp.tls.acceptUnverifiedCertificate is true');
      expect(refused).not.toContain('⚠');
    } finally {
      await smtp.stop();
    }
  });
});
