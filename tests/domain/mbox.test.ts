import { describe, expect, it } from 'vitest';
import { isMbox, splitMbox } from '../../src/domain/mbox.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const mail = (n: number, body: string, eol = '\n'): string =>
  [`From: jean${n}@exemple.fr`, `Subject: message ${n}`, `Message-ID: <m${n}@exemple.fr>`, '', body, ''].join(eol);

describe('splitMbox', () => {
  it('splits at every envelope line after a blank line, dropping the envelope line and the separator', () => {
    const file = [
      'From jean1@exemple.fr Mon Mar  2 10:00:00 2026',
      mail(1, 'Premier.'),
      'From - Tue Mar  3 10:00:00 2026',
      mail(2, 'Deuxième.'),
      'From MAILER-DAEMON Wed Mar  4 10:00:00 2026',
      mail(3, 'Troisième.'),
    ].join('\n');
    const messages = splitMbox(Buffer.from(file)).map(text);
    expect(messages).toEqual([mail(1, 'Premier.'), mail(2, 'Deuxième.'), mail(3, 'Troisième.')]);
  });

  it('reads CRLF files too', () => {
    const file = [
      'From a@x Mon Mar  2 10:00:00 2026',
      mail(1, 'Un.', '\r\n'),
      'From b@x Mon Mar  2 10:00:00 2026',
      mail(2, 'Deux.', '\r\n'),
    ].join('\r\n');
    expect(splitMbox(Buffer.from(file)).map(text)).toEqual([mail(1, 'Un.', '\r\n'), mail(2, 'Deux.', '\r\n')]);
  });

  it('unquotes >From lines one level (mboxo and mboxrd), and only at a line start', () => {
    const body = [
      'Bonjour,',
      '',
      '>From the start, nothing worked.',
      '>>From mboxrd: one level kept.',
      'See >From here.',
      '> quoted reply stays',
    ].join('\n');
    const [message] = splitMbox(Buffer.from(`From a@x Mon Mar  2 10:00:00 2026\n${mail(1, body)}`));
    expect(text(message!)).toBe(
      mail(
        1,
        [
          'Bonjour,',
          '',
          'From the start, nothing worked.',
          '>From mboxrd: one level kept.',
          'See >From here.',
          '> quoted reply stays',
        ].join('\n'),
      ),
    );
  });

  it('keeps a "From " line of the body that is not followed by headers, or that follows no blank line', () => {
    const body = [
      'Bonjour,',
      '',
      'From what I saw, the doctor never came.',
      'Merci.',
      'From: this line follows no blank line',
    ].join('\n');
    const messages = splitMbox(Buffer.from(`From a@x Mon Mar  2 10:00:00 2026\n${mail(1, body)}`));
    expect(messages.map(text)).toEqual([mail(1, body)]);
  });

  it('returns the view itself when nothing needs unquoting (no copy of a large message)', () => {
    const bytes = Buffer.from(`From a@x Mon Mar  2 10:00:00 2026\n${mail(1, 'x'.repeat(1000))}`);
    const [message] = splitMbox(bytes);
    expect(message!.buffer).toBe(bytes.buffer);
  });

  it('isMbox: an envelope line followed by a header line; a plain .eml or a body is not an mbox', () => {
    expect(isMbox(Buffer.from(`From a@x Mon Mar  2 10:00:00 2026\n${mail(1, 'x')}`))).toBe(true);
    expect(isMbox(Buffer.from(mail(1, 'x')))).toBe(false);
    expect(isMbox(Buffer.from('From here on, nothing worked.\nReally.\n'))).toBe(false);
    expect(splitMbox(Buffer.from(mail(1, 'x')))).toEqual([]);
  });
});
