// The `reclam` command as an administrator uses it, as child processes: `check` verdicts, and
// commands run while a daemon holds the embedded database.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { appendMessage } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { useCliWorkspace } from '../harness/mail-servers.js';
import { reclam } from '../harness/reclam-cli.js';
import { testConfigYaml } from '../support/test-config.js';
import { RECLAM_VERSION } from '../../src/paths.js';

describeE2E('the reclam command', () => {
  const workspace = useCliWorkspace('reclam-cli-');

  it('prints its version', async () => {
    const result = await reclam(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${RECLAM_VERSION}\n` });
  });

  it('check gives one verdict per part and fails on a wrong IMAP password, naming it', async () => {
    const good = await reclam(['check', '--config', workspace.config]);
    expect(good.stdout).toMatch(/✔ configuration/);
    expect(good.stdout).toMatch(/✔ database: embedded PGlite/);
    expect(good.stdout).toMatch(/✔ IMAP 127\.0\.0\.1:\d+ as reclamation: INBOX opened/);
    expect(good.stdout).toMatch(/✔ SMTP 127\.0\.0\.1:\d+/);
    expect(good.code).toBe(0);

    const badConfig = join(workspace.dir, 'bad.yaml');
    await writeFile(
      badConfig,
      testConfigYaml({
        imapPort: workspace.dovecot.imapPort,
        smtpPort: workspace.smtp.port,
        dataDir: join(workspace.dir, 'data'),
      }).replace('secret-imap', 'not-the-password-42'),
    );
    const bad = await reclam(['check', '--config', badConfig]);
    expect(bad.stdout).toContain(
      `✘ IMAP 127.0.0.1:${workspace.dovecot.imapPort} as reclamation: IMAP : authentification refusée pour l’utilisateur reclamation sur 127.0.0.1:${workspace.dovecot.imapPort} — vérifiez mailbox.imap.user et mailbox.imap.password`,
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).not.toContain('not-the-password-42');
  });

  it('reports a bad configuration with the key, and never prints secrets', async () => {
    const path = join(workspace.dir, 'typo.yaml');
    await writeFile(
      path,
      testConfigYaml({ dataDir: join(workspace.dir, 'data') }).replace('defaultLevel: 3', 'defaultLevel: 7'),
    );
    const result = await reclam(['check', '--config', path, '--print-config']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('defaultLevel: level 7 is not one of the levels defined under levels');
    const printed = await reclam(['check', '--config', workspace.config, '--print-config']);
    expect(printed.stdout).toContain('"password": "***"');
    expect(printed.stdout).not.toContain('secret-imap');
    expect(printed.stdout).not.toContain('0123456789abcdef0123456789abcdef');
  });

  it('runs tickets, show and ingest through the running daemon, and refuses a second daemon', async () => {
    const run = await workspace.startDaemon(30_000);
    const daemon = run.child;
    // stderr is a pipe: JSON lines; the first one says what this daemon serves.
    const first = JSON.parse(run.stderr().split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      version: RECLAM_VERSION,
      config: workspace.config,
      mailbox: 'reclamation@spst-test.fr',
      engine: 'pglite',
      dataDir: join(workspace.dir, 'data'),
    });
    expect(run.stderr()).not.toContain('secret-imap');

    await appendMessage(
      workspace.dovecot,
      'reclamation',
      'INBOX',
      'From: Anne <anne@example.test>\r\nTo: reclamation@spst-test.fr\r\nSubject: Parking fermé\r\nMessage-ID: <cli-1@example.test>\r\n\r\nLe parking était fermé.\r\n',
    );
    await workspace.smtp.waitFor((m) => m.envelopeTo.includes('anne@example.test'), 15_000);

    const tickets = await reclam(['tickets', '--config', workspace.config]);
    expect(tickets.code).toBe(0);
    expect(tickets.stdout).toMatch(/REC-\d{4}-0001\s+reçue/);
    const reference = /REC-\d{4}-0001/.exec(tickets.stdout)![0];

    const emlPath = join(workspace.dir, 'phone.eml');
    await writeFile(
      emlPath,
      'From: bruno@example.test\r\nTo: reclamation@spst-test.fr\r\nSubject: Facture\r\nMessage-ID: <cli-2@example.test>\r\n\r\nFacture en double.\r\n',
    );
    const ingested = await reclam(['ingest', '--config', workspace.config, emlPath]);
    expect(ingested.stdout).toMatch(/new ticket REC-\d{4}-0002, acknowledgement queued/);
    await workspace.smtp.waitFor((m) => m.envelopeTo.includes('bruno@example.test'), 15_000);

    const shown = await reclam(['show', reference, '--config', workspace.config]);
    expect(shown.stdout).toContain('Parking fermé');
    expect(shown.stdout).toContain('Réclamation reçue — anne@example.test — par courriel');
    expect(shown.stdout).toContain('Accusé de réception — envoyé → anne@example.test');

    // The follow-through's dry run, through the daemon: 40 days on, both tickets owe reminders.
    const later = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const due = await reclam(['due', '--config', workspace.config, '--at', `${later} 10:00`]);
    expect(due.code).toBe(0);
    expect(due.stdout).toContain('simulation : rien n’est envoyé ni modifié');
    expect(due.stdout).toContain(reference);
    expect(due.stdout).toContain('échéance dépassée le');
    expect(due.stdout).not.toMatch(/reclamation\+/); // no signed reply address on a terminal
    const wrong = await reclam(['due', '--config', workspace.config, '--at', 'demain']);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('instant non compris : « demain »');
    expect(workspace.smtp.mails.filter((m) => m.parsed.headers.get('x-reclam-kind') === 'reminder')).toEqual([]);

    const second = await reclam(['run', '--config', workspace.config]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/is in use by process \d+/);

    daemon.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => daemon.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    // With the daemon gone, the CLI opens the database itself.
    const after = await reclam(['tickets', '--config', workspace.config]);
    expect(after.stdout).toMatch(/REC-\d{4}-0002/);
  }, 120_000);
});
