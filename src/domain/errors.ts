// The one catalogue of errors reclam reports to people: each carries a code from ERROR_CODES, the
// configuration keys to look at, a French message that names them and the cause in plain words,
// and the original error as `cause`. docs/architecture.md lists the codes.

export const ERROR_CODES = {
  /** The configuration file is missing, not YAML, or a key is wrong (the message lists each key). */
  configInvalid: 'CONFIG_INVALID',
  /** Another process holds the embedded database's directory. */
  databaseLocked: 'DATABASE_LOCKED',
  /** PostgreSQL does not answer: refused, reset, timed out, shutting down or starting up. Waiting helps. */
  databaseUnreachable: 'DATABASE_UNREACHABLE',
  /** PostgreSQL answers but refuses us: password, role or database name. A person must act. */
  databaseRejected: 'DATABASE_REJECTED',
  /** The IMAP server refused the user name or password. */
  imapAuthFailed: 'IMAP_AUTH_FAILED',
  /** The IMAP server does not answer (refused, timed out, unknown host, TLS handshake). */
  imapUnreachable: 'IMAP_UNREACHABLE',
  /** The SMTP server refused the user name or password. */
  smtpAuthFailed: 'SMTP_AUTH_FAILED',
  /** The SMTP server does not answer. */
  smtpUnreachable: 'SMTP_UNREACHABLE',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Whether waiting can help (`transient`) or a person must change something (`configuration`). */
export type ErrorKind = 'transient' | 'configuration';

const KINDS: Readonly<Record<ErrorCode, ErrorKind>> = {
  CONFIG_INVALID: 'configuration',
  DATABASE_LOCKED: 'transient',
  DATABASE_UNREACHABLE: 'transient',
  DATABASE_REJECTED: 'configuration',
  IMAP_AUTH_FAILED: 'configuration',
  IMAP_UNREACHABLE: 'transient',
  SMTP_AUTH_FAILED: 'configuration',
  SMTP_UNREACHABLE: 'transient',
};

/** An error a person reads: a catalogue code, the configuration keys to check, and its cause. */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Configuration keys (dotted paths) that the message names. */
  readonly keys: readonly string[];

  constructor(code: ErrorCode, message: string, options: { keys?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.keys = options.keys ?? [];
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}

/** Whether `error` is an AppError with one of `codes` (any code when none is given). */
export function isAppError(error: unknown, ...codes: ErrorCode[]): error is AppError {
  return error instanceof AppError && (codes.length === 0 || codes.includes(error.code));
}

/** Plain words for the network and driver codes people meet; unknown codes are shown as they are. */
const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connexion refusée',
  ECONNRESET: 'connexion coupée',
  EPIPE: 'connexion coupée',
  ETIMEDOUT: 'délai dépassé',
  CONNECT_TIMEOUT: 'délai de connexion dépassé',
  ENOTFOUND: 'nom d’hôte inconnu',
  EAI_AGAIN: 'nom d’hôte introuvable pour l’instant',
  EHOSTUNREACH: 'hôte inaccessible',
  ENETUNREACH: 'réseau inaccessible',
  CONNECTION_CLOSED: 'connexion fermée par le serveur',
  CONNECTION_ENDED: 'connexion fermée',
  CONNECTION_DESTROYED: 'connexion fermée',
  '57P01': 'serveur arrêté par son administrateur',
  '57P02': 'serveur redémarré après un incident',
  '57P03': 'serveur en cours de démarrage',
  '53300': 'trop de connexions ouvertes sur le serveur',
  ECONNECTION: 'connexion impossible',
  ESOCKET: 'erreur de connexion',
  EDNS: 'nom d’hôte inconnu',
  ETLS: 'échec de la négociation TLS',
};

/** Node's codes for a server that cannot be reached or talked to (waiting may help); clients add their own. */
export const NODE_UNREACHABLE_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
];

/**
 * « ECONNREFUSED 127.0.0.1:5433 : connexion refusée »: the code as the system gave it, where, and
 * what it means. `where` is omitted when unknown.
 */
export function describeNetworkFailure(code: string, where?: string): string {
  const words = NETWORK_WORDS[code];
  return `${code}${where ? ` ${where}` : ''}${words ? ` : ${words}` : ''}`;
}

interface ServerAt {
  readonly host: string;
  readonly port: number;
}

export function imapAuthFailed(at: ServerAt & { readonly user: string }, cause?: unknown): AppError {
  return new AppError(
    ERROR_CODES.imapAuthFailed,
    `IMAP : authentification refusée pour l’utilisateur ${at.user} sur ${at.host}:${at.port} — vérifiez ` +
      `mailbox.imap.user et mailbox.imap.password`,
    { keys: ['mailbox.imap.user', 'mailbox.imap.password'], cause },
  );
}

export function imapUnreachable(at: ServerAt, reason: string, cause?: unknown): AppError {
  return new AppError(
    ERROR_CODES.imapUnreachable,
    `IMAP : serveur injoignable sur ${at.host}:${at.port} (${reason}) — vérifiez mailbox.imap.host, ` +
      `mailbox.imap.port et mailbox.imap.secure`,
    { keys: ['mailbox.imap.host', 'mailbox.imap.port', 'mailbox.imap.secure'], cause },
  );
}

export function smtpAuthFailed(at: ServerAt & { readonly user?: string | undefined }, cause?: unknown): AppError {
  return new AppError(
    ERROR_CODES.smtpAuthFailed,
    `SMTP : authentification refusée${at.user ? ` pour l’utilisateur ${at.user}` : ''} sur ${at.host}:${at.port} — ` +
      `vérifiez mailbox.smtp.user et mailbox.smtp.password`,
    { keys: ['mailbox.smtp.user', 'mailbox.smtp.password'], cause },
  );
}

export function smtpUnreachable(at: ServerAt, reason: string, cause?: unknown): AppError {
  return new AppError(
    ERROR_CODES.smtpUnreachable,
    `SMTP : serveur injoignable sur ${at.host}:${at.port} (${reason}) — vérifiez mailbox.smtp.host, ` +
      `mailbox.smtp.port et mailbox.smtp.secure`,
    { keys: ['mailbox.smtp.host', 'mailbox.smtp.port', 'mailbox.smtp.secure'], cause },
  );
}

export function databaseUnreachable(reason: string, cause?: unknown): AppError {
  return new AppError(
    ERROR_CODES.databaseUnreachable,
    `base de données injoignable (${reason}) — vérifiez database.url`,
    {
      keys: ['database.url'],
      cause,
    },
  );
}

export function databaseRejected(reason: string, cause?: unknown): AppError {
  return new AppError(
    ERROR_CODES.databaseRejected,
    `base de données : connexion refusée par le serveur (${reason}) — vérifiez database.url`,
    { keys: ['database.url'], cause },
  );
}

/** SMTP failures that are a matter of set-up rather than of one mail, as nodemailer reports them. */
export function smtpSetupError(
  failure: { readonly code?: string | undefined; readonly responseCode?: number | undefined },
  at: ServerAt & { readonly user?: string | undefined },
  cause?: unknown,
): AppError | null {
  if (failure.code === 'EAUTH' || failure.responseCode === 535) return smtpAuthFailed(at, cause);
  if (failure.code && failure.code in NETWORK_WORDS)
    return smtpUnreachable(at, describeNetworkFailure(failure.code), cause);
  return null;
}
