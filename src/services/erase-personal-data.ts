// `reclam gdpr erase EMAIL [--yes]`: the right to erasure (RGPD article 17). A dry run by default
// says what would go; with `--yes` the person's tickets are anonymised (db/personal-data.ts), the
// mails they sent and received are emptied, their address is masked wherever else it is written,
// their raw mails are deleted from the IMAP processed and quarantine folders, and an audit event
// records who did it and when — naming nobody. Dates, levels, categories and states stay: the
// indicators of every period are unchanged.
import { createHmac } from 'node:crypto';
import type { Engine } from '../db/database.js';
import {
  anonymiseTickets,
  cellsMentioning,
  erasurePlan,
  eraseAddress,
  purgeOldRowVersions,
  type ErasurePlan,
} from '../db/personal-data.js';
import { recordEvent } from '../db/events.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import { personAddress } from '../domain/personal-data.js';
import type { MailRemover } from '../ports.js';
import type { Deps } from './deps.js';
import type { CommandOutput } from './ingest-files.js';

export type ErasePersonalDataDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'log'> & {
  readonly mailRemover: MailRemover;
  readonly engine: Engine;
};

export interface ErasureInput {
  readonly email: string;
  /** Who asks for it (an address or an operating-system user name), recorded in the audit trail. */
  readonly by: string;
  /** false: a dry run. */
  readonly act: boolean;
  /** false: leave the IMAP folders alone (a desk fed by `reclam ingest` only, a demo); default true. */
  readonly mailbox?: boolean | undefined;
}

/** A keyed hash of the address: « was X erased? » can be answered later without keeping X. */
export function erasureKey(secret: string, address: string): string {
  return createHmac('sha256', secret).update(`rgpd-erasure:${address}`).digest('hex').slice(0, 32);
}

export async function erasePersonalData(deps: ErasePersonalDataDeps, input: ErasureInput): Promise<CommandOutput> {
  const address = personAddress(input.email);
  if (!address) return { output: `« ${input.email} » n’est pas une adresse électronique.\n`, exitCode: 2 };
  const staff = deps.config.people.find((p) => p.email.toLowerCase() === address);
  if (staff || address === deps.config.mailbox.address.toLowerCase())
    return {
      output:
        `${address} est une adresse du service (people ou mailbox) : ses traces sont celles du travail fait ` +
        'sur les réclamations, que reclam ne sait pas effacer sans défaire l’historique. Retirez la personne de la ' +
        'configuration ; rien n’a été modifié.\n',
      exitCode: 2,
    };
  const plan = await erasurePlan(deps.db, address);
  if (!input.act) {
    const describe = planText(address, plan, deps.config, false);
    return {
      output: `${[
        `Effacement des données de ${address} — simulation : rien n’est modifié.`,
        ...describe,
        nothingHeld(plan) ? '' : `Pour effacer : reclam gdpr erase ${address} --yes`,
      ]
        .filter((l) => l !== '')
        .join('\n')}\n`,
      exitCode: 0,
    };
  }
  if (nothingHeld(plan)) return { output: `Aucune donnée détenue sur ${address} : rien à effacer.\n`, exitCode: 0 };

  // The mailbox first: should the IMAP server be out of reach, nothing is changed and the command
  // can be run again; once the database is done, the Message-IDs that find the mails are gone.
  const messageIds = [...plan.messageIds, ...plan.quarantine.filter((id): id is string => id !== null)];
  let removed: readonly { folder: string; deleted: number }[] = [];
  if (input.mailbox !== false) {
    try {
      removed = await deps.mailRemover.deleteMails({ messageIds, mentioning: address });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        output:
          `Boîte IMAP inaccessible, rien n’a été effacé : ${reason}\n` +
          'Relancez la commande quand la boîte répond, ou ajoutez --without-mailbox pour effacer la base seulement ' +
          '(les messages resteraient alors dans les dossiers de la boîte).\n',
        exitCode: 1,
      };
    }
  }
  const deletedFromMailbox = removed.reduce((sum, r) => sum + r.deleted, 0);

  const now = deps.clock.now();
  const counts = await deps.db.transaction(async (tx) => {
    const own = await anonymiseTickets(
      tx,
      plan.own.map((t) => t.id),
      { now, actor: input.by, reason: 'erasure' },
    );
    const rest = await eraseAddress(tx, address, plan.names);
    await recordEvent(tx, {
      ticketId: null,
      at: now,
      actor: input.by,
      type: EVENT_TYPES.personalDataErased,
      data: {
        by: input.by,
        tickets: plan.own.map((t) => t.reference),
        copies: plan.copied.map((t) => t.reference),
        messages: own.messages + rest.messages,
        mailbox: deletedFromMailbox,
        subjectKey: erasureKey(deps.config.security.replySecret, address),
      },
    });
    return { own, rest };
  });
  // Old row versions out of the files: a full rewrite on the embedded database (one process, a few
  // seconds); a plain VACUUM on PostgreSQL, where VACUUM FULL would stop the other daemons.
  await purgeOldRowVersions(deps.db, deps.engine, deps.engine === 'pglite');
  const left = await cellsMentioning(deps.db, address);
  deps.log.info(
    { tickets: counts.own.tickets, messages: counts.own.messages + counts.rest.messages, mailbox: deletedFromMailbox },
    'personal data erased',
  );
  const lines = [
    `Données de ${address} effacées le ${formatFrenchDateTime(now, deps.config.organisation.timezone)} (par ` +
      `${input.by}) :`,
    ...planText(address, plan, deps.config, true),
    input.mailbox === false
      ? 'Boîte IMAP laissée telle quelle (--without-mailbox) : supprimez-y vous-même les messages de cette adresse.'
      : `Boîte IMAP : ${removed.map((r) => `${r.deleted} message(s) supprimé(s) de ${r.folder}`).join(', ')}.`,
    ...(deps.engine === 'postgres'
      ? [
          'PostgreSQL : les anciennes versions des lignes disparaissent des fichiers au fil des VACUUM ; ' +
            'les sauvegardes (pg_dump) antérieures les contiennent encore (docs/operations.md).',
        ]
      : []),
    left.length === 0
      ? 'Vérification : l’adresse ne figure plus nulle part dans la base.'
      : `Attention : l’adresse figure encore dans ${left.map((c) => `${c.table}.${c.column}`).join(', ')}.`,
  ];
  return { output: `${lines.join('\n')}\n`, exitCode: left.length === 0 ? 0 : 1 };
}

function nothingHeld(plan: ErasurePlan): boolean {
  return (
    plan.own.length === 0 &&
    plan.copied.length === 0 &&
    plan.messages === 0 &&
    plan.outboxSent + plan.outboxUnsent === 0 &&
    plan.quarantine.length === 0
  );
}

/** What the erasure does (`done`) or would do, in French. */
function planText(address: string, plan: ErasurePlan, config: Deps['config'], done: boolean): string[] {
  if (nothingHeld(plan)) return [`Aucune donnée détenue sur ${address}.`];
  const refs = (list: ErasurePlan['own']) => list.map((t) => t.reference).join(', ');
  const { processed, quarantine } = config.mailbox.imap;
  const verb = (conditional: string, past: string) => (done ? past : conditional);
  return [
    plan.own.length > 0
      ? `${plan.own.length} réclamation(s) ${verb('seraient anonymisées', 'anonymisée(s)')} : ${refs(plan.own)} — ` +
        'identité, téléphone, entreprise, objet, résumé, textes des messages, pièces jointes, ' +
        'textes de l’historique ; ' +
        'dates, niveaux, catégories et états conservés (les indicateurs ne changent pas).'
      : 'Aucune réclamation déposée par cette adresse.',
    ...(plan.copied.length > 0
      ? [
          `L’adresse ${verb('serait retirée', 'a été retirée')} de la copie de ` +
            `${plan.copied.length} réclamation(s) : ${refs(plan.copied)}.`,
        ]
      : []),
    `Messages ${verb('à vider', 'vidés')} (texte, HTML, message brut) : ${plan.messages}, pièces jointes ` +
      `${verb('à supprimer', 'supprimées')} : ${plan.attachments}` +
      (done
        ? '.'
        : ` ; leurs messages bruts seraient supprimés de la boîte IMAP (dossiers ${processed} et ${quarantine}).`),
    `Courriels envoyés ${verb('à vider', 'vidés')} : ${plan.outboxSent} ; courriels en attente ` +
      `${verb('à annuler', 'annulés')} : ${plan.outboxUnsent}.`,
    ...(plan.quarantine.length > 0
      ? [`Messages en quarantaine ${verb('à vider', 'vidés')} : ${plan.quarantine.length}.`]
      : []),
    `L’adresse ${verb('serait remplacée', 'a été remplacée')} partout où elle figurait encore (historique d’autres ` +
      'réclamations, copies…).',
  ];
}
