// `/healthz` and `/metrics` on `monitoring.host`:`monitoring.port` (loopback by default), served
// by `reclam run` when `monitoring.enabled`. Read only; no address, subject or text is served.
//   GET /healthz  200 {"status":"ready",…} or 503 {"status":"degraded","reasons":[{code,message}],…}
//   GET /metrics  the Prometheus text format (metrics.ts)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RunningDaemon } from './daemon.js';
import { assessHealth, type HealthReport } from './health.js';
import { createDaemonMetrics } from './metrics.js';

export interface MonitoringServer {
  /** `http://host:port` actually listened on. */
  readonly listening: string;
  close(): Promise<void>;
}

/** The report as `/healthz` serves it (dates in ISO 8601). */
export function healthJson(report: HealthReport): Record<string, unknown> {
  return {
    status: report.status,
    reasons: report.reasons,
    checkedAt: report.checkedAt.toISOString(),
    startedAt: report.startedAt.toISOString(),
    mailbox: {
      state: report.mailbox.state,
      since: report.mailbox.since.toISOString(),
      lastSweepAt: report.mailbox.lastSweepAt?.toISOString() ?? null,
      error: report.mailbox.error,
    },
    database: report.database,
    outbox: report.outbox && {
      unsent: report.outbox.unsent,
      oldestUnsentAt: report.outbox.oldestUnsentAt?.toISOString() ?? null,
      dead: report.outbox.dead,
      deadLastDay: report.outbox.deadLastDay,
      loginRefused: report.outbox.loginRefused,
    },
  };
}

/** Starts the endpoints of a running daemon; null when `monitoring.enabled` is false. */
export async function serveMonitoring(
  daemon: Pick<RunningDaemon, 'deps' | 'health'>,
  log: Logger,
): Promise<MonitoringServer | null> {
  const { monitoring } = daemon.deps.config;
  if (!monitoring.enabled) return null;
  const metrics = createDaemonMetrics(daemon.deps, daemon.health);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') {
      void assessHealth(daemon.deps, daemon.health).then(
        (report) =>
          send(
            report.status === 'ready' ? 200 : 503,
            'application/json; charset=utf-8',
            `${JSON.stringify(healthJson(report))}\n`,
          ),
        (error: unknown) => {
          log.error({ err: error }, 'health check failed');
          send(500, 'text/plain; charset=utf-8', 'health check failed\n');
        },
      );
      return;
    }
    if (path === '/metrics') {
      void metrics.scrape().then(
        (text) => send(200, metrics.contentType, text),
        (error: unknown) => {
          log.error({ err: error }, 'metrics scrape failed');
          send(500, 'text/plain; charset=utf-8', 'metrics unavailable\n');
        },
      );
      return;
    }
    send(404, 'text/plain; charset=utf-8', 'not found: /healthz, /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(monitoring.port, monitoring.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : monitoring.port;
  const host = monitoring.host.includes(':') ? `[${monitoring.host}]` : monitoring.host;
  const listening = `http://${host}:${port}`;
  log.info({ listening }, 'monitoring: /healthz and /metrics served');
  return {
    listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
