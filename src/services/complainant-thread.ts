// Mails to the complainant stay on one thread in their client: In-Reply-To their latest mail,
// References the whole exchange (their mails and ours).
import type { Db } from '../db/database.js';
import { threadMessageIds } from '../db/tickets.js';

export async function complainantThread(
  db: Db,
  ticketId: number,
): Promise<{ inReplyTo: string | null; references: string[] }> {
  const { inbound, outbound } = await threadMessageIds(db, ticketId);
  const all = [...inbound, ...outbound].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id));
  const references = all
    .map((m) => m.id)
    .filter((id) => !id.endsWith('@reclam.invalid'))
    .slice(-10);
  const lastInbound = inbound.filter((m) => !m.id.endsWith('@reclam.invalid')).at(-1)?.id ?? null;
  return { inReplyTo: lastInbound, references };
}
