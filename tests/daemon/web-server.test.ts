// The web desk in a real browser (Debian's Chromium driven by playwright-core, no download) over
// a database with a history made by the real pipeline: sign-in through a link captured by the SMTP
// receiver, search, a medical ticket as a doctor and as a referent, an attachment, refused links,
// the one POST's cross-site protection. Screenshots of each page at 1280 and 390 px go to
// /tmp/web-shots/ (PGlite run) to be looked at.
import { mkdir } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPageRenderer } from '../../src/adapters/template-renderer.js';
import { createTrendChartRenderer } from '../../src/adapters/trend-chart.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { loadConfig } from '../../src/config/load-config.js';
import { serveWebDesk, startWebDesk, type WebDesk } from '../../src/daemon/web-server.js';
import { analyses, attachments, outbox, tickets } from '../../src/db/schema.js';
import { monthPeriod } from '../../src/domain/period.js';
import { CONFIDENTIAL_PLACEHOLDER } from '../../src/domain/french-labels.js';
import { WEB_TEMPLATES_DIR } from '../../src/paths.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import type { Deps } from '../../src/services/deps.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { type DigestDeps, sendDigest } from '../../src/services/send-digest.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml, withAdministrativeCategory } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

const SHOTS = '/tmp/web-shots';
const MEDICAL = {
  subject: 'Contestation de mon avis d’inaptitude',
  text: 'Le médecin m’a déclaré inapte sans examen, je conteste cet avis et ma restriction.',
};
const PDF = Buffer.from('%PDF-1.4\n% reclam test attachment\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const ORDINARY = [
  ['Facture de cotisation erronée', 'La facture de cotisation 2026 compte deux fois le même salarié.'],
  ['Attente trop longue à l’accueil', 'Nous avons attendu une heure à l’accueil du centre de Lyon avant la visite.'],
  ['Convocation reçue trop tard', 'La convocation pour la visite de reprise est arrivée après la date du rendez-vous.'],
  ['Centre de Villeurbanne injoignable', 'Le standard du centre de Villeurbanne ne répond jamais le matin.'],
  ['Erreur sur l’attestation de suivi', 'L’attestation indique un autre employeur que le nôtre.'],
  ['Accueil désagréable au téléphone', 'La secrétaire a été désagréable et a raccroché.'],
] as const;

let n = 0;

function multipart(headers: Record<string, string>, text: string, file: { name: string; content: Buffer }): Uint8Array {
  const boundary = 'reclam-web-boundary';
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    text,
    `--${boundary}`,
    `Content-Type: application/pdf; name="${file.name}"`,
    `Content-Disposition: attachment; filename="${file.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    file.content.toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return rawMail(
    { ...headers, 'MIME-Version': '1.0', 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
    body,
  );
}

describe.each(ENGINES)('the web desk in Chromium on %s', (engine) => {
  let t: TestDatabase;
  let smtp: SmtpReceiver;
  let deps: Deps;
  let desk: WebDesk;
  let browser: Browser;
  const clock = new FakeClock(new Date('2026-09-01T08:00:00Z'));
  const medical: { reference: string; id: number }[] = [];
  const ordinary: { reference: string; id: number }[] = [];

  async function complaint(from: string, subject: string, text: string, attachment?: string) {
    const headers = {
      From: from,
      To: 'reclamation@spst-test.fr',
      Subject: subject,
      'Message-ID': `<w${++n}@example.test>`,
    };
    const raw = attachment ? multipart(headers, text, { name: attachment, content: PDF }) : rawMail(headers, text);
    const outcome = await ingestMail(deps, raw, { kind: 'file', name: `w${n}` });
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    const [row] = await t.database.db.select().from(tickets).where(sql`${tickets.reference} = ${outcome.reference}`);
    return { reference: row!.reference, id: row!.id, confidential: row!.confidential };
  }
  async function command(email: string, ticket: { id: number; reference: string }, body: string) {
    const person = deps.config.people.find((p) => p.email === email)!;
    await ingestMail(
      deps,
      rawMail(
        {
          From: email,
          To: staffReplyAddress(deps, person, ticket.id),
          Subject: `RE: [${ticket.reference}] Nouvelle réclamation`,
          'Message-ID': `<s${++n}@spst-test.fr>`,
        },
        body,
      ),
      { kind: 'file', name: `s${n}` },
    );
  }

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    smtp = await startSmtpReceiver();
    const yaml = withAdministrativeCategory(
      testConfigYaml({
        smtpPort: smtp.port,
        perAddress: '[{ max: 100, within: 24h }]',
        extra: [
          'web: { enabled: true, port: 0, linkRequestsPerAddress: 8, linkRequestsPerClient: 100 }',
          'digest: { recipients: [pilote@spst-test.fr, dr.martin@spst-test.fr] }',
          // Waiting times recur: the fourth complaint about them opens an analysis.
          'recurrence: { threshold: 3, months: 6 }',
        ].join('\n'),
      }),
    ).replace(
      '  - { key: generale, label: Générale, referents: [accueil@spst-test.fr] }',
      '  - { key: generale, label: Générale, referents: [accueil@spst-test.fr], typologies: [{ key: attente, label: "Temps d’attente", keywords: [attente, attendu] }] }',
    );
    deps = testDeps(t.database.db, loadConfig(yaml, {}, 'test').config, clock);
    // Three months of history: complaints, some taken and answered, two medical ones.
    for (let i = 0; i < 24; i++) {
      clock.set(new Date(Date.UTC(2026, 8, 1 + Math.floor(i * 3.5), 8 + (i % 8))));
      const [subject, text] = ORDINARY[i % ORDINARY.length]!;
      const ticket = await complaint(
        `adherent${i}@entreprise${i % 5}.example`,
        `${subject} (${i + 1})`,
        text,
        i === 3 ? 'facture.pdf' : undefined,
      );
      ordinary.push(ticket);
      if (i % 3 === 0) await command('accueil@spst-test.fr', ticket, '#prendre');
      if (i % 6 === 0) await command('accueil@spst-test.fr', ticket, '#repondre\nNous avons corrigé votre dossier.');
      if (i === 10) {
        medical.push(await complaint('salarie.a@example.test', MEDICAL.subject, MEDICAL.text, 'avis-inaptitude.pdf'));
        await command('dr.martin@spst-test.fr', medical[0]!, '#prendre\n#note appel du salarié le matin');
      }
    }
    // The pilot starts the analysis of waiting times by reply: one why, one dated action.
    const [analysis] = await t.database.db.select().from(analyses);
    const pilot = deps.config.people.find((p) => p.email === 'pilote@spst-test.fr')!;
    await ingestMail(
      deps,
      rawMail(
        {
          From: 'pilote@spst-test.fr',
          To: staffReplyAddress(deps, pilot, analysis!.id, 'analysis'),
          Subject: `RE: [${analysis!.reference}] Récurrence`,
          'Message-ID': `<a${++n}@spst-test.fr>`,
        },
        '#pourquoi un seul agent à l’accueil le lundi\n#action renfort le lundi matin 15/01/2027',
      ),
      { kind: 'file', name: `a${n}` },
    );
    clock.set('2026-11-02T09:00:00Z');
    medical.push(
      await complaint(
        'salarie.b@example.test',
        'Visite médicale : médecin absent',
        'Le médecin du travail était absent et personne ne m’a prévenu de la visite.',
      ),
    );
    const digestDeps: DigestDeps = { ...deps, charts: createTrendChartRenderer(), workbooks: createXlsxWriter() };
    await sendDigest(digestDeps, {
      period: monthPeriod(2026, 10),
      recipients: ['pilote@spst-test.fr', 'dr.martin@spst-test.fr'],
      mode: 'manual',
    });
    clock.set('2026-11-23T08:00:00Z');
    await deliverOutbox(deps);
    smtp.mails.length = 0;
    desk = await startWebDesk({
      deps: digestDeps,
      pages: createPageRenderer({ templatesDir: WEB_TEMPLATES_DIR }),
      staticDir: WEB_TEMPLATES_DIR,
      wakeOutbox: () => void deliverOutbox(deps),
      log: pino({ level: 'silent' }),
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    await mkdir(SHOTS, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await desk?.close();
    deps?.sender.close();
    await smtp?.stop();
    await t?.close();
  });

  async function shoot(page: Page, name: string) {
    if (engine !== 'pglite') return;
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /** Asks for a link in `page` and returns the one mailed to `email`, as captured by the SMTP receiver. */
  async function askLink(page: Page, email: string, shots = false): Promise<string> {
    await page.goto(`${desk.origin}/`);
    expect(new URL(page.url()).pathname).toBe('/connexion');
    if (shots) await shoot(page, 'sign-in');
    const before = smtp.mails.length;
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Vérifiez votre messagerie');
    if (shots) await shoot(page, 'link-sent');
    const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.envelopeTo.includes(email));
    const match = /(http:\/\/\S+\/connexion\/lien\?jeton=\S+)/.exec(mail.parsed.text ?? '');
    expect(mail.parsed.subject).toBe('[reclam] Votre lien de connexion au bureau des réclamations');
    return match![1]!;
  }

  async function signIn(context: BrowserContext, email: string, shots = false): Promise<{ page: Page; link: string }> {
    const page = await context.newPage();
    const link = await askLink(page, email, shots);
    await page.goto(link);
    await expect.poll(() => page.locator('main').textContent()).toContain('Ce lien vous connecte en tant que');
    if (shots) await shoot(page, 'confirm');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Réclamations');
    return { page, link };
  }

  it('signs a referent in through the mailed link, lists what they may see, and refuses the link a second time', async () => {
    const context = await browser.newContext();
    const { page, link } = await signIn(context, 'accueil@spst-test.fr', true);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'reclam_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    const rows = page.locator('table.list tbody tr');
    expect(await rows.count()).toBe(26);
    const text = await page.locator('table.list').textContent();
    expect(text).toContain(CONFIDENTIAL_PLACEHOLDER);
    expect(text).not.toContain('inaptitude');
    expect(text).not.toContain('salarie.a@example.test');
    await shoot(page, 'tickets');

    // The same link again, in another browser: refused.
    const thief = await browser.newContext();
    const other = await thief.newPage();
    const response = await other.goto(link);
    expect(response!.status()).toBe(410);
    expect(await other.locator('main').textContent()).toContain('Ce lien a déjà servi');
    await shoot(other, 'link-refused');
    await other.goto(`${desk.origin}/`);
    expect(new URL(other.url()).pathname).toBe('/connexion');
    await thief.close();
    await context.close();
  });

  it('searches in French, without accents, and filters; a referent never finds a medical ticket by its words', async () => {
    const context = await browser.newContext();
    const { page } = await signIn(context, 'accueil@spst-test.fr');
    await page.getByRole('searchbox').fill('convocations reprise');
    await page.getByRole('button', { name: 'Rechercher', exact: true }).click();
    const references = async () => page.locator('table.list tbody th').allTextContents();
    const convocations = ordinary.filter((_, i) => i % ORDINARY.length === 2).map((o) => o.reference);
    expect((await references()).sort()).toEqual(convocations.sort());
    await shoot(page, 'search');

    await page.goto(`${desk.origin}/?q=medecin`);
    expect(await page.locator('.empty').textContent()).toBe('Aucune réclamation ne correspond.');
    await page.goto(`${desk.origin}/?q=villeurbanne&attribution=accueil@spst-test.fr`);
    const taken = ordinary.filter((_, i) => i % ORDINARY.length === 3 && i % 3 === 0).map((o) => o.reference);
    expect((await references()).sort()).toEqual(taken.sort());
    await page.goto(`${desk.origin}/?categorie=medicale`);
    expect((await references()).sort()).toEqual(medical.map((m) => m.reference).sort());
    await page.goto(`${desk.origin}/?retard=oui&du=2026-09-01&au=2026-09-30`);
    const late = await references();
    expect(late.length).toBeGreaterThan(0);
    expect(await page.locator('table.list tbody tr.late').count()).toBe(late.length);
    await context.close();
  });

  it('shows a medical ticket masked to a referent and in full to a doctor, whose attachment downloads', async () => {
    const [ticket] = medical;
    const referent = await browser.newContext();
    const { page } = await signIn(referent, 'accueil@spst-test.fr');
    await page.goto(`${desk.origin}/reclamations/${ticket!.reference}`);
    const masked = (await page.locator('main').textContent())!;
    expect(masked).toContain(CONFIDENTIAL_PLACEHOLDER);
    expect(masked).toContain('Échéance');
    for (const secret of ['inaptitude', 'salarie.a@example.test', 'avis-inaptitude.pdf', 'appel du salarié'])
      expect(masked).not.toContain(secret);
    expect(await page.locator('a[href^="mailto:"]').count()).toBe(0);
    await shoot(page, 'ticket-masked');
    const [file] = await t.database.db
      .select()
      .from(attachments)
      .where(sql`${attachments.filename} = 'avis-inaptitude.pdf'`);
    const refused = await page.request.get(`${desk.origin}/pieces/${file!.id}`);
    expect(refused.status()).toBe(404);
    await referent.close();

    const doctor = await browser.newContext({ acceptDownloads: true });
    const signed = await signIn(doctor, 'dr.martin@spst-test.fr');
    await signed.page.goto(`${desk.origin}/reclamations/${ticket!.reference}`);
    const full = (await signed.page.locator('main').textContent())!;
    for (const shown of [MEDICAL.subject, 'salarie.a@example.test', 'avis-inaptitude.pdf', 'appel du salarié'])
      expect(full).toContain(shown);
    const mailto = await signed.page.locator('a[href^="mailto:"]').first().getAttribute('href');
    expect(mailto).toMatch(/^mailto:reclamation\+t[0-9a-z]+x[0-9a-z]+s[0-9a-f]+@spst-test\.fr\?subject=/);
    expect(decodeURIComponent(mailto!)).toContain(`[${ticket!.reference}]`);
    await shoot(signed.page, 'ticket-doctor');
    const [download] = await Promise.all([
      signed.page.waitForEvent('download'),
      signed.page.getByRole('link', { name: 'avis-inaptitude.pdf' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('avis-inaptitude.pdf');
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    expect(Buffer.compare(await readFile(path), PDF)).toBe(0);
    await doctor.close();
  });

  it('shows an ordinary ticket with its messages, responses, history and « agir par e-mail » links', async () => {
    const context = await browser.newContext();
    const { page } = await signIn(context, 'accueil@spst-test.fr');
    const ticket = ordinary[0]!;
    await page.goto(`${desk.origin}/reclamations/${ticket.reference}`);
    const main = (await page.locator('main').textContent())!;
    expect(main).toContain('Nous avons corrigé votre dossier.');
    expect(main).toContain('Réclamation reçue');
    expect(main).toContain('au plus tard le');
    const links = await page.locator('a[href^="mailto:"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    const bodies = links.map((href) => new URL(href).searchParams.get('body'));
    expect(bodies).toContain('#note');
    expect(bodies).not.toContain('#prendre'); // already hers
    await shoot(page, 'ticket');
    await page.getByRole('link', { name: 'Se déconnecter' }).click();
    expect(new URL(page.url()).pathname).toBe('/connexion');
    await page.goto(`${desk.origin}/reclamations/${ticket.reference}`);
    expect(new URL(page.url()).pathname).toBe('/connexion');
    await context.close();
  });

  it('gives the pilot the month’s indicators, the chart, overdue tickets and past digests with their xlsx', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const { page } = await signIn(context, 'pilote@spst-test.fr');
    await page.getByRole('link', { name: 'Tableau de bord' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Tableau de bord — novembre 2026');
    const main = (await page.locator('main').textContent())!;
    expect(main).toContain('Synthèses envoyées');
    expect(main).toContain('octobre 2026');
    expect(main).toContain(CONFIDENTIAL_PLACEHOLDER);
    expect(main).not.toContain('médecin absent');
    // The open analysis of waiting times, with how far it has got.
    const analysis = page.locator('section[aria-labelledby="analyses"]');
    expect(await analysis.locator('h2').textContent()).toBe('Analyses de récurrence en cours (1)');
    const row = (await analysis.locator('li').first().textContent())!.replace(/\s+/g, ' ');
    expect(row).toContain('ANA-2026-0001');
    expect(row).toContain('Temps d’attente (Générale)');
    expect(row).toContain('4 réclamations');
    expect(row).toContain('Pourquoi : 1/5 · causes : 0 · actions : 1');
    expect(row).toContain('la cause racine (#cause)');
    expect(await analysis.getByRole('link', { name: 'Recevoir l’état par e-mail' }).getAttribute('href')).toMatch(
      /^mailto:reclamation\+a[0-9a-z]+s[0-9a-f]{20}@spst-test\.fr\?subject=Re%3A%20%5BANA-2026-0001%5D&body=%23statut$/,
    );
    expect(
      await page.locator('img.chart').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(100);
    await shoot(page, 'pilot');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'xlsx' }).first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const referent = await browser.newContext();
    const signed = await signIn(referent, 'accueil@spst-test.fr');
    expect((await signed.page.goto(`${desk.origin}/pilote`))!.status()).toBe(403);
    await referent.close();
    await context.close();
  });

  it('refuses a link request from another site, without the form token, or past the rate limit', async () => {
    const form = await fetch(`${desk.origin}/connexion`);
    const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
    const token = /name="jeton" value="([^"]+)"/.exec(await form.text())![1]!;
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${desk.origin}/connexion`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    const address = 'adresse=pilote%40spst-test.fr';
    expect((await post({ origin: 'https://evil.example', cookie }, `jeton=${token}&${address}`)).status).toBe(403);
    expect((await post({ origin: desk.origin, cookie }, `jeton=x&${address}`)).status).toBe(403);
    expect((await post({ origin: desk.origin }, `jeton=${token}&${address}`)).status).toBe(403);
    expect((await post({ cookie }, `jeton=${token}&${address}`)).status).toBe(403);
    const unknown = await post({ origin: desk.origin, cookie }, `jeton=${token}&adresse=inconnu%40example.test`);
    const known = await post({ origin: desk.origin, cookie }, `jeton=${token}&${address}`);
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toBe(await known.text());
    // Unknown or not, an address gets web.linkRequestsPerAddress (8) requests in 15 minutes.
    for (let i = 1; i < 8; i++)
      expect(
        (await post({ origin: desk.origin, cookie }, `jeton=${token}&adresse=inconnu%40example.test`)).status,
      ).toBe(200);
    const limited = await post({ origin: desk.origin, cookie }, `jeton=${token}&adresse=inconnu%40example.test`);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('Trop de liens demandés');
    await deliverOutbox(deps);
    expect(smtp.mails.some((m) => m.envelopeTo.includes('inconnu@example.test'))).toBe(false);
  });

  it('refuses a link after 15 minutes', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const link = await askLink(page, 'direction@spst-test.fr');
    clock.advance(15 * 60_000);
    const response = await page.goto(link);
    expect(response!.status()).toBe(410);
    expect(await page.locator('main').textContent()).toContain('Ce lien a expiré');
    clock.set('2026-11-23T08:00:00Z');
    await context.close();
  });
});

describe('the web desk’s configuration keys', () => {
  let t: TestDatabase;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));
  const log = pino({ level: 'silent' });
  const desks: WebDesk[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(ENGINES[0]!);
  });
  afterAll(async () => {
    for (const desk of desks) await desk.close();
    await t?.close();
  });

  async function serve(web: string) {
    const config = loadConfig(testConfigYaml({ extra: `web: ${web}` }), {}, 'test').config;
    const deps = testDeps(t.database.db, config, clock);
    const desk = await serveWebDesk({ deps, wakeOutbox: () => undefined }, log);
    if (desk) desks.push(desk);
    return { desk, deps };
  }
  async function ask(origin: string, base: string, address: string, headers: Record<string, string> = {}) {
    const form = await fetch(`${base}/connexion`);
    const cookie = form.headers.get('set-cookie')!;
    const token = /name="jeton" value="([^"]+)"/.exec(await form.text())![1]!;
    const response = await fetch(`${base}/connexion`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin,
        cookie: cookie.split(';')[0]!,
        ...headers,
      },
      body: `jeton=${token}&adresse=${encodeURIComponent(address)}`,
    });
    return { cookie, status: response.status };
  }

  it('serves nothing unless web.enabled', async () => {
    expect((await serve('{ port: 0 }')).desk).toBeNull();
  });

  it('listens on web.host and web.port; links point to web.publicUrl, whose https marks cookies Secure', async () => {
    const plain = (await serve('{ enabled: true, host: 127.0.0.1, port: 0 }')).desk!;
    expect(plain.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const form = await fetch(`${plain.origin}/connexion`);
    expect(form.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=3600$/);

    const { desk, deps } = await serve('{ enabled: true, port: 0, publicUrl: "https://reclamations.spst-test.fr" }');
    const base = desk!.listening;
    expect(desk!.origin).toBe('https://reclamations.spst-test.fr');
    // The browser is told the desk's public origin: a POST claiming the listening address is cross-site.
    expect((await ask(base, base, 'pilote@spst-test.fr')).status).toBe(403);
    const secure = await ask('https://reclamations.spst-test.fr', base, 'pilote@spst-test.fr');
    expect(secure.status).toBe(200);
    expect(secure.cookie).toMatch(/; Secure$/);
    const [mail] = await deps.db.select().from(outbox).where(sql`${outbox.kind} = 'web-link'`);
    expect(mail!.text).toContain('https://reclamations.spst-test.fr/connexion/lien?jeton=');
  });

  it('counts clients by the proxy’s X-Forwarded-For entry only with web.trustProxy', async () => {
    await emptyTables(t.database.db, ['web_links', 'outbox']);
    const direct = (await serve('{ enabled: true, port: 0, linkRequestsPerClient: 1 }')).desk!;
    const spoofed = { 'x-forwarded-for': '198.51.100.1' };
    expect((await ask(direct.origin, direct.origin, 'pilote@spst-test.fr', spoofed)).status).toBe(200);
    expect(
      (await ask(direct.origin, direct.origin, 'pilote@spst-test.fr', { 'x-forwarded-for': '198.51.100.2' })).status,
    ).toBe(429);

    await emptyTables(t.database.db, ['web_links', 'outbox']);
    const proxied = (await serve('{ enabled: true, port: 0, linkRequestsPerClient: 1, trustProxy: true }')).desk!;
    const hop = (client: string) => ({ 'x-forwarded-for': `203.0.113.66, ${client}` });
    expect((await ask(proxied.origin, proxied.origin, 'pilote@spst-test.fr', hop('198.51.100.1'))).status).toBe(200);
    expect((await ask(proxied.origin, proxied.origin, 'pilote@spst-test.fr', hop('198.51.100.2'))).status).toBe(200);
    expect((await ask(proxied.origin, proxied.origin, 'pilote@spst-test.fr', hop('198.51.100.2'))).status).toBe(429);
  });
});
