// Sign-in to the web desk on both engines, time moved by hand: one link per request for a
// configured person only, rate limits that count unknown addresses alike, single use, expiry of
// links and sessions, sign-out.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { outbox, webLinks, webSessions } from '../../src/db/schema.js';
import type { Deps } from '../../src/services/deps.js';
import {
  checkSignInLink,
  openSignInLink,
  requestSignInLink,
  sessionPerson,
  signOut,
} from '../../src/services/web-sign-in.js';
import { FakeClock, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

const ORIGIN = 'https://reclamations.spst-test.fr';

describe.each(ENGINES)('web desk sign-in on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));
  const configure = (web = '') =>
    testDeps(
      t.database.db,
      loadConfig(testConfigYaml({ extra: `web: { enabled: true${web} }` }), {}, 'test').config,
      clock,
    );

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, ['web_links', 'web_sessions', 'outbox']);
    clock.set('2026-11-23T08:00:00Z');
    deps = configure();
  });

  const ask = (address: string, client = '192.0.2.1') => requestSignInLink(deps, { address, client, origin: ORIGIN });
  async function mailedLink(to: string): Promise<string> {
    const rows = await t.database.db.select().from(outbox).orderBy(outbox.id);
    const mail = rows.filter((r) => r.kind === 'web-link' && r.toAddress === to).pop();
    const match = /jeton=([^\s"<]+)/.exec(mail?.text ?? '');
    if (!match) throw new Error(`no link mailed to ${to}`);
    expect(mail!.text).toContain(`${ORIGIN}/connexion/lien?jeton=`);
    return match[1]!;
  }

  it('mails a link to a configured person only, and keeps no unknown address', async () => {
    expect(await ask(' Accueil@SPST-test.fr ')).toBe('sent');
    expect(await ask('inconnu@example.test')).toBe('unknown');
    const mails = await t.database.db.select().from(outbox);
    expect(mails.map((m) => [m.kind, m.toAddress])).toEqual([['web-link', 'accueil@spst-test.fr']]);
    expect(mails[0]!.subject).toBe('[reclam] Votre lien de connexion au bureau des réclamations');
    expect(mails[0]!.text).toContain('Il est valable jusqu’à lundi 23 novembre 2026 à 9 h 15');
    const links = await t.database.db.select().from(webLinks).orderBy(webLinks.id);
    expect(links.map((l) => l.email)).toEqual(['accueil@spst-test.fr', null]);
    expect(links[1]!.nonceHash).toBeNull();
    expect(JSON.stringify(links)).not.toContain('inconnu');
  });

  it('opens one session per link: a second use, even a minute later, is refused', async () => {
    await ask('accueil@spst-test.fr');
    const token = await mailedLink('accueil@spst-test.fr');
    expect(await checkSignInLink(deps, token)).toMatchObject({ ok: true, person: { email: 'accueil@spst-test.fr' } });
    const first = await openSignInLink(deps, token);
    if (!first.ok) throw new Error(first.reason);
    expect(first.expiresAt).toEqual(new Date('2026-11-23T20:00:00Z'));
    clock.advance(60_000);
    expect(await openSignInLink(deps, token)).toEqual({ ok: false, reason: 'used' });
    expect(await checkSignInLink(deps, token)).toEqual({ ok: false, reason: 'used' });
    expect((await sessionPerson(deps, first.sessionId))?.email).toBe('accueil@spst-test.fr');
    // The table keeps hashes only: the session id is not in it.
    expect(JSON.stringify(await t.database.db.select().from(webSessions))).not.toContain(first.sessionId);
  });

  it('refuses a link after 15 minutes, and an altered or borrowed one at once', async () => {
    await ask('accueil@spst-test.fr');
    clock.advance(60_000);
    await ask('dr.martin@spst-test.fr');
    clock.advance(-60_000);
    const token = await mailedLink('accueil@spst-test.fr');
    const doctors = await mailedLink('dr.martin@spst-test.fr');
    const [nonce, , mac] = token.split('.');
    const [, doctorsExpiry] = doctors.split('.');
    expect(await openSignInLink(deps, `${nonce}.${doctorsExpiry}.${mac}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await openSignInLink(deps, `${doctors.split('.')[0]}.${doctorsExpiry}.${mac}`)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    clock.advance(15 * 60_000 - 1000);
    expect((await checkSignInLink(deps, token)).ok).toBe(true);
    clock.advance(1000);
    expect(await openSignInLink(deps, token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('limits requests per address, known or not, and per client, over any 15 minutes', async () => {
    for (let i = 0; i < 3; i++) expect(await ask('accueil@spst-test.fr', `198.51.100.${i}`)).toBe('sent');
    expect(await ask('accueil@spst-test.fr', '198.51.100.9')).toBe('limited');
    for (let i = 0; i < 3; i++) expect(await ask('inconnu@example.test', `203.0.113.${i}`)).toBe('unknown');
    expect(await ask('inconnu@example.test', '203.0.113.9')).toBe('limited');
    clock.advance(15 * 60_000 + 1);
    expect(await ask('accueil@spst-test.fr', '198.51.100.9')).toBe('sent');

    deps = configure(', linkRequestsPerAddress: 100, linkRequestsPerClient: 2');
    expect(await ask('pilote@spst-test.fr', '192.0.2.7')).toBe('sent');
    expect(await ask('nobody@example.test', '192.0.2.7')).toBe('unknown');
    expect(await ask('dr.martin@spst-test.fr', '192.0.2.7')).toBe('limited');
    expect(await ask('dr.martin@spst-test.fr', '192.0.2.8')).toBe('sent');
  });

  it('ends a session at sign-out, after web.sessionHours, or when the person leaves the configuration', async () => {
    deps = configure(', sessionHours: 2');
    await ask('accueil@spst-test.fr');
    const opened = await openSignInLink(deps, await mailedLink('accueil@spst-test.fr'));
    if (!opened.ok) throw new Error(opened.reason);
    expect(opened.expiresAt).toEqual(new Date('2026-11-23T10:00:00Z'));
    clock.advance(2 * 3_600_000 - 1);
    expect(await sessionPerson(deps, opened.sessionId)).toBeDefined();
    clock.advance(1);
    expect(await sessionPerson(deps, opened.sessionId)).toBeUndefined();

    clock.set('2026-11-23T08:00:00Z');
    await ask('accueil@spst-test.fr', '192.0.2.2');
    const second = await openSignInLink(deps, await mailedLink('accueil@spst-test.fr'));
    if (!second.ok) throw new Error(second.reason);
    await signOut(deps, second.sessionId);
    expect(await sessionPerson(deps, second.sessionId)).toBeUndefined();

    await ask('accueil@spst-test.fr', '192.0.2.3');
    const third = await openSignInLink(deps, await mailedLink('accueil@spst-test.fr'));
    if (!third.ok) throw new Error(third.reason);
    const without = loadConfig(
      testConfigYaml({ extra: 'web: { enabled: true }' })
        .replace('  - { email: accueil@spst-test.fr, name: "Accueil", roles: [referent] }\n', '')
        .replace('referents: [accueil@spst-test.fr]', 'referents: [pilote@spst-test.fr]'),
      {},
      'test',
    ).config;
    expect(await sessionPerson({ ...deps, config: without }, third.sessionId)).toBeUndefined();
    expect(await sessionPerson(deps, 'not-a-session')).toBeUndefined();

    // A day after they ended, links and sessions are deleted by the next request.
    clock.set('2026-11-24T10:00:01Z');
    await ask('pilote@spst-test.fr');
    expect(await t.database.db.select().from(webSessions)).toEqual([]);
    expect((await t.database.db.select().from(webLinks)).map((l) => l.email)).toEqual(['pilote@spst-test.fr']);
  });
});
