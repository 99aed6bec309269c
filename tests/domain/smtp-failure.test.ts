import { describe, expect, it } from 'vitest';
import { classifySmtpFailure } from '../../src/domain/smtp-failure.js';

describe('classifySmtpFailure', () => {
  it('gives up on 5xx replies and malformed messages, retries 4xx and network failures', () => {
    expect(classifySmtpFailure({ responseCode: 550, message: '5.1.1 User unknown' })).toBe('permanent');
    expect(classifySmtpFailure({ code: 'EENVELOPE', message: 'No recipients defined' })).toBe('permanent');
    expect(classifySmtpFailure({ responseCode: 451, message: '4.3.0 Try again later' })).toBe('transient');
    expect(classifySmtpFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' })).toBe('transient');
  });

  it('retries a refused SMTP login (535): the password is ours to fix, the mails are not at fault', () => {
    expect(classifySmtpFailure({ code: 'EAUTH', responseCode: 535, message: 'Invalid login: 535 5.7.8' })).toBe(
      'transient',
    );
  });
});

describe('classifySmtpFailure at the edges', () => {
  it('decides from the reply code before the error code: an envelope error with a 4xx reply waits', () => {
    expect(classifySmtpFailure({ code: 'EENVELOPE', responseCode: 452, message: '4.5.3 Too many recipients' })).toBe(
      'transient',
    );
    expect(classifySmtpFailure({ code: 'EENVELOPE', responseCode: 553, message: '5.1.3 Bad address' })).toBe(
      'permanent',
    );
    expect(classifySmtpFailure({ code: 'EMESSAGE' })).toBe('permanent');
  });

  it('takes 500 and 599 as permanent, 499 and 600 as not', () => {
    expect(classifySmtpFailure({ responseCode: 500 })).toBe('permanent');
    expect(classifySmtpFailure({ responseCode: 599 })).toBe('permanent');
    expect(classifySmtpFailure({ responseCode: 499 })).toBe('transient');
    expect(classifySmtpFailure({ responseCode: 600 })).toBe('transient');
  });

  it('retries what it does not know: no code at all, a timeout, an unknown error code', () => {
    expect(classifySmtpFailure({})).toBe('transient');
    expect(classifySmtpFailure({ code: 'ETIMEDOUT', message: 'Greeting never received' })).toBe('transient');
    expect(classifySmtpFailure({ code: 'ESOMETHINGNEW' })).toBe('transient');
  });
});
