// `reclam gdpr export|erase` and `reclam backup|restore` as an administrator runs them, as child
// processes, while `reclam run` holds the embedded database (the commands go through its control
// socket): the export is a zip with its French note, the erasure a dry run first, then done with
// the data directory's files cleaned; a backup taken under the running daemon restores into a
// fresh data directory with every ticket.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { expect, it } from 'vitest';
import { appendMessage, listMessages } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { useCliWorkspace } from '../harness/mail-servers.js';
import { reclam as reclamCommand } from '../harness/reclam-cli.js';
import { fileTraces } from '../support/personal-data-scan.js';
import { testConfigYaml } from '../support/test-config.js';

/** Backups and restores of the whole database take longer than the other commands. */
const reclam = (args: string[]) => reclamCommand(args, 120_000);

const mail = (n: number, from: string, body: string) =>
  `From: ${from}\r\nTo: reclamation@spst-test.fr\r\nSubject: Réclamation ${n}\r\nMessage-ID: <gdpr-cli-${n}@example.test>\r\n\r\n${body}\r\n`;

describeE2E('reclam gdpr and backup while the daemon runs', () => {
  const workspace = useCliWorkspace('reclam-gdpr-');

  it('exports, erases, backs up through the daemon; restores into a fresh directory', async () => {
    const daemon = (await workspace.startDaemon(60_000)).child;
    await appendMessage(
      workspace.dovecot,
      'reclamation',
      'INBOX',
      mail(1, 'Chloé Durand <chloe.durand@example.test>', 'Le ZORGLUBCLI est cassé.'),
    );
    await appendMessage(workspace.dovecot, 'reclamation', 'INBOX', mail(2, 'denis@example.test', 'Facture en double.'));
    await appendMessage(
      workspace.dovecot,
      'reclamation',
      'INBOX',
      mail(3, 'emma@example.test', 'Accueil désagréable.'),
    );
    await workspace.smtp.waitFor((m) => m.envelopeTo.includes('emma@example.test'), 30_000);

    const zipPath = join(workspace.dir, 'chloe.zip');
    const exported = await reclam([
      'gdpr',
      'export',
      'chloe.durand@example.test',
      '--out',
      zipPath,
      '--config',
      workspace.config,
    ]);
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toContain('réclamations déposées : 1 (REC-');
    expect(exported.stdout).toContain(`archive écrite : ${zipPath}`);
    const files = unzipSync(new Uint8Array(await readFile(zipPath)));
    expect(Buffer.from(files['LISEZMOI.txt']!).toString('utf8')).toContain('chloe.durand@example.test');

    const dry = await reclam(['gdpr', 'erase', 'chloe.durand@example.test', '--config', workspace.config]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('simulation : rien n’est modifié');
    const erased = await reclam([
      'gdpr',
      'erase',
      'chloe.durand@example.test',
      '--yes',
      '--by',
      'dpo',
      '--config',
      workspace.config,
    ]);
    expect(erased.stdout).toContain('(par dpo)');
    expect(erased.stdout).toContain('l’adresse ne figure plus nulle part dans la base');
    expect(erased.code).toBe(0);
    expect((await listMessages(workspace.dovecot, 'reclamation', 'Traitées')).map((m) => m.messageId).sort()).toEqual([
      '<gdpr-cli-2@example.test>',
      '<gdpr-cli-3@example.test>',
    ]);
    // The running daemon rewrote the tables and dropped the old WAL: her address is in no file.
    expect(
      await fileTraces(join(workspace.dir, 'data'), ['chloe.durand@example.test', 'ZORGLUBCLI', 'Chloé Durand'], (p) =>
        p.endsWith('.lock'),
      ),
    ).toEqual({});

    const backup = join(workspace.dir, 'backups', 'reclam.tar.gz');
    const saved = await reclam(['backup', backup, '--config', workspace.config]);
    expect(saved.stdout).toMatch(/backup written to .*reclam\.tar\.gz \(\d/);
    expect(saved.code).toBe(0);

    const listed = await reclam(['tickets', '--config', workspace.config]);
    const references = [...listed.stdout.matchAll(/REC-\d{4}-\d{4}/g)].map((m) => m[0]).sort();
    expect(references).toHaveLength(3);

    // Restoring needs the daemon stopped.
    const refused = await reclam(['restore', backup, '--config', workspace.config]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stop the daemon before restoring');

    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));

    const fresh = join(workspace.dir, 'fresh.yaml');
    await writeFile(
      fresh,
      testConfigYaml({
        imapPort: workspace.dovecot.imapPort,
        smtpPort: workspace.smtp.port,
        dataDir: join(workspace.dir, 'restored'),
      }),
    );
    const restored = await reclam(['restore', backup, '--config', fresh]);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toContain('3 ticket(s)');
    const again = await reclam(['tickets', '--config', fresh]);
    expect([...again.stdout.matchAll(/REC-\d{4}-\d{4}/g)].map((m) => m[0]).sort()).toEqual(references);
    // Over an existing database: refused, unless --force (the old one is kept beside).
    const twice = await reclam(['restore', backup, '--config', fresh]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--force');
    const forced = await reclam(['restore', backup, '--force', '--config', fresh]);
    expect(forced.stdout).toMatch(/previous database was kept in .*pglite\.before-restore-/);
  }, 300_000);
});
