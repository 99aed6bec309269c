// Proves the private PostgreSQL harness: a cluster of its own on a free port, which survives
// `pg_ctl stop -m immediate` and a SIGKILL of its postmaster with its data, and leaves nothing behind.
import { existsSync } from 'node:fs';
import net from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres, startPostgres, type PostgresServer } from './postgres.js';

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function query<T>(server: PostgresServer, text: string): Promise<T[]> {
  const sql = postgres(server.url(), { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describeWithPostgres('test harness: private PostgreSQL', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs its own cluster on a free loopback port, not the shared 5432', async () => {
    expect(server.port).not.toBe(5432);
    expect(server.pid).toBeGreaterThan(0);
    const [row] = await query<{ version: string; port: string }>(
      server,
      "select version() as version, current_setting('port') as port",
    );
    expect(row!.version).toMatch(/^PostgreSQL 15/);
    expect(Number(row!.port)).toBe(server.port);
    await query(server, 'create table kept (n int); insert into kept values (1)');
  });

  it('cuts open connections on pg_ctl stop -m immediate and comes back with the data', async () => {
    const held = postgres(server.url(), { max: 1, onnotice: () => undefined, connect_timeout: 2 });
    await held`select 1`;
    await server.stopImmediate();
    expect(server.pid).toBeNull();
    expect(await portAccepts(server.port)).toBe(false);
    await expect(held`select 1`).rejects.toThrow();
    await server.start();
    // The same pool reconnects by itself once the server is back.
    expect(await held`select count(*)::int as n from kept`).toEqual([{ n: 1 }]);
    await held.end({ timeout: 1 });
  });

  it('survives a SIGKILL of the postmaster and restarts after crash recovery', async () => {
    const before = server.pid;
    await query(server, 'insert into kept values (2)');
    await server.killPostmaster();
    expect(server.pid).toBeNull();
    expect(await portAccepts(server.port)).toBe(false);
    await server.start();
    expect(server.pid).not.toBe(before);
    expect(await query(server, 'select count(*)::int as n from kept')).toEqual([{ n: 2 }]);
  });

  it('stop() ends the cluster, frees the port and removes its directory', async () => {
    await server.stop();
    expect(await portAccepts(server.port)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop(); // idempotent
  });
});
