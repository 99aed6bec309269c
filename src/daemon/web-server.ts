// The read-only web desk (issue 14) on node:http: sign-in by e-mailed link, the ticket list, one
// ticket, its attachments, the pilot's page. Nothing here changes a ticket: commands keep their
// one authenticated path, signed mail. The only POST asks for a sign-in link.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createPageRenderer, type PageRenderer } from '../adapters/template-renderer.js';
import { WEB_TEMPLATES_DIR } from '../paths.js';
import type { RunningDaemon } from './daemon.js';
import { digestDeps } from '../app/compose.js';
import type { Person } from '../domain/people.js';
import {
  cookieHeader,
  FORM_COOKIE,
  formToken,
  isSameOrigin,
  parseCookies,
  SESSION_COOKIE,
  verifyFormToken,
} from '../domain/web-sign-in.js';
import type { DigestDeps } from '../services/send-digest.js';
import { attachmentDownload, chrome, readListFilters, ticketListPage, ticketPage } from '../services/web-desk.js';
import { checkSignInLink, openSignInLink, requestSignInLink, sessionPerson, signOut } from '../services/web-sign-in.js';
import { pilotPage, pilotChart, pilotWorkbook } from '../services/web-pilot.js';
import { randomBytes } from 'node:crypto';

export interface WebDesk {
  /** The origin people open (`web.publicUrl`, else the address listened on). */
  readonly origin: string;
  /** The address actually listened on (`http://127.0.0.1:8480`), whatever `publicUrl` says. */
  readonly listening: string;
  close(): Promise<void>;
}

export interface WebDeskOptions {
  readonly deps: DigestDeps;
  readonly pages: PageRenderer;
  /** Directory of the desk's static files (style.css). */
  readonly staticDir: string;
  /** Called after a sign-in link was queued, so the outbox sends it now. */
  readonly wakeOutbox: () => void;
  readonly log: Logger;
}

const MAX_FORM_BYTES = 4096;
const FORM_COOKIE_SECONDS = 3600;
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const LINK_REASONS: Readonly<Record<string, string>> = {
  used: 'Ce lien a déjà servi : un lien de connexion ne sert qu’une fois.',
  expired: 'Ce lien a expiré : un lien de connexion n’est valable que 15 minutes.',
  invalid: 'Ce lien n’est pas valable.',
};

/** The desk of a running daemon, with the shipped pages; null when `web.enabled` is false. */
export async function serveWebDesk(
  daemon: Pick<RunningDaemon, 'deps' | 'wakeOutbox'>,
  log: Logger,
): Promise<WebDesk | null> {
  if (!daemon.deps.config.web.enabled) return null;
  return startWebDesk({
    deps: digestDeps(daemon.deps),
    pages: createPageRenderer({ templatesDir: WEB_TEMPLATES_DIR }),
    staticDir: WEB_TEMPLATES_DIR,
    wakeOutbox: () => daemon.wakeOutbox(),
    log: log.child({ component: 'web' }),
  });
}

/** Starts the desk on `web.host`:`web.port` (0: any free port, for tests). */
export async function startWebDesk(options: WebDeskOptions): Promise<WebDesk> {
  const { deps, pages, log } = options;
  const { config } = deps;
  const secret = config.security.replySecret;
  let origin = config.web.publicUrl ?? '';
  const secure = origin.startsWith('https://');
  const css = await readFile(join(options.staticDir, 'style.css'));

  const send = (res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', ...headers });
    res.end(html);
  };
  const redirect = (res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}) => {
    res.writeHead(303, { ...SECURITY_HEADERS, Location: location, ...headers });
    res.end();
  };
  const message = (res: ServerResponse, status: number, viewer: Person | undefined, title: string, text: string) =>
    send(res, status, pages.page('message', { ...chrome(deps, viewer, ''), title, text }));

  const signInForm = (req: IncomingMessage, res: ServerResponse, status = 200, notice = '') => {
    const cookies = parseCookies(req.headers.cookie);
    const seed = cookies.get(FORM_COOKIE) ?? randomBytes(24).toString('base64url');
    const cookie = cookieHeader(FORM_COOKIE, seed, { secure, maxAgeSeconds: FORM_COOKIE_SECONDS });
    send(
      res,
      status,
      pages.page('sign-in', {
        ...chrome(deps, undefined, ''),
        title: 'Connexion',
        token: formToken(seed, secret),
        notice,
      }),
      { 'Set-Cookie': cookie },
    );
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://desk.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const cookies = parseCookies(req.headers.cookie);
    if (path === '/style.css' && method === 'GET') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/css; charset=utf-8',
        'Cache-Control': 'max-age=3600',
      });
      return void res.end(css);
    }
    if (path === '/connexion' && method === 'POST') return requestLink(req, res, cookies);
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET' });
      return void res.end();
    }
    if (path === '/connexion') return signInForm(req, res);
    if (path === '/connexion/lien') {
      const token = url.searchParams.get('jeton') ?? '';
      const check = await checkSignInLink(deps, token);
      if (!check.ok) return message(res, 410, undefined, 'Lien de connexion refusé', LINK_REASONS[check.reason]!);
      return send(
        res,
        200,
        pages.page('confirm', {
          ...chrome(deps, undefined, ''),
          title: 'Connexion',
          token,
          name: check.person.name ?? check.person.email,
        }),
      );
    }
    if (path === '/connexion/ouvrir') {
      const result = await openSignInLink(deps, url.searchParams.get('jeton') ?? '');
      if (!result.ok) {
        log.info({ reason: result.reason }, 'web desk: sign-in link refused');
        return message(res, 410, undefined, 'Lien de connexion refusé', LINK_REASONS[result.reason]!);
      }
      log.info('web desk: session opened');
      const maxAgeSeconds = Math.floor((result.expiresAt.getTime() - deps.clock.now().getTime()) / 1000);
      return redirect(res, '/', {
        'Set-Cookie': cookieHeader(SESSION_COOKIE, result.sessionId, { secure, maxAgeSeconds }),
      });
    }
    if (path === '/deconnexion') {
      await signOut(deps, cookies.get(SESSION_COOKIE));
      return redirect(res, '/connexion', {
        'Set-Cookie': cookieHeader(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }),
      });
    }

    const viewer = await sessionPerson(deps, cookies.get(SESSION_COOKIE));
    if (!viewer) return redirect(res, '/connexion');
    if (path === '/') {
      return send(
        res,
        200,
        pages.page('tickets', await ticketListPage(deps, viewer, readListFilters(url.searchParams, config))),
      );
    }
    const ticketMatch = /^\/reclamations\/([A-Z0-9-]{1,40})$/.exec(path);
    if (ticketMatch) {
      const data = await ticketPage(deps, viewer, ticketMatch[1]!);
      if (!data) return message(res, 404, viewer, 'Réclamation introuvable', `Aucune réclamation ${ticketMatch[1]}.`);
      return send(res, 200, pages.page('ticket', data));
    }
    const fileMatch = /^\/pieces\/(\d{1,15})$/.exec(path);
    if (fileMatch) {
      const file = await attachmentDownload(deps, viewer, Number(fileMatch[1]));
      if (!file)
        return message(
          res,
          404,
          viewer,
          'Pièce jointe introuvable',
          'Cette pièce jointe n’existe pas ou ne vous est pas accessible.',
        );
      return sendFile(res, file.filename, file.contentType, file.content);
    }
    if (path.startsWith('/pilote')) {
      if (!viewer.roles.includes('pilot'))
        return message(
          res,
          403,
          viewer,
          'Page réservée au pilote',
          'Cette page est réservée au pilote du processus réclamations.',
        );
      if (path === '/pilote') return send(res, 200, pages.page('pilot', await pilotPage(deps, viewer)));
      if (path === '/pilote/graphique.png') {
        const png = await pilotChart(deps, viewer);
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/png' });
        return void res.end(png);
      }
      const xlsxMatch = /^\/pilote\/syntheses\/(\d{1,12})\.xlsx$/.exec(path);
      if (xlsxMatch) {
        const file = await pilotWorkbook(deps, viewer, Number(xlsxMatch[1]));
        if (!file) return message(res, 404, viewer, 'Tableur introuvable', 'Ce tableur n’est pas disponible.');
        return sendFile(res, file.filename, file.contentType, file.content);
      }
    }
    return message(res, 404, viewer, 'Page introuvable', 'Cette page n’existe pas.');
  }

  async function requestLink(req: IncomingMessage, res: ServerResponse, cookies: Map<string, string>): Promise<void> {
    const sameOrigin = isSameOrigin({ origin: req.headers.origin, referer: req.headers.referer }, origin);
    const body = await readForm(req);
    if (!sameOrigin || body === null || !verifyFormToken(cookies.get(FORM_COOKIE), body.get('jeton') ?? '', secret)) {
      log.info({ sameOrigin }, 'web desk: link request refused (cross-site or stale form)');
      return signInForm(req, res, 403, 'Le formulaire a expiré ou ne vient pas de cette page : recommencez.');
    }
    const address = (body.get('adresse') ?? '').slice(0, 320);
    const outcome = await requestSignInLink(deps, { address, client: clientAddress(req), origin });
    if (outcome === 'limited') {
      return message(
        res,
        429,
        undefined,
        'Trop de demandes',
        'Trop de liens demandés : réessayez dans un quart d’heure.',
      );
    }
    if (outcome === 'sent') options.wakeOutbox();
    return message(
      res,
      200,
      undefined,
      'Vérifiez votre messagerie',
      'Si cette adresse est celle d’une personne de la procédure, un lien de connexion vient de lui être envoyé. ' +
        'Il est valable 15 minutes et ne sert qu’une fois.',
    );
  }

  function clientAddress(req: IncomingMessage): string {
    const forwarded = req.headers['x-forwarded-for'];
    if (config.web.trustProxy && typeof forwarded === 'string') {
      const last = forwarded.split(',').pop()?.trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'web desk: request failed');
      if (res.headersSent) return void res.destroy();
      try {
        message(res, 500, undefined, 'Erreur', 'La page n’a pas pu être affichée. Réessayez dans un instant.');
      } catch {
        res.writeHead(500);
        res.end();
      }
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.web.port, config.web.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.web.port;
  const host = config.web.host.includes(':') ? `[${config.web.host}]` : config.web.host;
  const listening = `http://${host}:${port}`;
  if (!origin) origin = listening;
  log.info({ origin, listening }, 'web desk listening');
  return {
    origin,
    listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendFile(res: ServerResponse, filename: string, contentType: string, content: Uint8Array): void {
  // Always a download, never rendered on our origin: a complainant's HTML or SVG must not run here.
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Content-Type': /^[\w.+-]+\/[\w.+-]+$/.test(contentType) ? contentType : 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    'Content-Length': String(content.length),
  });
  res.end(Buffer.from(content));
}

/** An urlencoded form body of at most MAX_FORM_BYTES; null when larger or not a form. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
