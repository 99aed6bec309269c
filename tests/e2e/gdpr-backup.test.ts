// `reclam gdpr export|erase` and `reclam backup|restore` as an administrator runs them, as child
// processes, while `reclam run` holds the embedded database (the commands go through its control
// socket): the export is a zip with its French note, the erasure a dry run first, then done with
// the data directory's files cleaned; a backup taken under the running daemon restores into a
// fresh data directory with every ticket.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { fileTraces } from '../support/personal-data-scan.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

const root = resolve(import.meta.dirname, '../..');
const CLI = [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'src/bin.ts')];

async function reclam(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...CLI, ...args], {
      cwd: root,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const mail = (n: number, from: string, body: string) =>
  `From: ${from}\r\nTo: reclamation@spst-test.fr\r\nSubject: Réclamation ${n}\r\nMessage-ID: <gdpr-cli-${n}@example.test>\r\n\r\n${body}\r\n`;

describeE2E('reclam gdpr and backup while the daemon runs', () => {
  let dovecot: DovecotServer;
  let smtp: SmtpReceiver;
  let dir: string;
  let config: string;
  let daemon: ChildProcess | undefined;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
    smtp = await startSmtpReceiver();
    dir = await mkdtemp(join(tmpdir(), 'reclam-gdpr-'));
    config = join(dir, 'reclam.yaml');
    await writeFile(
      config,
      testConfigYaml({ imapPort: dovecot.imapPort, smtpPort: smtp.port, dataDir: join(dir, 'data') }),
    );
  });
  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await smtp?.stop();
    await dovecot?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('exports, erases, backs up through the daemon; restores into a fresh directory', async () => {
    daemon = spawn(process.execPath, [...CLI, 'run', '--config', config, '--log-level', 'info'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    daemon.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    await waitUntil(() => log.includes('mailbox opened'), 60_000, 'daemon up');
    await appendMessage(
      dovecot,
      'reclamation',
      'INBOX',
      mail(1, 'Chloé Durand <chloe.durand@example.test>', 'Le ZORGLUBCLI est cassé.'),
    );
    await appendMessage(dovecot, 'reclamation', 'INBOX', mail(2, 'denis@example.test', 'Facture en double.'));
    await appendMessage(dovecot, 'reclamation', 'INBOX', mail(3, 'emma@example.test', 'Accueil désagréable.'));
    await smtp.waitFor((m) => m.envelopeTo.includes('emma@example.test'), 30_000);

    const zipPath = join(dir, 'chloe.zip');
    const exported = await reclam([
      'gdpr',
      'export',
      'chloe.durand@example.test',
      '--out',
      zipPath,
      '--config',
      config,
    ]);
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toContain('réclamations déposées : 1 (REC-');
    expect(exported.stdout).toContain(`archive écrite : ${zipPath}`);
    const files = unzipSync(new Uint8Array(await readFile(zipPath)));
    expect(Buffer.from(files['LISEZMOI.txt']!).toString('utf8')).toContain('chloe.durand@example.test');

    const dry = await reclam(['gdpr', 'erase', 'chloe.durand@example.test', '--config', config]);
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
      config,
    ]);
    expect(erased.stdout).toContain('(par dpo)');
    expect(erased.stdout).toContain('l’adresse ne figure plus nulle part dans la base');
    expect(erased.code).toBe(0);
    expect((await listMessages(dovecot, 'reclamation', 'Traitées')).map((m) => m.messageId).sort()).toEqual([
      '<gdpr-cli-2@example.test>',
      '<gdpr-cli-3@example.test>',
    ]);
    // The running daemon rewrote the tables and dropped the old WAL: her address is in no file.
    expect(
      await fileTraces(join(dir, 'data'), ['chloe.durand@example.test', 'ZORGLUBCLI', 'Chloé Durand'], (p) =>
        p.endsWith('.lock'),
      ),
    ).toEqual({});

    const backup = join(dir, 'backups', 'reclam.tar.gz');
    const saved = await reclam(['backup', backup, '--config', config]);
    expect(saved.stdout).toMatch(/backup written to .*reclam\.tar\.gz \(\d/);
    expect(saved.code).toBe(0);

    const listed = await reclam(['tickets', '--config', config]);
    const references = [...listed.stdout.matchAll(/REC-\d{4}-\d{4}/g)].map((m) => m[0]).sort();
    expect(references).toHaveLength(3);

    // Restoring needs the daemon stopped.
    const refused = await reclam(['restore', backup, '--config', config]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stop the daemon before restoring');

    daemon.kill('SIGTERM');
    await new Promise((r) => daemon!.once('exit', r));
    daemon = undefined;

    const fresh = join(dir, 'fresh.yaml');
    await writeFile(
      fresh,
      testConfigYaml({ imapPort: dovecot.imapPort, smtpPort: smtp.port, dataDir: join(dir, 'restored') }),
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
