// The two postgres.js 3.4.9 defects that patches/postgres+3.4.9.patch fixes, reproduced against a
// real (private) PostgreSQL: without the patch the first kills the process, the second leaves a
// pooled connection that can never connect again.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres, startPostgres, type PostgresServer } from '../harness/postgres.js';

const root = resolve(import.meta.dirname, '../..');

describeWithPostgres('postgres.js under connection loss (patched driver)', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a transaction whose backend is terminated rejects, and the process lives on', async () => {
    // In a child process: the unpatched driver throws from a setImmediate, which would take the
    // test runner down with it. The child reports what its transaction saw, then whether the same
    // pool still answers.
    const script = `
      import postgres from 'postgres';
      const sql = postgres(process.argv[1], { max: 2, onnotice: () => undefined, connect_timeout: 5 });
      const admin = postgres(process.argv[1], { max: 1, onnotice: () => undefined });
      let seen = 'resolved';
      const tx = sql.begin(async (t) => {
        const [{ pid }] = await t\`select pg_backend_pid() as pid\`;
        setTimeout(() => admin\`select pg_terminate_backend(\${pid})\`.catch(() => undefined), 100);
        await t\`select pg_sleep(5)\`;
      }).catch((error) => { seen = error.code ?? error.message; });
      await tx;
      await new Promise((r) => setTimeout(r, 200));
      const [{ n }] = await sql\`select 1 as n\`;
      console.log(JSON.stringify({ seen, after: n }));
      await sql.end({ timeout: 1 }); await admin.end({ timeout: 1 });
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, server.url()],
      { cwd: root, timeout: 30_000 },
    ).catch((error: { code?: number; stderr?: string }) => {
      throw new Error(`the child died (exit ${error.code}):\n${error.stderr}`);
    });
    const result = JSON.parse(stdout.trim()) as { seen: string; after: number };
    expect(result.seen).toMatch(/57P01|CONNECTION_CLOSED|ECONNRESET/);
    expect(result.after).toBe(1);
  });

  it('a connection whose socket closed with a write pending connects again', async () => {
    // The first socket closes while the driver's StartupMessage waits in its deferred write (as
    // when the close callback of a reset connection runs before the immediate that would have
    // flushed it): 'close' is emitted at once instead of at the handle's close callback. The driver
    // reconnects with a new socket, which must get its StartupMessage.
    let sockets = 0;
    const sql = postgres({
      host: server.host,
      port: server.port,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      connect_timeout: 3,
      onnotice: () => undefined,
      socket: () => {
        const socket = net.connect(server.port, server.host);
        if (++sockets === 1)
          setImmediate(() => {
            socket.destroy();
            socket.emit('close', false);
          });
        return socket;
      },
    } as unknown as postgres.Options<Record<string, never>>);
    try {
      expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
      expect(sockets).toBe(2);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('the installed driver carries the patch (npm ci applies patches/postgres+3.4.9.patch)', async () => {
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      const text = await readFile(join(root, 'node_modules/postgres', file), 'utf8');
      expect(text, file).toContain('reclam-patch');
    }
  });
});
