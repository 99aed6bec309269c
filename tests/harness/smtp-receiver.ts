// The "outside world" the bot sends to in end-to-end tests: a real SMTP server that records
// every accepted mail, can be told to refuse, and can hand mails on to Dovecot over LMTP.
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface CapturedMail {
  /** MAIL FROM address; '' for the null sender `<>`. */
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
  receivedAt: Date;
  /** AUTH user if the client authenticated (any credentials are accepted). */
  authUser?: string;
  /** With `deliverTo`: the recipients Dovecot accepted over LMTP, and why the others failed. */
  delivered?: string[];
  deliveryError?: string;
}

export interface SmtpRefusal {
  /** SMTP reply code, e.g. 451 (transient) or 550 (permanent). */
  code: number;
  /** Reply text, e.g. '4.3.0 try later'. */
  message: string;
}

export type SmtpPolicy = (envelope: { from: string; to: string[] }) => SmtpRefusal | null;

export interface SmtpReceiver {
  host: '127.0.0.1';
  port: number;
  /** Accepted mails, oldest first. Refused mails are not here. */
  mails: CapturedMail[];
  /** Mails refused because of `respondWith`. */
  readonly refusals: number;
  /** First mail (already captured or future) matching `predicate`; rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** Resolves with all matching mails once there are at least `count`; rejects after `timeoutMs` (default 5000). */
  waitForCount(predicate: (m: CapturedMail) => boolean, count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /** Decides, at the end of DATA, whether to refuse a mail (return a code) or accept it (null). `null` = accept all. */
  respondWith(policy: SmtpPolicy | null): void;
  /** Closes the server (open client connections are cut after 1 s) and rejects pending waits. */
  stop(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** Also deliver every accepted mail over LMTP to this Dovecot, one RCPT per envelope recipient. */
  deliverTo?: { host: string; lmtpPort: number };
  /**
   * Hands every accepted mail, unparsed, to this function instead of keeping it: `mails` stays
   * empty and `waitFor` never matches (the benchmark counts 15 000 mails and must not parse them).
   */
  onAccepted?: (mail: { envelopeFrom: string; envelopeTo: string[]; raw: Buffer; receivedAt: Date }) => void;
}

const DEFAULT_WAIT_MS = 5_000;
const MAX_SIZE = 50 * 1024 * 1024;

interface Waiter {
  check(): boolean;
  fail(err: Error): void;
}

function readStream(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function describeMails(mails: CapturedMail[]): string {
  if (mails.length === 0) return 'no mail captured';
  return `captured ${mails.length}: ${mails
    .map((m) => `[to=${m.envelopeTo.join(',')} subject=${JSON.stringify(m.parsed.subject ?? '')}]`)
    .join(' ')}`;
}

function addressOf(a: unknown): string {
  return typeof a === 'string' ? a : String((a as { address?: unknown } | null)?.address ?? a);
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Starts an SMTP server on a free 127.0.0.1 port: no TLS, AUTH optional (any credentials), 50 MB limit. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const mails: CapturedMail[] = [];
  let refusals = 0;
  let policy: SmtpPolicy | null = null;
  let waiters: Waiter[] = [];
  let stopped = false;

  const lmtp = options.deliverTo
    ? nodemailer.createTransport({
        host: options.deliverTo.host,
        port: options.deliverTo.lmtpPort,
        lmtp: true,
        secure: false,
        ignoreTLS: true,
        name: 'smtp-receiver.test',
      })
    : undefined;

  const notify = (): void => {
    waiters = waiters.filter((w) => !w.check());
  };

  const deliver = async (mail: CapturedMail): Promise<void> => {
    if (!lmtp) return;
    try {
      const info = await lmtp.sendMail({ envelope: { from: mail.envelopeFrom, to: mail.envelopeTo }, raw: mail.raw });
      const result = info as { accepted: unknown[]; rejected: unknown[]; rejectedErrors?: Error[] };
      mail.delivered = result.accepted.map(addressOf);
      if (result.rejected.length) {
        const reasons = (result.rejectedErrors ?? []).map((e) => e.message).join('; ');
        mail.deliveryError = `LMTP rejected ${result.rejected.map(addressOf).join(', ')}${reasons ? `: ${reasons}` : ''}`;
      }
    } catch (err) {
      mail.delivered = [];
      mail.deliveryError = (err as Error).message;
    }
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void => {
    void (async () => {
      const raw = await readStream(stream);
      if (stream.sizeExceeded) return callback(smtpError(552, '5.3.4 Message too big'));
      const mailFrom = session.envelope.mailFrom;
      const envelope = {
        from: mailFrom ? mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      const refusal = policy?.(envelope) ?? null;
      if (refusal) {
        refusals++;
        return callback(smtpError(refusal.code, refusal.message));
      }
      if (options.onAccepted) {
        options.onAccepted({ envelopeFrom: envelope.from, envelopeTo: envelope.to, raw, receivedAt: new Date() });
        return callback(null, '2.0.0 Ok: accepted');
      }
      const mail: CapturedMail = {
        envelopeFrom: envelope.from,
        envelopeTo: envelope.to,
        raw,
        parsed: await simpleParser(raw),
        receivedAt: new Date(),
      };
      if (session.user !== undefined) mail.authUser = String(session.user);
      // Deliver before answering, so a resolved sendMail() means the mail is already in Dovecot.
      await deliver(mail);
      mails.push(mail);
      notify();
      callback(null, `2.0.0 Ok: captured as #${mails.length}`);
    })().catch((err: unknown) => callback(smtpError(451, `4.3.0 receiver error: ${(err as Error).message}`)));
  };

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_SIZE,
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData,
  });
  server.on('error', () => undefined); // client resets must not crash the test run

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (!address || typeof address !== 'object') throw new Error('smtp-server did not report its port');

  const wait = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const immediate = check();
    if (immediate !== undefined) return Promise.resolve(immediate);
    if (stopped) return Promise.reject(new Error(`receiver stopped before ${what}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; ${describeMails(mails)}, refusals=${refusals}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          const value = check();
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        fail(err) {
          clearTimeout(timer);
          reject(err);
        },
      };
      waiters.push(waiter);
    });
  };

  return {
    host: '127.0.0.1',
    port: address.port,
    mails,
    get refusals() {
      return refusals;
    },
    waitFor(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return wait(() => mails.find(predicate), timeoutMs, 'a matching mail');
    },
    waitForCount(predicate, count, timeoutMs = DEFAULT_WAIT_MS) {
      return wait(
        () => {
          const matching = mails.filter(predicate);
          return matching.length >= count ? matching : undefined;
        },
        timeoutMs,
        `${count} matching mail(s)`,
      );
    },
    respondWith(next) {
      policy = next;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const w of waiters) w.fail(new Error('receiver stopped'));
      waiters = [];
      await new Promise<void>((resolve) => server.close(() => resolve()));
      lmtp?.close();
    },
  };
}
