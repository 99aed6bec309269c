// A mail from a configured person (SPEC §3): commands on a ticket, a complaint logged for someone
// (#nouvelle) or forwarded, or a plain note. Commands run only when the sender is authenticated:
// a valid signed token for that person (and that ticket), or — if configured — a DMARC pass from
// our own receiving server. Anything else is recorded, never executed, and the real person (the
// configured address, not the claimed sender) is told. A complaint logged or forwarded to the
// plain address is not refused: the person's configured address is asked to confirm what was
// understood, and one reply to that confirmation opens the ticket, with the original date and text.
import type { Person } from '../domain/people.js';
import type { Db } from '../db/database.js';
import { findMessageById, intakeCancelled } from '../db/messages.js';
import { recordEvent } from '../db/events.js';
import { findTicketById, ticketHistory, type TicketRow } from '../db/tickets.js';
import { dmarcPass } from '../domain/authentication-results.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { parseForwarded } from '../domain/forwarded-mail.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import type { InboundMail } from '../domain/inbound-mail.js';
import { referencedMessageIds } from '../domain/inbound-classification.js';
import { extractNewText, readableText } from '../domain/reply-text.js';
import { mayActOn } from '../domain/ticket-rights.js';
import { readReplyToken, tokensIn, verifyReplyToken } from '../domain/reply-token.js';
import {
  COMMAND_HELP,
  parseCommandBlock,
  parseNameAddress,
  type CommandBlock,
  type ParsedCommand,
} from '../domain/staff-command.js';
import { channelLabel } from '../domain/french-labels.js';
import { singleAddress } from '../domain/mail-address.js';
import type { Channel } from '../domain/ticket.js';
import { formatSize, ticketView, visibleEventData } from '../domain/ticket-view.js';
import { parseYesNo } from '../domain/yes-no.js';
import { zonedWallTimeToInstant } from '../domain/zoned-time.js';
import type { Deps } from './deps.js';
import { applyCommand, normaliseChannel, type CommandResult } from './apply-command.js';
import { actOnAnalysis } from './act-on-analysis.js';
import { findAnalysisById, findAnalysisByReference, type AnalysisRow } from '../db/analyses.js';
import { analysisReferencesIn } from '../domain/recurrence.js';
import { enqueueStaffMail, staffReplyAddress } from './enqueue-staff-mail.js';
import { openTicket, type Acknowledgement } from './open-ticket.js';

export type StaffOutcome =
  | {
      readonly outcome: 'commands';
      readonly reference: string | null;
      readonly applied: number;
      readonly refused: number;
    }
  | { readonly outcome: 'ticket'; readonly reference: string; readonly acknowledged: boolean }
  | { readonly outcome: 'refused'; readonly reason: string }
  /** A complaint sent to the plain address: its sender was asked to confirm it. */
  | { readonly outcome: 'intake-proposed' }
  | { readonly outcome: 'intake-cancelled' }
  | { readonly outcome: 'note'; readonly reference: string | null };

export interface StaffMailInput {
  readonly mail: InboundMail;
  readonly person: Person;
  readonly messageRowId: number;
  /** The ticket the mail threads onto (by Message-ID or subject tag), if any. */
  readonly ticket: TicketRow | undefined;
  readonly receivedAt: Date;
}

type StaffDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'random' | 'parseMail'>;

const CREATION_ONLY = new Set<ParsedCommand['name']>(['nouvelle', 'de', 'tel', 'entreprise']);
const FORWARD_SUBJECT = /^\s*(?:(?:fwd?|tr|trans|wg)\s*:\s*)+/i;

/** The mail being handled, with the command lines a reader of it does not see (never applied). */
interface StaffContext extends StaffMailInput {
  readonly invisible: readonly string[];
}

export async function handleStaffMail(tx: Db, deps: StaffDeps, given: StaffMailInput): Promise<StaffOutcome> {
  const newText = extractNewText({ text: given.mail.text, html: given.mail.html });
  const input: StaffContext = { ...given, invisible: newText.invisible ?? [] };
  const { mail, person } = input;
  const block = parseCommandBlock(newText.text);
  // What a reader of the forward sees: text hidden in its HTML does not become the complaint.
  const forwarded = FORWARD_SUBJECT.test(mail.subject) ? parseForwarded(readableText(mail), mail.html) : null;
  const creating = block.commands.some((c) => c.name === 'nouvelle') || (forwarded !== null && !input.ticket);
  const auth = authenticate(deps, input);
  if (auth.intakeId !== null) return confirmIntake(tx, deps, input, auth.intakeId, newText.core);
  const analysis = await analysisOf(tx, input, auth);
  if (analysis) {
    const done = await actOnAnalysis(tx, deps, input, analysis, block);
    return { outcome: 'commands', reference: done.reference, applied: done.applied, refused: done.refused };
  }
  const ticket = input.ticket ?? (auth.ticketId > 0 ? await findTicketById(tx, auth.ticketId) : undefined);
  const wantsAction = block.commands.length > 0 || block.unknown.length > 0 || creating;

  if (!wantsAction) {
    // A plain reply: kept as an internal note; the person is told it did not reach the complainant.
    await recordEvent(tx, {
      ticketId: ticket?.id ?? null,
      at: deps.clock.now(),
      actor: person.email,
      type: EVENT_TYPES.staffMessage,
      data: { authenticated: auth.ok },
      messageId: input.messageRowId,
    });
    if (auth.ok) {
      const results = ticket
        ? [
            {
              line: '(message sans commande)',
              ok: true,
              message:
                'ajouté au dossier comme note interne ; il n’a pas été transmis au réclamant (pour lui répondre : ' +
                '#repondre)',
            },
          ]
        : [];
      await reply(tx, deps, input, ticket ?? null, results, block, { showHelp: true, status: false });
    }
    return { outcome: 'note', reference: ticket?.reference ?? null };
  }

  const creationAuth = auth.ok || auth.anyValidToken;
  // Unsigned, but meant for the desk: the person's own address is asked to confirm.
  if (creating && !creationAuth) return proposeIntake(tx, deps, input, block, forwarded, auth.reason);
  if (!creating && !(auth.ok && (ticket === undefined || auth.ticketId === ticket.id || auth.via === 'dmarc'))) {
    await recordForgery(tx, deps, input, ticket ?? null, block, auth.reason);
    return { outcome: 'refused', reason: auth.reason };
  }

  if (creating) return createForSomeone(tx, deps, input, block, forwarded);

  if (!ticket) {
    await reply(
      tx,
      deps,
      input,
      null,
      [
        {
          line: block.commands[0]?.line ?? '',
          ok: false,
          message:
            'aucune réclamation identifiée : répondez à la notification de la réclamation, ou utilisez #nouvelle ' +
            'pour en enregistrer une',
        },
      ],
      block,
      { showHelp: true, status: false },
    );
    return { outcome: 'commands', reference: null, applied: 0, refused: block.commands.length };
  }
  // A valid signature proves who wrote, not that the ticket is still theirs (reassigned since).
  const right = mayActOn(input.person, ticket, deps.config);
  if (!right.allowed) return refuseAll(tx, deps, input, ticket, block, right.reason);
  const { results, ticket: after } = await applyAll(tx, deps, input, ticket, block.commands, block.body);
  const asked = new Set(block.commands.map((c) => c.name));
  await reply(tx, deps, input, after, results, block, {
    showHelp: asked.has('aide') || block.unknown.length > 0,
    status: asked.has('statut'),
  });
  return {
    outcome: 'commands',
    reference: after.reference,
    applied: results.filter((r) => r.ok).length,
    refused: results.filter((r) => !r.ok).length,
  };
}

async function applyAll(
  tx: Db,
  deps: StaffDeps,
  input: StaffContext,
  ticket: TicketRow,
  commands: readonly ParsedCommand[],
  body: string,
) {
  const results: CommandResult[] = [];
  let current = ticket;
  for (const command of commands) {
    if (CREATION_ONLY.has(command.name) || (command.name === 'canal' && commands.some((c) => c.name === 'nouvelle')))
      continue;
    const applied = await applyCommand(current, command, {
      tx,
      deps,
      person: input.person,
      messageRowId: input.messageRowId,
      body,
      bodyIsResponse: commands.some((c) => c.name === 'repondre'),
    });
    current = applied.ticket;
    results.push(applied.result);
  }
  return { results, ticket: current };
}

/** Every command of the mail refused for the same reason, each recorded, and the person told why. */
async function refuseAll(
  tx: Db,
  deps: StaffDeps,
  input: StaffContext,
  ticket: TicketRow,
  block: CommandBlock,
  reason: string,
): Promise<StaffOutcome> {
  const results: CommandResult[] = [];
  for (const command of block.commands) {
    if (CREATION_ONLY.has(command.name)) continue;
    await recordEvent(tx, {
      ticketId: ticket.id,
      at: deps.clock.now(),
      actor: input.person.email,
      type: EVENT_TYPES.commandRefused,
      data: { command: command.name, args: command.args, reason, notEntitled: true },
      messageId: input.messageRowId,
    });
    results.push({ line: command.line, ok: false, message: reason });
  }
  deps.log.info(
    { ticket: ticket.reference, commands: results.length },
    'commands from someone who no longer has the ticket: refused, the person is told',
  );
  await reply(tx, deps, input, ticket, results, block, {
    showHelp: block.commands.some((c) => c.name === 'aide') || block.unknown.length > 0,
    status: false,
  });
  return { outcome: 'commands', reference: ticket.reference, applied: 0, refused: results.length };
}

/** What a staff mail logging or forwarding a complaint says of it, before anything is written. */
interface Intake {
  readonly complainant: { readonly address: string | null; readonly name: string; readonly unusable: boolean };
  readonly phone: string;
  readonly company: string;
  readonly channel: Channel;
  readonly subject: string;
  readonly body: string;
  readonly receivedAt: Date;
}

/** Reads the complaint a staff mail logs (#nouvelle…) or forwards; the problems, in French, if it cannot. */
function readIntake(
  deps: StaffDeps,
  input: StaffContext,
  block: CommandBlock,
  forwarded: ReturnType<typeof parseForwarded>,
): { readonly intake: Intake } | { readonly problems: string[] } {
  const { config } = deps;
  const arg = (name: ParsedCommand['name']) => block.commands.find((c) => c.name === name)?.args.trim() ?? '';
  const who = parseNameAddress(arg('de'));
  const channelArg = arg('canal');
  const channel = channelArg ? normaliseChannel(channelArg) : forwarded ? 'email' : 'telephone';
  const problems: string[] = [];
  if (!forwarded && !who && !arg('de'))
    problems.push('indiquez le réclamant : #de Prénom Nom <adresse@exemple.fr> (ou #de Prénom Nom et #tel 06…)');
  if (channelArg && !channel) problems.push(`canal inconnu « ${channelArg} »`);
  const body = forwarded ? forwarded.body : block.body;
  if (!body.trim()) problems.push('écrivez la réclamation sous les commandes');
  if (problems.length > 0) return { problems };
  const given = forwarded ? forwarded.from.address : (who?.address ?? null);
  const address = singleAddress(given);
  return {
    intake: {
      complainant: {
        address,
        name: forwarded ? forwarded.from.name : (who?.name ?? arg('de')),
        unusable: given !== null && given !== '' && address === null,
      },
      phone: arg('tel'),
      company: arg('entreprise'),
      channel: channel!,
      subject: forwarded
        ? forwarded.subject
        : input.mail.subject.replace(FORWARD_SUBJECT, '').trim() || 'Réclamation enregistrée par le service',
      body: body.trim(),
      receivedAt: forwarded
        ? forwardedDate(forwarded.date, config.organisation.timezone, input.receivedAt)
        : input.receivedAt,
    },
  };
}

/** #nouvelle (phone, letter, in person) or a forwarded mail: a ticket in the complainant's name. */
async function createForSomeone(
  tx: Db,
  deps: StaffDeps,
  input: StaffContext,
  block: CommandBlock,
  forwarded: ReturnType<typeof parseForwarded>,
): Promise<StaffOutcome> {
  const read = readIntake(deps, input, block, forwarded);
  if ('problems' in read) {
    const results = read.problems.map((message) => ({ line: '#nouvelle', ok: false, message }));
    await reply(tx, deps, input, null, results, block, { showHelp: true, status: false });
    return { outcome: 'commands', reference: null, applied: 0, refused: read.problems.length };
  }
  const { intake } = read;
  const complainant = intake.complainant;
  const opened = await openTicket(tx, deps, {
    complainant: { address: complainant.address, name: complainant.name, phone: intake.phone, company: intake.company },
    channel: intake.channel,
    subject: intake.subject,
    summary: intake.body,
    receivedAt: intake.receivedAt,
    messageRowId: input.messageRowId,
    complainantMessageId: null,
    registeredLetter: intake.channel === 'lrar',
    participants: [],
    actor: input.person.email,
    attachments: input.mail.attachments.map((a) => ({
      filename: a.filename,
      size: a.size,
      contentType: a.contentType,
      content: a.content,
    })),
    unusableAddress: complainant.unusable,
  });
  await recordEvent(tx, {
    ticketId: opened.ticket.id,
    at: deps.clock.now(),
    actor: input.person.email,
    type: EVENT_TYPES.commandApplied,
    data: { command: forwarded ? 'transfert' : 'nouvelle', loggedBy: input.person.email },
    messageId: input.messageRowId,
  });
  const created: CommandResult = {
    line: forwarded ? `(transfert du message de ${complainant.name || complainant.address})` : '#nouvelle',
    ok: true,
    message:
      `réclamation ${opened.ticket.reference} enregistrée au nom de ` +
      `${complainant.name || complainant.address}${INTAKE_ACKNOWLEDGEMENT[opened.acknowledgement]}`,
  };
  const rest = block.commands.filter((c) => c.name !== 'canal');
  const { results, ticket } = await applyAll(tx, deps, input, opened.ticket, rest, forwarded ? '' : block.body);
  await reply(tx, deps, input, ticket, [created, ...results], block, { showHelp: false, status: false });
  return { outcome: 'ticket', reference: opened.ticket.reference, acknowledged: opened.acknowledged };
}

/**
 * A complaint logged or forwarded to the plain address: nothing is opened; the person's
 * configured address (never the claimed sender, never a Reply-To) gets what was understood and
 * a reply address signed for this mail. A spoofer gains nothing: the confirmation goes to the
 * real person, who ignores it.
 */
async function proposeIntake(
  tx: Db,
  deps: StaffDeps,
  input: StaffContext,
  block: CommandBlock,
  forwarded: ReturnType<typeof parseForwarded>,
  reason: string,
): Promise<StaffOutcome> {
  const { config } = deps;
  const read = readIntake(deps, input, block, forwarded);
  await recordEvent(tx, {
    at: deps.clock.now(),
    actor: input.person.email,
    type: EVENT_TYPES.intakeProposed,
    data: { claimedSender: input.mail.from?.address ?? '', reason, understood: 'intake' in read },
    messageId: input.messageRowId,
  });
  if ('problems' in read) {
    const results = read.problems.map((message) => ({ line: '#nouvelle', ok: false, message }));
    await reply(tx, deps, input, null, results, block, { showHelp: true, status: false });
    return { outcome: 'commands', reference: null, applied: 0, refused: read.problems.length };
  }
  const { intake } = read;
  const lines = intake.body.split('\n').filter((l) => l.trim() !== '');
  await enqueueStaffMail(tx, deps, {
    kind: 'intake-confirmation',
    template: 'intake-confirmation',
    to: input.person,
    ticket: null,
    intakeOf: input.messageRowId,
    inReplyTo: input.mail.hasOwnMessageId ? input.mail.messageId : null,
    data: {
      organisation: { name: config.organisation.name },
      recipientName: input.person.name ?? '',
      sentAt: formatFrenchDateTime(input.receivedAt, config.organisation.timezone),
      complainant: {
        display:
          [intake.complainant.name, intake.complainant.address ? `<${intake.complainant.address}>` : '']
            .filter(Boolean)
            .join(' ') || 'réclamant non indiqué',
        email: intake.complainant.address ?? '',
        unusable: intake.complainant.unusable,
        phone: intake.phone,
        company: intake.company,
      },
      channel: channelLabel(intake.channel),
      receivedAt: formatFrenchDateTime(intake.receivedAt, config.organisation.timezone),
      subject: intake.subject,
      firstLines: lines.slice(0, 8).map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l)),
      more: lines.length > 8,
      attachments: input.mail.attachments.map((a) => ({ filename: a.filename, size: formatSize(a.size) })),
    },
  });
  deps.log.info('complaint sent to the plain address by a staff member: confirmation asked');
  return { outcome: 'intake-proposed' };
}

/** The reply to an intake confirmation: OUI (or any reply) opens the ticket, NON drops it; once. */
async function confirmIntake(
  tx: Db,
  deps: StaffDeps,
  input: StaffContext,
  intakeId: number,
  answer: string,
): Promise<StaffOutcome> {
  const original = await findMessageById(tx, intakeId);
  const done = (message: string, ok: boolean) =>
    reply(tx, deps, input, null, [{ line: '(confirmation)', ok, message }], emptyBlock(), {
      showHelp: false,
      status: false,
    });
  if (!original || original.fromAddress !== input.person.email) {
    await done('la réclamation à confirmer est introuvable', false);
    return { outcome: 'refused', reason: 'unknown intake' };
  }
  if (original.ticketId !== null) {
    const ticket = await findTicketById(tx, original.ticketId);
    await done(`cette réclamation est déjà enregistrée sous ${ticket?.reference ?? 'une autre référence'}`, false);
    return { outcome: 'commands', reference: ticket?.reference ?? null, applied: 0, refused: 1 };
  }
  if (await intakeCancelled(tx, intakeId)) {
    await done('vous aviez annulé cet enregistrement : renvoyez la réclamation pour l’enregistrer', false);
    return { outcome: 'intake-cancelled' };
  }
  if (parseYesNo(answer) === 'no') {
    await recordEvent(tx, {
      at: deps.clock.now(),
      actor: input.person.email,
      type: EVENT_TYPES.intakeCancelled,
      data: { intake: intakeId },
      messageId: input.messageRowId,
    });
    await done('rien n’a été enregistré', true);
    return { outcome: 'intake-cancelled' };
  }
  const parsed = await deps.parseMail(original.raw);
  if (!parsed.ok) {
    await done('le message d’origine ne peut plus être lu : renvoyez la réclamation', false);
    return { outcome: 'refused', reason: parsed.reason };
  }
  // The ticket is the original mail's: its date, its text, its attachments.
  const newText = extractNewText({ text: parsed.mail.text, html: parsed.mail.html });
  const originalInput: StaffContext = {
    mail: parsed.mail,
    person: input.person,
    messageRowId: intakeId,
    ticket: undefined,
    receivedAt: original.receivedAt,
    invisible: newText.invisible ?? [],
  };
  const block = parseCommandBlock(newText.text);
  const forwarded = FORWARD_SUBJECT.test(parsed.mail.subject)
    ? parseForwarded(readableText(parsed.mail), parsed.mail.html)
    : null;
  const outcome = await createForSomeone(tx, deps, originalInput, block, forwarded);
  await recordEvent(tx, {
    ticketId: outcome.outcome === 'ticket' ? ((await findMessageById(tx, intakeId))?.ticketId ?? null) : null,
    at: deps.clock.now(),
    actor: input.person.email,
    type: EVENT_TYPES.intakeConfirmed,
    data: { intake: intakeId },
    messageId: input.messageRowId,
  });
  return outcome;
}

/**
 * The recurrence analysis a mail acts on: the one its valid analysis token names (unless a valid
 * token names the ticket the mail threads onto), or, with a DMARC pass, the one its subject tags.
 */
async function analysisOf(tx: Db, input: StaffContext, auth: Authentication): Promise<AnalysisRow | undefined> {
  if (auth.analysisId !== null && !(auth.via === 'token' && input.ticket && auth.ticketId === input.ticket.id))
    return findAnalysisById(tx, auth.analysisId);
  if (auth.via === 'dmarc' && !input.ticket) {
    const [reference] = analysisReferencesIn(input.mail.subject);
    if (reference) return findAnalysisByReference(tx, reference);
  }
  return undefined;
}

function emptyBlock(): CommandBlock {
  return parseCommandBlock('');
}

interface Authentication {
  readonly ok: boolean;
  /** A valid intake token of this person: the staff mail (messages.id) this mail confirms. */
  readonly intakeId: number | null;
  /** A valid analysis token of this person: the analysis (analyses.id) this mail acts on. */
  readonly analysisId: number | null;
  readonly via: 'token' | 'dmarc' | null;
  /** The ticket the valid token was issued for (0: the person's own address, none: -1). */
  readonly ticketId: number;
  readonly anyValidToken: boolean;
  /** In French, for the forged-command alert. */
  readonly reason: string;
}

function authenticate(deps: StaffDeps, input: StaffMailInput): Authentication {
  const { mail, person } = input;
  const { security } = deps.config;
  const now = deps.clock.now();
  const addresses = [...mail.to, ...mail.cc].map((a) => a.address);
  for (const name of ['delivered-to', 'x-original-to', 'envelope-to'])
    addresses.push(...(mail.headers.get(name) ?? []));
  const tokens = tokensIn([...addresses, ...referencedMessageIds(mail)]);
  const verdicts = tokens.map((token) => ({
    token,
    verdict: verifyReplyToken(token, person.email, security.replySecret, now),
  }));
  const claims = verdicts.filter((v) => v.verdict === 'valid').map((v) => readReplyToken(v.token)!);
  const intake = claims.find((c) => c.intake === true);
  // An analysis token names an analysis, never a ticket of the same number.
  const valid = claims.filter((c) => c.intake !== true && c.analysis !== true).map((c) => c.ticketId);
  const intakeId = intake ? intake.ticketId : null;
  const analysisId = claims.find((c) => c.analysis === true)?.ticketId ?? null;
  const forTicket = input.ticket ? valid.find((id) => id === input.ticket!.id) : valid.find((id) => id > 0);
  if (forTicket !== undefined)
    return { ok: true, intakeId, analysisId, via: 'token', ticketId: forTicket, anyValidToken: true, reason: '' };
  if (security.trustDmarcPass) {
    const verdict = dmarcPass(mail.headerFields, person.email.split('@')[1]!, security.authservId);
    if (verdict.pass)
      return {
        ok: true,
        intakeId,
        analysisId,
        via: 'dmarc',
        ticketId: input.ticket?.id ?? -1,
        anyValidToken: valid.length > 0,
        reason: '',
      };
  }
  const reason =
    valid.length > 0
      ? 'la signature du message concernait une autre réclamation'
      : verdicts.some((v) => v.verdict === 'expired')
        ? 'la signature du message a expiré (la notification à laquelle il répond est trop ancienne)'
        : tokens.length > 0
          ? 'la signature du message n’est pas valable pour votre adresse'
          : 'le message ne portait pas de signature (il ne répondait pas à une notification de reclam)';
  return {
    ok: false,
    intakeId,
    analysisId,
    via: null,
    ticketId: valid[0] ?? -1,
    anyValidToken: valid.length > 0,
    reason,
  };
}

async function recordForgery(
  tx: Db,
  deps: StaffDeps,
  input: StaffMailInput,
  ticket: TicketRow | null,
  block: CommandBlock,
  reason: string,
): Promise<void> {
  const lines = [...block.commands.map((c) => c.line), ...block.unknown.map((u) => u.line)];
  await recordEvent(tx, {
    ticketId: ticket?.id ?? null,
    at: deps.clock.now(),
    actor: input.person.email,
    type: EVENT_TYPES.commandForged,
    data: { claimedSender: input.mail.from?.address ?? '', reason, commands: lines },
    messageId: input.messageRowId,
  });
  deps.log.warn(
    { ticket: ticket?.reference, commands: lines.length },
    'commands without valid signature: not executed, the person is told',
  );
  await enqueueStaffMail(tx, deps, {
    kind: 'forged-alert',
    template: 'forged-alert',
    to: input.person,
    ticket: ticket ? { id: ticket.id, reference: ticket.reference } : null,
    data: {
      organisation: { name: deps.config.organisation.name },
      recipientName: input.person.name ?? '',
      reference: ticket?.reference ?? null,
      claimedFrom: input.mail.from?.address ?? '',
      receivedAt: formatFrenchDateTime(input.receivedAt, deps.config.organisation.timezone),
      reason,
      commands: lines,
    },
  });
}

async function reply(
  tx: Db,
  deps: StaffDeps,
  input: StaffContext,
  ticket: TicketRow | null,
  results: readonly CommandResult[],
  block: CommandBlock,
  options: { showHelp: boolean; status: boolean },
): Promise<void> {
  const { config } = deps;
  // Lines hidden from a reader: never applied, always said (and recorded on the ticket).
  for (const line of input.invisible)
    if (ticket)
      await recordEvent(tx, {
        ticketId: ticket.id,
        at: deps.clock.now(),
        actor: input.person.email,
        type: EVENT_TYPES.commandRefused,
        data: { line, reason: 'invisible', invisible: true },
        messageId: input.messageRowId,
      });
  if (input.invisible.length > 0)
    deps.log.warn({ ticket: ticket?.reference, lines: input.invisible.length }, 'invisible command lines ignored');
  const listed: readonly CommandResult[] = [
    ...results,
    ...input.invisible.map((line) => ({
      line,
      ok: false,
      message:
        'ligne invisible pour le lecteur de votre message (texte masqué dans sa mise en forme HTML, ou absent de ' +
        'celle-ci) : elle n’a pas été appliquée ; écrivez la commande en texte visible',
    })),
  ];
  const view = ticket ? ticketView(ticket, input.person, config, { summary: ticket.summary }) : null;
  const history = options.status && ticket ? await ticketHistory(tx, ticket.id) : [];
  await enqueueStaffMail(tx, deps, {
    kind: 'command-result',
    template: 'command-result',
    to: input.person,
    ticket: ticket ? { id: ticket.id, reference: ticket.reference } : null,
    inReplyTo: input.mail.hasOwnMessageId ? input.mail.messageId : null,
    data: {
      organisation: { name: config.organisation.name },
      recipientName: input.person.name ?? '',
      reference: ticket?.reference ?? null,
      view,
      results: listed.map((r) => ({ line: r.line, ok: r.ok, message: r.message })),
      unknown: block.unknown.map((u) => ({ line: u.line, suggestion: u.suggestion ? `#${u.suggestion}` : '' })),
      showHelp: options.showHelp,
      commands: COMMAND_HELP.map((c) => ({ usage: c.usage, description: c.description })),
      status:
        options.status && ticket
          ? {
              history: history.map((e) => ({
                at: formatFrenchDateTime(e.at, config.organisation.timezone),
                label: describeEvent(e.type, e.data, view?.visible ?? false),
              })),
            }
          : null,
      personalAddress: staffReplyAddress(deps, input.person, 0),
    },
  });
}

function forwardedDate(date: { text: string; iso: string | null }, timeZone: string, fallback: Date): Date {
  if (!date.iso) return fallback;
  // A wall time without zone is read in the organisation's zone.
  const wall = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(date.iso);
  const parsed = wall
    ? zonedWallTimeToInstant(wall[1]!, Number(wall[2]), Number(wall[3]), Number(wall[4] ?? 0), 0, timeZone)
    : new Date(date.iso);
  return Number.isNaN(parsed.getTime()) || parsed.getTime() > fallback.getTime() ? fallback : parsed;
}

/** What the staff member who logged or forwarded a complaint is told of its acknowledgement. */
const INTAKE_ACKNOWLEDGEMENT: Readonly<Record<Acknowledgement, string>> = {
  queued: ' ; accusé de réception envoyé au réclamant',
  disabled: '',
  'no-address': ' ; pas d’adresse électronique : prévenez le réclamant par téléphone ou courrier',
  address: ' ; adresse électronique inutilisable : prévenez le réclamant par téléphone ou courrier',
  budget: ' ; accusé de réception non envoyé (trop de messages automatiques vers cette adresse)',
  'deadline-passed':
    ' ; son échéance est déjà passée : aucun accusé de réception n’est envoyé (il promettrait une date dépassée), ' +
    'répondez-lui directement',
};

const EVENT_LABELS: Record<string, string> = {
  [EVENT_TYPES.received]: 'réclamation reçue',
  [EVENT_TYPES.ackQueued]: 'accusé de réception envoyé',
  [EVENT_TYPES.followUp]: 'nouveau message du réclamant',
  [EVENT_TYPES.staffMessage]: 'message du service',
  [EVENT_TYPES.assigned]: 'responsable désigné',
  [EVENT_TYPES.requalified]: 'requalifiée',
  [EVENT_TYPES.deadlineChanged]: 'échéance recalculée',
  [EVENT_TYPES.answered]: 'réponse apportée',
  [EVENT_TYPES.rejected]: 'déclarée non recevable',
  [EVENT_TYPES.verifying]: 'vérification d’efficacité demandée',
  [EVENT_TYPES.effectiveness]: 'efficacité évaluée',
  [EVENT_TYPES.closed]: 'clôturée',
  [EVENT_TYPES.reopened]: 'rouverte',
  [EVENT_TYPES.note]: 'note interne',
  [EVENT_TYPES.action]: 'action corrective',
  [EVENT_TYPES.cause]: 'cause identifiée',
  [EVENT_TYPES.why]: 'analyse des 5 pourquoi',
  [EVENT_TYPES.milestone]: 'échéance intermédiaire',
  [EVENT_TYPES.informed]: 'point d’étape envoyé au réclamant',
  [EVENT_TYPES.escalated]: 'signalée à la direction',
  [EVENT_TYPES.reminderSent]: 'rappel de suivi envoyé',
  [EVENT_TYPES.commandRefused]: 'commande refusée',
  [EVENT_TYPES.commandForged]: 'commandes non signées refusées',
  [EVENT_TYPES.analysisTicketAttached]: 'rattachée à une analyse de récurrence',
};

function describeEvent(type: string, all: Record<string, unknown>, visible: boolean): string {
  const label = EVENT_LABELS[type];
  if (!label) return type;
  const data = visibleEventData(all, visible);
  if (type === EVENT_TYPES.assigned && visible) return `${label} : ${String(data.assignee)}`;
  if (type === EVENT_TYPES.analysisTicketAttached && typeof all.reference === 'string')
    return `${label} (${all.reference})`;
  if (type === EVENT_TYPES.requalified)
    return data.to === undefined ? label : `${label} (${String(data.field)} : ${String(data.to)})`;
  const withText: string[] = [
    EVENT_TYPES.note,
    EVENT_TYPES.action,
    EVENT_TYPES.cause,
    EVENT_TYPES.why,
    EVENT_TYPES.informed,
  ];
  if (withText.includes(type) && visible) return `${label} : ${String(data.text)}`;
  return label;
}
