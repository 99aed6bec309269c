// The start-up the end-to-end suites share: Dovecot with the `reclamation` mailbox (the user and
// password testConfigYaml names) and an SMTP receiver, started before the suite's tests and
// stopped after them; for the suites that run `reclam` as a child process, a temporary directory
// with a `reclam.yaml` pointed at both, and the daemons started there killed at the end. Call these
// inside the suite's `describe`: they register its hooks.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { copyPgliteTemplate } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';
import { startDovecot, type DovecotServer } from './dovecot.js';
import { spawnReclamRun, type ReclamRun } from './reclam-cli.js';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.js';

export interface MailServers {
  readonly dovecot: DovecotServer;
  readonly smtp: SmtpReceiver;
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not started yet (use it inside a test or a hook)`);
  return value;
}

/** Dovecot (user `reclamation`, password `secret-imap`) and an SMTP receiver for the suite. */
export function useMailServers(): MailServers {
  let dovecot: DovecotServer | undefined;
  let smtp: SmtpReceiver | undefined;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
  });
  return {
    get dovecot() {
      return started(dovecot, 'Dovecot');
    },
    get smtp() {
      return started(smtp, 'the SMTP receiver');
    },
  };
}

export interface CliWorkspace extends MailServers {
  /** The temporary directory; the embedded database is in `dir/data`. */
  readonly dir: string;
  /**
   * `dir/reclam.yaml`: testConfigYaml for the two servers and `dir/data`, a copy of the run's
   * migrated PGlite template (migrations run from scratch in the global set-up and the demo).
   */
  readonly config: string;
  /**
   * `reclam run` on `config`, once its mailbox is open (within `readyTimeoutMs`); killed at the
   * end of the suite if it is still running.
   */
  startDaemon(readyTimeoutMs: number): Promise<ReclamRun>;
}

/** useMailServers, and a directory named `<prefix>…` with the configuration, removed at the end. */
export function useCliWorkspace(prefix: string): CliWorkspace {
  const servers = useMailServers();
  let dir: string | undefined;
  const daemons: ChildProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await copyPgliteTemplate(join(dir, 'data'));
    await writeFile(
      join(dir, 'reclam.yaml'),
      testConfigYaml({ imapPort: servers.dovecot.imapPort, smtpPort: servers.smtp.port, dataDir: join(dir, 'data') }),
    );
  });
  afterAll(async () => {
    for (const daemon of daemons) daemon.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get dovecot() {
      return servers.dovecot;
    },
    get smtp() {
      return servers.smtp;
    },
    get dir() {
      return started(dir, 'the workspace');
    },
    get config() {
      return join(started(dir, 'the workspace'), 'reclam.yaml');
    },
    async startDaemon(readyTimeoutMs) {
      const run = spawnReclamRun(join(started(dir, 'the workspace'), 'reclam.yaml'));
      daemons.push(run.child);
      await waitUntil(() => run.stderr().includes('mailbox opened'), readyTimeoutMs, 'daemon up');
      return run;
    },
  };
}
