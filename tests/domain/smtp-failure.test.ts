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
