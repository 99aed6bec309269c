// `reclam gdpr export EMAIL`: everything reclam holds about one person (RGPD right of access), as
// one zip with a French note (LISEZMOI.txt) saying what each file is. It is meant for that person:
// their own medical complaints are included in full, and the command says so.
import { personRecords, type MessageRow, type PersonRecords, type TicketRow } from '../db/personal-data.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import { categoryLabel, channelLabel, eventLabel, requesterLabel, statusLabel } from '../domain/french-labels.js';
import { personAddress, safeFileName } from '../domain/personal-data.js';
import type { ArchiveFile, ArchiveWriter } from '../ports.js';
import type { CommandOutput } from './ingest-files.js';
import type { Deps } from './deps.js';

export type ExportPersonalDataDeps = Pick<Deps, 'db' | 'config' | 'clock'> & { readonly archives: ArchiveWriter };

export interface PersonalDataExport {
  readonly filename: string;
  readonly content: Uint8Array;
  readonly records: PersonRecords;
}

/** @throws RangeError when `email` is not one address. */
export async function exportPersonalData(
  deps: ExportPersonalDataDeps,
  input: { readonly email: string },
): Promise<PersonalDataExport> {
  const address = personAddress(input.email);
  if (!address) throw new RangeError(`« ${input.email} » n’est pas une adresse électronique`);
  const now = deps.clock.now();
  const records = await personRecords(deps.db, address);
  const files = archiveFiles(deps.config, address, records, now);
  const stamp = now.toISOString().slice(0, 10);
  return {
    filename: `donnees-${safeFileName(address, 'personne').replace(/@/g, '_')}-${stamp}.zip`,
    content: deps.archives.zip(files, now),
    records,
  };
}

/** The command's work wherever it runs (the CLI, or the daemon holding the embedded database). */
export async function exportPersonalDataCommand(
  deps: ExportPersonalDataDeps,
  input: { readonly email: string },
): Promise<CommandOutput & { files?: { role: 'zip'; name: string; base64: string }[] }> {
  let result: PersonalDataExport;
  try {
    result = await exportPersonalData(deps, input);
  } catch (error) {
    if (error instanceof RangeError) return { output: `${error.message}\n`, exitCode: 2 };
    throw error;
  }
  const r = result.records;
  const confidential = r.own.some((t) => t.confidential) || r.copied.some((t) => t.confidential);
  const lines = [
    `Données détenues sur ${personAddress(input.email)} :`,
    `  réclamations déposées : ${countWithReferences(r.own)}`,
    `  réclamations en copie : ${countWithReferences(r.copied)}`,
    `  messages envoyés : ${r.messages.length}, pièces jointes : ${r.attachments.length}`,
    `  courriels reçus de reclam : ${r.outbox.length}, événements : ${r.events.length}, messages en quarantaine : ` +
      `${r.quarantine.length}`,
    ...(confidential
      ? [
          'Attention : l’archive contient des réclamations médicales (confidentielles) en entier ; elle est ' +
            'destinée à la personne elle-même.',
        ]
      : []),
  ];
  return {
    output: `${lines.join('\n')}\n`,
    exitCode: 0,
    files: [{ role: 'zip', name: result.filename, base64: Buffer.from(result.content).toString('base64') }],
  };
}

/** « 2 (REC-2026-0001, REC-2026-0002) », or « 0 ». */
function countWithReferences(tickets: readonly TicketRow[]): string {
  return `${tickets.length}${tickets.length > 0 ? ` (${tickets.map((t) => t.reference).join(', ')})` : ''}`;
}

type Config = Deps['config'];

function archiveFiles(config: Config, address: string, records: PersonRecords, now: Date): ArchiveFile[] {
  const zone = config.organisation.timezone;
  const when = (d: Date | null | undefined) => (d ? formatFrenchDateTime(d, zone) : null);
  const files: ArchiveFile[] = [];
  const json = (path: string, value: unknown) => files.push({ path, content: `${JSON.stringify(value, null, 2)}\n` });
  const ticketIds = new Set([...records.own, ...records.copied].map((t) => t.id));
  const folderOf = new Map<number, string>([
    ...records.own.map((t): [number, string] => [t.id, `reclamations/${safeFileName(t.reference, String(t.id))}`]),
    ...records.copied.map((t): [number, string] => [t.id, `en-copie/${safeFileName(t.reference, String(t.id))}`]),
  ]);
  const messageFolder = (m: MessageRow) =>
    m.ticketId !== null && ticketIds.has(m.ticketId) ? folderOf.get(m.ticketId)! : 'autres-messages';
  const emlName = (m: MessageRow) => `${m.receivedAt.toISOString().slice(0, 19).replace(/[T:]/g, '-')}-${m.id}.eml`;

  for (const t of records.own) {
    const folder = folderOf.get(t.id)!;
    json(`${folder}/fiche.json`, ticketSheet(config, t, when));
    json(
      `${folder}/historique.json`,
      records.events
        .filter((e) => e.ticketId === t.id)
        .map((e) => ({ date: when(e.at), événement: eventLabel(e.type), type: e.type, par: e.actor, données: e.data })),
    );
    json(
      `${folder}/courriels-recus.json`,
      records.outbox.filter((o) => o.ticketId === t.id).map((o) => sentMail(o, when)),
    );
  }
  for (const t of records.copied) {
    const folder = folderOf.get(t.id)!;
    json(`${folder}/fiche.json`, {
      référence: t.reference,
      reçueLe: when(t.receivedAt),
      état: statusLabel(t.status),
      objet: t.confidential ? null : t.subject,
      note:
        'Vous étiez en copie de cette réclamation, déposée par une autre personne : seuls vos propres messages ' +
        'sont joints.',
    });
  }
  for (const m of records.messages) {
    files.push({ path: `${messageFolder(m)}/messages/${emlName(m)}`, content: m.raw });
  }
  const byMessage = new Map(records.messages.map((m) => [m.id, m]));
  for (const [i, a] of records.attachments.entries()) {
    const message = byMessage.get(a.messageId);
    if (!message || !a.content) continue;
    files.push({
      path: `${messageFolder(message)}/pieces-jointes/${i + 1}-${safeFileName(a.filename, 'piece-jointe')}`,
      content: a.content,
    });
  }
  const otherEvents = records.events.filter(
    (e) => e.ticketId === null || !records.own.some((t) => t.id === e.ticketId),
  );
  if (otherEvents.length > 0)
    json(
      'autres-evenements.json',
      otherEvents.map((e) => ({ date: when(e.at), événement: eventLabel(e.type), type: e.type, données: e.data })),
    );
  const otherMails = records.outbox.filter((o) => o.ticketId === null || !records.own.some((t) => t.id === o.ticketId));
  if (otherMails.length > 0)
    json(
      'autres-courriels-recus.json',
      otherMails.map((o) => sentMail(o, when)),
    );
  for (const q of records.quarantine)
    files.push({ path: `quarantaine/${q.receivedAt.toISOString().slice(0, 10)}-${q.id}.eml`, content: q.raw });

  files.unshift({ path: 'LISEZMOI.txt', content: readme(config, address, records, now) });
  return files;
}

function ticketSheet(config: Config, t: TicketRow, when: (d: Date | null | undefined) => string | null) {
  return {
    référence: t.reference,
    reçueLe: when(t.receivedAt),
    canal: channelLabel(t.channel),
    état: statusLabel(t.status),
    objet: t.subject,
    résumé: t.summary,
    nom: t.complainantName,
    courriel: t.complainantEmail,
    téléphone: t.complainantPhone,
    entreprise: t.complainantCompany,
    enCopie: t.participants,
    catégorie: categoryLabel(config, t.category),
    niveau: t.level,
    demandeur: t.requester ? requesterLabel(t.requester) : null,
    typologie: t.typology,
    recevable: t.receivable,
    confidentielle: t.confidential,
    échéance: when(t.deadlineAt),
    répondueLe: when(t.answeredAt),
    clôturéeLe: when(t.closedAt),
    efficace: t.effective,
    lettreRecommandée: t.registeredLetter ? (t.registeredLetterTracking ?? true) : false,
    anonymiséeLe: when(t.anonymisedAt),
  };
}

function sentMail(
  o: PersonRecords['outbox'][number],
  when: (d: Date | null | undefined) => string | null,
): Record<string, unknown> {
  return {
    date: when(o.sentAt ?? o.createdAt),
    envoyé: o.status === 'sent',
    à: o.toAddress,
    objet: o.subject,
    texte: o.text,
  };
}

function readme(config: Config, address: string, r: PersonRecords, now: Date): string {
  const zone = config.organisation.timezone;
  return [
    `Données personnelles détenues par ${config.organisation.name} sur ${address}`,
    `(service des réclamations, logiciel reclam), extraites le ${formatFrenchDateTime(now, zone)}.`,
    '',
    'Cette archive répond à une demande d’accès (article 15 du RGPD). Elle contient tout ce que le',
    'service des réclamations conserve sur cette adresse :',
    '',
    `- reclamations/<référence>/ : les réclamations que vous avez déposées (${r.own.length}), chacune avec :`,
    '    fiche.json            la fiche de la réclamation (objet, résumé, identité, catégorie, niveau, état, dates) ;',
    '    historique.json       son historique : chaque étape, avec la date et qui l’a faite ;',
    '    courriels-recus.json  les courriels que le service vous a envoyés à son sujet ;',
    '    messages/*.eml        vos messages, tels que reçus (s’ouvrent avec un logiciel de messagerie) ;',
    '    pieces-jointes/       les pièces jointes de vos messages.',
    `- en-copie/<référence>/ : les réclamations d’autres personnes dont vous étiez en copie (${r.copied.length}) :`,
    '    leur référence, leur date et leur état, et vos propres messages seulement.',
    '- autres-messages/ : vos messages qui ne se rattachent à aucune de ces réclamations',
    '    (réponses automatiques, avis de non-remise…), s’il y en a.',
    '- autres-evenements.json, autres-courriels-recus.json : les autres mentions de votre adresse, s’il y en a.',
    '- quarantaine/ : les messages mis de côté parce qu’ils n’ont pas pu être lus, contenant votre adresse, s’il y ' +
      'en a.',
    '',
    'Les fichiers .json sont du texte (format JSON, UTF-8) ; les dates sont à l’heure de',
    `${zone}. Pour faire rectifier ou effacer ces données, adressez-vous au service des réclamations`,
    `(${config.mailbox.address}).`,
    '',
  ].join('\r\n');
}
