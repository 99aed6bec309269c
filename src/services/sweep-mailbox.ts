// One pass over the complaint inbox: every mail above the checkpoint (or every mail, on a full
// sweep) goes through the pipeline a fetched batch at a time (ingestMails), then is moved to the
// processed or quarantine folder. A mail is moved only after its transaction committed; a crash in
// between leaves it in the inbox, where the next full sweep finds it already recorded and just
// moves it.
import { recordEvent } from '../db/events.js';
import { readCheckpoint } from '../db/mailbox-checkpoints.js';
import { messageHead } from '../domain/message-head.js';
import type { FetchedMail, MailboxSession } from '../ports.js';
import type { Deps } from './deps.js';
import { ingestMails, type IngestOutcome } from './ingest-mail.js';
import type { MailSource } from '../domain/inbound-plan.js';
import { isOversize, quarantineOversize } from './quarantine-oversize.js';

export interface SweepReport {
  readonly seen: number;
  readonly outcomes: Readonly<Record<IngestOutcome['outcome'], number>>;
  readonly resynced: boolean;
}

export interface SweepOptions {
  /** Look at every mail in the inbox, not only those above the checkpoint (start-up, resync). */
  readonly full: boolean;
  /** Mails fetched per IMAP round-trip. */
  readonly batchSize?: number;
  /** Called after each batch is committed and moved (the daemon wakes the outbox). */
  readonly afterBatch?: () => void;
  readonly signal?: AbortSignal;
}

type SweepDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'parseMail' | 'random'>;

export async function sweepMailbox(
  deps: SweepDeps,
  session: MailboxSession,
  options: SweepOptions,
): Promise<SweepReport> {
  const { imap } = deps.config.mailbox;
  const outcomes: Record<IngestOutcome['outcome'], number> = {
    ticket: 0,
    'follow-up': 0,
    staff: 0,
    suppressed: 0,
    duplicate: 0,
    quarantined: 0,
  };
  const checkpoint = await readCheckpoint(deps.db, session.inbox);
  const resynced = checkpoint !== undefined && checkpoint.uidValidity !== session.uidValidity;
  if (resynced) {
    deps.log.warn(
      { mailbox: session.inbox, was: checkpoint.uidValidity, now: session.uidValidity },
      'UIDVALIDITY changed: resynchronising the whole inbox',
    );
    await recordEvent(deps.db, {
      at: deps.clock.now(),
      actor: 'system',
      type: 'mailbox.resync',
      data: { mailbox: session.inbox, previousUidValidity: checkpoint.uidValidity, uidValidity: session.uidValidity },
    });
  }
  const from = options.full || resynced || !checkpoint ? 0 : checkpoint.lastUid;
  const uids = await session.listUids(from);
  const batchSize = options.batchSize ?? 50;
  let seen = 0;
  // The next batch is fetched while the current one is being recorded.
  const fetchBatch = (start: number) =>
    start < uids.length ? session.fetch(uids.slice(start, start + batchSize)) : Promise.resolve([]);
  let next = fetchBatch(0);
  for (let i = 0; i < uids.length; i += batchSize) {
    const batch = await next;
    if (options.signal?.aborted) break;
    next = fetchBatch(i + batchSize);
    // A failed prefetch is seen (and thrown) when its turn comes, not as an unhandled rejection now.
    next.catch(() => undefined);
    const toProcessed: number[] = [];
    const toQuarantine: number[] = [];
    const sourceOf = (fetched: FetchedMail): MailSource => ({
      kind: 'imap',
      mailbox: session.inbox,
      uidValidity: session.uidValidity,
      uid: fetched.uid,
      internalDate: fetched.internalDate,
    });
    const results: IngestOutcome[] = [];
    for (const part of parts(deps.config, batch)) {
      if (part.oversize) {
        const { mail } = part;
        const head = mail.headersOnly ? mail.raw : messageHead(mail.raw);
        results.push(
          await quarantineOversize(deps, { head, size: mail.size ?? mail.raw.byteLength, source: sourceOf(mail) }),
        );
      } else {
        results.push(
          ...(await ingestMails(
            deps,
            part.mails.map((mail) => ({ raw: mail.raw, source: sourceOf(mail) })),
          )),
        );
      }
    }
    results.forEach((outcome, k) => {
      outcomes[outcome.outcome]++;
      seen++;
      (outcome.outcome === 'quarantined' ? toQuarantine : toProcessed).push(batch[k]!.uid);
    });
    await session.move(toProcessed, imap.processed);
    await session.move(toQuarantine, imap.quarantine);
    options.afterBatch?.();
  }
  await next.catch(() => undefined);
  if (seen > 0) deps.log.info({ seen, ...outcomes }, 'inbox swept');
  return { seen, outcomes, resynced };
}

type Part =
  | { readonly oversize: true; readonly mail: FetchedMail }
  | { readonly oversize: false; readonly mails: FetchedMail[] };

/**
 * A fetched batch in mailbox order, cut into what goes through `ingestBatch` together and the
 * mails above `mailbox.maxMessageBytes` (fetched headers only, or found larger here), each alone.
 * A group also holds at most `maxMessageBytes` of mail in all: its rows are written in one
 * statement, whose memory grows with the bytes in it, so a group costs what one mail may.
 */
function parts(config: SweepDeps['config'], batch: readonly FetchedMail[]): Part[] {
  const out: Part[] = [];
  let group: FetchedMail[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (group.length > 0) out.push({ oversize: false, mails: group });
    group = [];
    bytes = 0;
  };
  for (const mail of batch) {
    if (mail.headersOnly || isOversize(config, mail.size ?? mail.raw.byteLength)) {
      flush();
      out.push({ oversize: true, mail });
      continue;
    }
    if (bytes + mail.raw.byteLength > config.mailbox.maxMessageBytes) flush();
    group.push(mail);
    bytes += mail.raw.byteLength;
  }
  flush();
  return out;
}
