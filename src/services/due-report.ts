// `reclam due [--at WHEN]`: what the follow-through would send at that instant, to whom and why,
// in French — a dry run that sends and changes nothing. Terminal output for the administrator or
// the pilot: no signed reply address (they are credentials), and no content of a medical ticket.
import { formatWorkingHours } from '../domain/analysis-reminder.js';
import { formatFrenchDate, formatFrenchDateTime } from '../domain/french-date.js';
import { describeStep } from '../domain/follow-through.js';
import { ROLE_LABELS } from '../domain/french-labels.js';
import { zonedWallTimeToInstant } from '../domain/zoned-time.js';
import type { Deps } from './deps.js';
import { previewFollowThrough } from './follow-through.js';
import type { CommandOutput } from './ingest-files.js';
import { printable } from './render-tickets.js';

/**
 * `2026-12-20 09:00`, `2026-12-20T09:00`, `2026-12-20` (09:00) as local wall time in `timeZone`,
 * or an instant with its offset (`2026-12-20T08:00:00Z`); null when it is none of these.
 */
export function parseDueInstant(text: string, timeZone: string): Date | null {
  const trimmed = text.trim();
  if (/(?:Z|[+-]\d\d:?\d\d)$/i.test(trimmed)) {
    const instant = new Date(trimmed);
    return Number.isNaN(instant.getTime()) ? null : instant;
  }
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(trimmed);
  if (!match) return null;
  const [, day, hour = '9', minute = '0'] = match;
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day) return null;
  if (Number(hour) > 23 || Number(minute) > 59) return null;
  return zonedWallTimeToInstant(day!, Number(hour), Number(minute), 0, 0, timeZone);
}

export async function dueReport(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  args: { readonly at?: string | undefined },
): Promise<CommandOutput> {
  const { config } = deps;
  const timeZone = config.organisation.timezone;
  const at = args.at === undefined ? deps.clock.now() : parseDueInstant(args.at, timeZone);
  if (!at)
    return {
      output: printable(
        `instant non compris : « ${args.at} » ; écrivez par exemple --at "2026-12-20 09:00" (heure locale, ` +
          `${timeZone})\n`,
      ),
      exitCode: 2,
    };
  const preview = await previewFollowThrough(deps, at);
  const out: string[] = [
    `Suivi des réclamations au ${formatFrenchDateTime(at, timeZone)} (${timeZone}) — simulation : rien n’est ` +
      `envoyé ni modifié.`,
  ];
  if (!preview.working && preview.nextWorkingAt) {
    const hours = formatWorkingHours(config.escalation.workingHours);
    out.push(
      `Hors des heures ouvrées (${hours} h, jours ouvrés) : ces rappels partiraient le ` +
        `${formatFrenchDateTime(preview.nextWorkingAt, timeZone)}.`,
    );
  }
  if (preview.mails.length === 0) out.push('', 'Rien à envoyer à cet instant.');
  else out.push('', `${preview.mails.length} message${preview.mails.length > 1 ? 's' : ''} (un par personne) :`);
  for (const { person, items } of preview.mails) {
    const roles = person.roles.map((r) => ROLE_LABELS[r]).join(', ');
    const recipient = person.name ? `${person.name} <${person.email}>` : person.email;
    out.push('', `À ${recipient} (${roles}) — ${items.length} point${items.length > 1 ? 's' : ''} :`);
    for (const { ticket, step } of items) {
      const subject = ticket.confidential
        ? ' (médicale : contenu masqué)'
        : ticket.subject
          ? ` « ${shorten(ticket.subject, 60)} »`
          : '';
      out.push(`  ${ticket.reference}${subject}`);
      out.push(`    ${describeStep(step, timeZone, !ticket.confidential).what}`);
      out.push(
        `    échéance de réponse : ${formatFrenchDate(ticket.deadlineAt, timeZone)} ; commande suggérée : ` +
          `${describeStep(step, timeZone, false).command}`,
      );
    }
  }
  if (preview.nextDueAt)
    out.push('', `Étape suivante du suivi : le ${formatFrenchDateTime(preview.nextDueAt, timeZone)}.`);
  else if (preview.mails.length === 0)
    out.push('Aucune étape de suivi n’est plus prévue pour les réclamations ouvertes.');
  return { output: printable(`${out.join('\n')}\n`), exitCode: 0 };
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
