// What an administrator reads when the set-up is wrong or a server is away, from `reclam check`
// and from `reclam run`'s stderr: the configuration key and the cause in plain words, and a
// mailbox loop that waits minutes after a refused password but seconds after a network failure.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { describeWithPostgres, startPostgres, type PostgresServer } from '../harness/postgres.js';
import { reclam, spawnReclamRun } from '../harness/reclam-cli.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { testConfigYaml, type TestConfigOptions } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

describeE2E('failure messages', () => {
  describeWithPostgres('for IMAP and the database', () => {
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let pg: PostgresServer;
    let dir: string;
    const children: ChildProcess[] = [];

    const writeConfig = async (name: string, options: TestConfigOptions, password = 'secret-imap') => {
      const path = join(dir, name);
      await writeFile(
        path,
        testConfigYaml({ smtpPort: smtp.port, dataDir: join(dir, name, 'data'), ...options }).replace(
          'secret-imap',
          password,
        ),
      );
      return path;
    };

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
      smtp = await startSmtpReceiver();
      pg = await startPostgres();
      dir = await mkdtemp(join(tmpdir(), 'reclam-failures-'));
    });
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await pg?.stop();
      await smtp?.stop();
      await dovecot?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('check names database.url and the refused connection, and mailbox.imap.host for a port nobody listens on', async () => {
      const dbPort = await freePort();
      const imapPort = await freePort();
      const config = await writeConfig('unreachable.yaml', {
        imapPort,
        databaseUrl: `postgres://postgres@127.0.0.1:${dbPort}/postgres`,
      });
      const result = await reclam(['check', '--config', config]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `✘ database: PostgreSQL: base de données injoignable (ECONNREFUSED 127.0.0.1:${dbPort} : connexion refusée) — vérifiez database.url`,
      );
      expect(result.stdout).not.toContain('Failed query');
      expect(result.stdout).toContain(
        `✘ IMAP 127.0.0.1:${imapPort} as reclamation: IMAP : serveur injoignable sur 127.0.0.1:${imapPort} (ECONNREFUSED : connexion refusée) — vérifiez mailbox.imap.host, mailbox.imap.port et mailbox.imap.secure`,
      );
    });

    it('run waits for a database that is not up yet, saying so, then names mailbox.imap.password and waits minutes', async () => {
      await pg.stopImmediate();
      const config = await writeConfig(
        'wrong-password.yaml',
        { imapPort: dovecot.imapPort, databaseUrl: pg.url() },
        'not-the-password-42',
      );
      const daemon = spawnReclamRun(config);
      children.push(daemon.child);
      await waitUntil(
        () => daemon.lines().some((l) => l.code === 'DATABASE_UNREACHABLE'),
        30_000,
        'the database failure reported',
      );
      const waiting = daemon.lines().find((l) => l.code === 'DATABASE_UNREACHABLE')!;
      expect(waiting.msg).toContain(
        `base de données injoignable (ECONNREFUSED 127.0.0.1:${pg.port} : connexion refusée) — vérifiez database.url`,
      );
      expect(daemon.child.exitCode).toBeNull();

      await pg.start();
      await waitUntil(
        () => daemon.lines().some((l) => l.code === 'IMAP_AUTH_FAILED') || daemon.child.exitCode !== null,
        60_000,
        'the IMAP login refused',
      );
      const refused = daemon.lines().find((l) => l.code === 'IMAP_AUTH_FAILED')!;
      expect(daemon.lines().some((l) => l.msg === 'daemon started')).toBe(true);
      expect(refused.loop).toBe('mailbox');
      expect(refused.msg).toContain(
        `IMAP : authentification refusée pour l’utilisateur reclamation sur 127.0.0.1:${dovecot.imapPort} — vérifiez mailbox.imap.user et mailbox.imap.password`,
      );
      // A minute (± 20 % jitter) before the next try, not a second.
      expect(refused.retryInMs).toBeGreaterThanOrEqual(48_000);
      expect(refused.retryInMs).toBeLessThanOrEqual(72_000);
      expect(daemon.stderr()).not.toContain('not-the-password-42');
      expect(daemon.child.exitCode).toBeNull();
      daemon.child.kill('SIGTERM');
      expect(await new Promise((r) => daemon.child.once('exit', r))).toBe(0);
    }, 120_000);

    it('run retries within seconds an IMAP server that does not answer', async () => {
      const imapPort = await freePort();
      const config = await writeConfig('no-imap.yaml', { imapPort, databaseUrl: pg.url() });
      const daemon = spawnReclamRun(config);
      children.push(daemon.child);
      await waitUntil(
        () => daemon.lines().filter((l) => l.code === 'IMAP_UNREACHABLE').length >= 2 || daemon.child.exitCode !== null,
        60_000,
        'two IMAP connection failures',
      );
      const failures = daemon.lines().filter((l) => l.code === 'IMAP_UNREACHABLE');
      expect(failures[0]!.msg).toContain(`IMAP : serveur injoignable sur 127.0.0.1:${imapPort} (ECONNREFUSED`);
      expect(failures.map((l) => l.retryInMs! <= 2_400)).toEqual([true, true]);
      daemon.child.kill('SIGTERM');
      expect(await new Promise((r) => daemon.child.once('exit', r))).toBe(0);
    }, 90_000);
  });
});
