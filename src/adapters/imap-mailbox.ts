// The only file that imports imapflow: opens the complaint inbox, makes sure the processed and
// quarantine folders exist, fetches with BODY.PEEK (never \Seen) and reports new mail from IDLE.
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import {
  type AppError,
  describeNetworkFailure,
  imapAuthFailed,
  NODE_UNREACHABLE_CODES,
  imapUnreachable,
} from '../domain/errors.js';
import { certificateProblem } from '../domain/tls-failure.js';
import type { FetchedMail, MailboxSession, MailRemover } from '../ports.js';

/** How to reach the complaint mailbox (`mailbox.imap` in the configuration fits it). */
export interface ImapServer {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (993); false: plain, upgraded by STARTTLS when offered. */
  readonly secure: boolean;
  readonly user: string;
  readonly password: string;
  readonly inbox: string;
  readonly processed: string;
  readonly quarantine: string;
  /** Wait for new mail with IDLE (false: poll only). */
  readonly idle: boolean;
  readonly tls: { readonly acceptUnverifiedCertificate: boolean };
}

export interface MailboxOptions {
  readonly imap: ImapServer;
  readonly log: Logger;
  /** Milliseconds before imapflow gives up connecting. */
  readonly connectTimeoutMs?: number;
  /**
   * `mailbox.maxMessageBytes`: a mail whose RFC822.SIZE is larger is fetched headers only
   * (`headersOnly`), so that its body never enters the process. Absent: every mail whole.
   */
  readonly maxMessageBytes?: number | undefined;
}

/** Connects, creates the processed/quarantine folders if needed and selects the inbox. */
export async function openMailboxSession(options: MailboxOptions): Promise<MailboxSession> {
  const { imap, log } = options;
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.password },
    logger: false,
    disableAutoIdle: !imap.idle,
    // Enter IDLE soon after our last command so a new complaint is seen within Dovecot's ~0.5 s.
    autoIdleDelay: 250,
    connectionTimeout: options.connectTimeoutMs ?? 15_000,
    greetingTimeout: options.connectTimeoutMs ?? 15_000,
    // The server's certificate is checked (direct TLS and STARTTLS alike) unless the
    // configuration accepts an unverified one (a local server with a self-signed certificate).
    tls: { rejectUnauthorized: !imap.tls.acceptUnverifiedCertificate },
  });
  let news = false;
  let closed = false;
  let wake: (() => void) | null = null;
  client.on('exists', () => {
    news = true;
    wake?.();
  });
  client.on('close', () => {
    closed = true;
    wake?.();
  });
  client.on('error', (error: Error) => {
    log.warn({ err: error }, 'IMAP connection error');
  });

  try {
    await client.connect();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const problem = certificateProblem(e.code, e.message);
    if (!problem) throw imapConnectFailure(error, imap) ?? error;
    throw Object.assign(
      new Error(
        `TLS certificate of the IMAP server refused: ${problem} — for a local server you control with a ` +
          `self-signed certificate, set mailbox.imap.tls.acceptUnverifiedCertificate: true`,
        { cause: error },
      ),
      { code: e.code, tlsFailed: true },
    );
  }
  try {
    await ensureFolders(client, [imap.processed, imap.quarantine]);
    const mailbox = await client.mailboxOpen(imap.inbox);
    const uidValidity = Number(mailbox.uidValidity);

    return {
      inbox: imap.inbox,
      uidValidity,
      get usable() {
        return !closed && client.usable;
      },
      async listUids(afterUid) {
        news = false;
        const found = await client.search({ uid: `${afterUid + 1}:*` }, { uid: true });
        // `N:*` also matches the highest UID when every UID is below N (RFC 3501), hence the filter.
        return (found || []).filter((uid) => uid > afterUid).sort((a, b) => a - b);
      },
      async fetch(uids) {
        if (uids.length === 0) return [];
        const max = options.maxMessageBytes;
        // RFC822.SIZE first, so that a mail above the cap is fetched headers only.
        const sizes =
          max === undefined
            ? new Map<number, number>()
            : new Map(
                (await client.fetchAll(uids.join(','), { uid: true, size: true }, { uid: true })).map((m) => [
                  m.uid,
                  m.size ?? 0,
                ]),
              );
        const large = uids.filter((uid) => max !== undefined && (sizes.get(uid) ?? 0) > max);
        const whole = uids.filter((uid) => !large.includes(uid));
        const fetched: FetchedMail[] = [];
        if (whole.length > 0) {
          const messages = await client.fetchAll(
            whole.join(','),
            { uid: true, source: true, internalDate: true },
            { uid: true },
          );
          for (const m of messages) {
            if (m.source === undefined) continue;
            fetched.push({
              uid: m.uid,
              // a view of the fetched bytes: `new Uint8Array(buffer)` copied every mail
              raw: new Uint8Array(m.source.buffer, m.source.byteOffset, m.source.byteLength),
              internalDate: m.internalDate ? new Date(m.internalDate) : undefined,
              size: sizes.get(m.uid),
            });
          }
        }
        if (large.length > 0) {
          const messages = await client.fetchAll(
            large.join(','),
            { uid: true, headers: true, internalDate: true },
            { uid: true },
          );
          for (const m of messages) {
            const headers = m.headers ?? Buffer.alloc(0);
            fetched.push({
              uid: m.uid,
              raw: new Uint8Array(headers.buffer, headers.byteOffset, headers.byteLength),
              internalDate: m.internalDate ? new Date(m.internalDate) : undefined,
              size: sizes.get(m.uid),
              headersOnly: true,
            });
          }
        }
        return fetched.sort((a, b) => a.uid - b.uid);
      },
      async move(uids, folder) {
        if (uids.length === 0) return;
        await client.messageMove(uids.join(','), folder, { uid: true });
      },
      waitForNews(timeoutMs, signal) {
        if (closed) return Promise.resolve('closed');
        if (signal.aborted) return Promise.resolve('aborted');
        if (news) return Promise.resolve('news');
        return new Promise((resolve) => {
          const finish = (result: 'news' | 'timeout' | 'aborted' | 'closed') => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            wake = null;
            resolve(result);
          };
          const onAbort = () => finish('aborted');
          const timer = setTimeout(() => finish('timeout'), timeoutMs);
          signal.addEventListener('abort', onAbort, { once: true });
          wake = () => finish(closed ? 'closed' : 'news');
        });
      },
      async close() {
        if (closed) return;
        try {
          await client.logout();
        } catch {
          client.close();
        }
      },
    };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Node's and imapflow's codes for a server that cannot be reached or talked to (waiting may help). */
const UNREACHABLE_CODES = new Set([
  ...NODE_UNREACHABLE_CODES,
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
]);

/**
 * The catalogue error for a failed connection: IMAP_AUTH_FAILED when the server refused the login,
 * IMAP_UNREACHABLE when it could not be reached (network, timeout, TLS); null otherwise.
 */
export function imapConnectFailure(error: unknown, imap: Pick<ImapServer, 'host' | 'port' | 'user'>): AppError | null {
  const e = error as { authenticationFailed?: boolean; code?: unknown; message?: unknown; library?: unknown };
  const at = { host: imap.host, port: imap.port };
  if (e?.authenticationFailed) return imapAuthFailed({ ...at, user: imap.user }, error);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (UNREACHABLE_CODES.has(code)) return imapUnreachable(at, describeNetworkFailure(code), error);
  // TLS failures come from Node with OpenSSL codes (ERR_SSL_…, CERT_…, DEPTH_ZERO_SELF_SIGNED_CERT…).
  if (/^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) || e?.library === 'SSL routines')
    return imapUnreachable(at, `${code || 'TLS'} : échec de la négociation TLS`, error);
  return null;
}

async function ensureFolders(client: ImapFlow, folders: readonly string[]): Promise<void> {
  const existing = new Set((await client.list()).map((m) => m.path));
  for (const folder of folders) {
    if (existing.has(folder)) continue;
    try {
      await client.mailboxCreate(folder);
    } catch (error) {
      // Another daemon may have created it in between.
      const again = new Set((await client.list()).map((m) => m.path));
      if (!again.has(folder)) throw error;
    }
  }
}

/** Opens and closes a session: `reclam check` uses it to give a verdict on the IMAP settings. */
export async function probeMailbox(options: MailboxOptions): Promise<{ uidValidity: number; messages: number }> {
  const session = await openMailboxSession(options);
  try {
    const uids = await session.listUids(0);
    return { uidValidity: session.uidValidity, messages: uids.length };
  } finally {
    await session.close();
  }
}

/**
 * Deletes stored mails by Message-ID, or mentioning an address, from `folders` (the processed and
 * quarantine folders: RGPD erasure and retention; the database keeps each mail's raw bytes).
 * Each call opens its own connection, so the mailbox watcher's session is not disturbed. A folder
 * that does not exist is skipped. The server's header search is a substring match: each
 * candidate's own Message-ID is compared before it is deleted.
 */
export function createMailRemover(options: MailboxOptions & { readonly folders: readonly string[] }): MailRemover {
  return {
    async deleteMails({ messageIds, mentioning }) {
      const wanted = new Set(messageIds.map((id) => id.trim().toLowerCase()).filter((id) => id !== ''));
      const results: { folder: string; deleted: number }[] = [];
      if (wanted.size === 0 && !mentioning) return options.folders.map((folder) => ({ folder, deleted: 0 }));
      const { imap } = options;
      const client = new ImapFlow({
        host: imap.host,
        port: imap.port,
        secure: imap.secure,
        auth: { user: imap.user, pass: imap.password },
        logger: false,
        disableAutoIdle: true,
        connectionTimeout: options.connectTimeoutMs ?? 15_000,
        greetingTimeout: options.connectTimeoutMs ?? 15_000,
        tls: { rejectUnauthorized: !imap.tls.acceptUnverifiedCertificate },
      });
      client.on('error', (error: Error) => options.log.warn({ err: error }, 'IMAP connection error (mail removal)'));
      try {
        await client.connect();
      } catch (error) {
        throw imapConnectFailure(error, imap) ?? error;
      }
      try {
        const existing = new Set((await client.list()).map((m) => m.path));
        for (const folder of options.folders) {
          if (!existing.has(folder)) {
            results.push({ folder, deleted: 0 });
            continue;
          }
          const lock = await client.getMailboxLock(folder);
          try {
            const candidates = new Set<number>();
            const list = [...wanted];
            for (let i = 0; i < list.length; i += 20) {
              const chunk = list.slice(i, i + 20).map((id) => ({ header: { 'message-id': `<${id}>` } }));
              const found = await client.search(chunk.length === 1 ? chunk[0]! : { or: chunk }, { uid: true });
              for (const uid of found || []) candidates.add(uid);
            }
            const confirmed: number[] = [];
            if (candidates.size > 0) {
              for (const m of await client.fetchAll(
                [...candidates].join(','),
                { uid: true, envelope: true },
                { uid: true },
              )) {
                const id = (m.envelope?.messageId ?? '').replace(/^<|>$/g, '').trim().toLowerCase();
                if (wanted.has(id)) confirmed.push(m.uid);
              }
            }
            // SEARCH TEXT looks through the headers and the (decoded) body, case-insensitively.
            if (mentioning) {
              for (const uid of (await client.search({ text: mentioning }, { uid: true })) || [])
                if (!confirmed.includes(uid)) confirmed.push(uid);
            }
            if (confirmed.length > 0) await client.messageDelete(confirmed.join(','), { uid: true });
            results.push({ folder, deleted: confirmed.length });
          } finally {
            lock.release();
          }
        }
        return results;
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
  };
}
