// The daemon's first log line: what it serves, never a secret.
import { describe, expect, it } from 'vitest';
import { startLine } from '../../src/daemon/run-command.js';
import { RECLAM_VERSION } from '../../src/paths.js';
import { testConfig } from '../support/test-config.js';

describe('the start line', () => {
  it('names version, configuration file, mailbox, engine and data directory (PGlite)', () => {
    const { fields, message } = startLine(testConfig({ dataDir: '/srv/reclam/data' }), '/etc/reclam/reclam.yaml');
    expect(fields).toEqual({
      version: RECLAM_VERSION,
      config: '/etc/reclam/reclam.yaml',
      mailbox: 'reclamation@spst-test.fr',
      imap: 'reclamation@127.0.0.1:1/INBOX',
      engine: 'pglite',
      database: '/srv/reclam/data/pglite',
      dataDir: '/srv/reclam/data',
    });
    expect(message).toContain(`reclam ${RECLAM_VERSION} starting`);
    expect(message).toContain('embedded PGlite');
    expect(message).not.toContain('secret-imap');
  });

  it('shows a PostgreSQL URL without its password or query', () => {
    const config = testConfig({
      databaseUrl: 'postgres://reclam:s3cr%40t@db.internal:5433/reclam?password=x2&sslmode=require',
    });
    const { fields, message } = startLine(config, 'reclam.yaml');
    expect(fields.engine).toBe('postgres');
    expect(fields.database).toBe('postgres://reclam:***@db.internal:5433/reclam');
    for (const secret of ['s3cr', 'x2', 'secret-imap', '0123456789abcdef']) expect(message).not.toContain(secret);
  });
});
