import { describe, expect, it } from 'vitest';
import {
  AppError,
  databaseUnreachable,
  describeNetworkFailure,
  ERROR_CODES,
  imapAuthFailed,
  imapUnreachable,
  isAppError,
  smtpSetupError,
} from '../../src/domain/errors.js';

describe('the error catalogue', () => {
  it('names the configuration keys and the cause in plain French, and keeps the cause', () => {
    const cause = Object.assign(new Error('Command failed'), { authenticationFailed: true });
    const error = imapAuthFailed({ user: 'reclamation', host: 'imap.example', port: 993 }, cause);
    expect(error.message).toBe(
      'IMAP : authentification refusée pour l’utilisateur reclamation sur imap.example:993 — vérifiez mailbox.imap.user et mailbox.imap.password',
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('IMAP_AUTH_FAILED');
    expect(error.kind).toBe('configuration');
    expect(error.keys).toEqual(['mailbox.imap.user', 'mailbox.imap.password']);
    expect(error.cause).toBe(cause);
    expect(isAppError(error, ERROR_CODES.imapAuthFailed)).toBe(true);
    expect(isAppError(error, ERROR_CODES.databaseUnreachable)).toBe(false);
    expect(isAppError(cause)).toBe(false);
  });

  it('says what a network code means', () => {
    expect(databaseUnreachable(describeNetworkFailure('ECONNREFUSED', '127.0.0.1:5433')).message).toBe(
      'base de données injoignable (ECONNREFUSED 127.0.0.1:5433 : connexion refusée) — vérifiez database.url',
    );
    expect(describeNetworkFailure('57P01')).toBe('57P01 : serveur arrêté par son administrateur');
    expect(describeNetworkFailure('EWHATEVER')).toBe('EWHATEVER');
    const unreachable = imapUnreachable({ host: 'imap.example', port: 993 }, describeNetworkFailure('ETIMEDOUT'));
    expect(unreachable.kind).toBe('transient');
    expect(unreachable.message).toContain('mailbox.imap.host, mailbox.imap.port et mailbox.imap.secure');
  });

  it('tells SMTP set-up failures (login, network) from the failure of one mail', () => {
    const at = { host: 'smtp.example', port: 587, user: 'reclamation' };
    expect(smtpSetupError({ code: 'EAUTH', responseCode: 535 }, at)?.message).toBe(
      'SMTP : authentification refusée pour l’utilisateur reclamation sur smtp.example:587 — vérifiez mailbox.smtp.user et mailbox.smtp.password',
    );
    expect(smtpSetupError({ code: 'ECONNECTION' }, at)?.code).toBe('SMTP_UNREACHABLE');
    expect(smtpSetupError({ code: 'ECONNREFUSED' }, at)?.message).toContain('(ECONNREFUSED : connexion refusée)');
    expect(smtpSetupError({ code: 'EENVELOPE', responseCode: 550 }, at)).toBeNull();
  });
});
