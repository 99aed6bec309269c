// A genuine signed reply whose HTML hides commands (pasted from elsewhere, or crafted): only what
// a reader sees is applied; the hidden lines are recorded and listed in the receipt.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events, outbox, tickets } from '../../src/db/schema.js';
import type { Deps } from '../../src/services/deps.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfig } from '../support/test-config.js';
import { COMMAND_TABLES, emptyTables } from '../support/empty-tables.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `h${++n}` });

describe.each(ENGINES)('commands hidden in an HTML reply on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, COMMAND_TABLES);
    deps?.sender.close();
    deps = testDeps(t.database.db, testConfig(), clock);
  });

  async function complaint() {
    const outcome = await ingestMail(
      deps,
      rawMail(
        {
          From: 'jean@example.test',
          To: 'reclamation@spst-test.fr',
          Subject: 'Accueil',
          'Message-ID': `<c${++n}@ex.test>`,
        },
        'La secrétaire a été désagréable au téléphone.',
      ),
      file(),
    );
    if (outcome.outcome !== 'ticket') throw new Error(outcome.outcome);
    return (await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference)))[0]!;
  }

  /** A signed reply of the reception's referent with the given MIME body. */
  const reply = (ticket: { id: number; reference: string }, contentType: string, body: string) =>
    ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: staffReplyAddress(deps, deps.config.people.find((p) => p.email === 'accueil@spst-test.fr')!, ticket.id),
          Subject: `RE: [${ticket.reference}] Nouvelle réclamation`,
          'Message-ID': `<r${++n}@spst-test.fr>`,
          'MIME-Version': '1.0',
          'Content-Type': contentType,
        },
        body,
      ),
      file(),
    );
  const row = async (id: number) => (await t.database.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
  const receipt = async () =>
    (await t.database.db.select().from(outbox).where(eq(outbox.kind, 'command-result')).orderBy(outbox.id)).at(-1)!;
  const html = (inner: string) =>
    `<html><head><style>.h{display:none}</style></head><body>${inner}<div><br></div><div>Cordialement,<br>L’accueil</div></body></html>`;

  it.each([
    ['display:none', '<div style="display:none">#niveau 1</div>'],
    ['font-size:0', '<div style="font-size:0">#niveau 1</div>'],
    ['white on white', '<div style="color:#fff;background:#fff">#niveau 1</div>'],
    ['a class of the mail’s style sheet', '<div class="h">#niveau 1</div>'],
    ['mso-hide:all', '<div style="mso-hide:all;max-height:0;overflow:hidden">#niveau 1</div>'],
  ])('HTML only, %s: the visible #prendre is applied, the hidden #niveau 1 is not, and is said', async (_, hidden) => {
    const ticket = await complaint();
    const outcome = await reply(
      ticket,
      'text/html; charset=utf-8',
      html(`<div>#prendre</div>${hidden}<div>Je m’en occupe.</div>`),
    );
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'commands', applied: 1, refused: 0 } });
    expect(await row(ticket.id)).toMatchObject({ level: 3, assigneeEmail: 'accueil@spst-test.fr' });
    const mail = await receipt();
    expect(mail.text).toContain('✔ #prendre');
    expect(mail.text).toContain('✘ #niveau 1 — ligne invisible pour le lecteur de votre message');
    const refused = await t.database.db.select().from(events).where(eq(events.type, 'command.refused'));
    expect(refused.map((e) => e.data)).toEqual([{ line: '#niveau 1', reason: 'invisible', invisible: true }]);
  });

  const boundary = 'b1';
  const alternative = (text: string, htmlPart: string) =>
    [
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      htmlPart,
      `--${boundary}--`,
      '',
    ].join('\r\n');

  it('text and HTML parts that disagree: a command only the text part holds is not applied', async () => {
    const ticket = await complaint();
    await reply(
      ticket,
      `multipart/alternative; boundary="${boundary}"`,
      alternative(
        '#prendre\n#clore\n#niveau 1\n\nJe m’en occupe.',
        html('<div>#prendre</div><div>Je m’en occupe.</div>'),
      ),
    );
    expect(await row(ticket.id)).toMatchObject({
      level: 3,
      status: 'in_progress',
      assigneeEmail: 'accueil@spst-test.fr',
    });
    const mail = await receipt();
    expect(mail.text).toContain('✘ #clore — ligne invisible');
    expect(mail.text).toContain('✘ #niveau 1 — ligne invisible');
  });

  it('text and HTML parts that disagree: a command the HTML hides is not applied from the text part', async () => {
    const ticket = await complaint();
    await reply(
      ticket,
      `multipart/alternative; boundary="${boundary}"`,
      alternative(
        '#prendre\n#niveau 1\nJe m’en occupe.',
        html('<div>#prendre</div><div style="display:none">#niveau 1</div><div>Je m’en occupe.</div>'),
      ),
    );
    expect(await row(ticket.id)).toMatchObject({ level: 3, assigneeEmail: 'accueil@spst-test.fr' });
  });

  it('parts that agree: every command is applied, nothing is said', async () => {
    const ticket = await complaint();
    await reply(
      ticket,
      `multipart/alternative; boundary="${boundary}"`,
      alternative(
        '#prendre\n#niveau 1\n\nJe m’en occupe.',
        html('<div>#prendre</div><div>#niveau 1</div><div>Je m’en occupe.</div>'),
      ),
    );
    expect(await row(ticket.id)).toMatchObject({ level: 1, assigneeEmail: 'accueil@spst-test.fr' });
    expect((await receipt()).text).not.toContain('invisible');
  });

  it('a forwarded complaint keeps only what its reader sees', async () => {
    const ticket = await complaint();
    const forward = html(
      '<div>---------- Forwarded message ---------<br>De : Marc Petit &lt;marc.petit@example.test&gt;<br>Date: lun. 23 nov. 2026 à 09:12<br>Subject: Attente<br>To: &lt;accueil@spst-test.fr&gt;</div><br>' +
        '<div>Nous avons attendu deux heures à l’accueil.</div><div style="display:none">Le salarié est suivi pour une maladie grave.</div>',
    );
    const outcome = await ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: staffReplyAddress(deps, deps.config.people.find((p) => p.email === 'accueil@spst-test.fr')!, ticket.id),
          Subject: 'TR: Attente',
          'Message-ID': `<f${++n}@spst-test.fr>`,
          'MIME-Version': '1.0',
          'Content-Type': 'text/html; charset=utf-8',
        },
        forward,
      ),
      file(),
    );
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'ticket' } });
    const created = (
      await t.database.db.select().from(tickets).where(eq(tickets.complainantEmail, 'marc.petit@example.test'))
    )[0]!;
    expect(created.summary).toContain('Nous avons attendu deux heures');
    expect(created.summary).not.toContain('maladie');
  });

  it('a reply whose only command is hidden stays a note, and the receipt says the line was not applied', async () => {
    const ticket = await complaint();
    const outcome = await reply(
      ticket,
      'text/html; charset=utf-8',
      html('<div>Bien reçu.</div><span style="font-size:0px">#irrecevable spam</span>'),
    );
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'note' } });
    expect((await row(ticket.id)).status).toBe('received');
    expect((await receipt()).text).toContain('✘ #irrecevable spam — ligne invisible');
  });
});
