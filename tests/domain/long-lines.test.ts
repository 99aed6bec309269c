// Long hostile lines in mail text (a run of 200 000 blanks, dashes, dots…): every text function a
// mail reaches returns, with the result it gives on short input. Each case used an expression that
// V8 runs in quadratic time (`/\s+$/`, `\s*\*?\s*`, `-{3,}.*`, `[^@…]+@` without an anchor):
// on these inputs the old code did not return within the test timeout (minutes to hours).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../../src/adapters/template-renderer.js';
import { parseForwarded } from '../../src/domain/forwarded-mail.js';
import { classifyInbound } from '../../src/domain/inbound-classification.js';
import type { InboundMail } from '../../src/domain/inbound-mail.js';
import { maskAddresses } from '../../src/domain/personal-data.js';
import {
  CUT_MARK,
  extractNewText,
  htmlToText,
  NEW_TEXT_MAX_CHARS,
  readHeaderBlock,
} from '../../src/domain/reply-text.js';
import { parseCommandBlock, parseNameAddress } from '../../src/domain/staff-command.js';
import { withoutTrailing } from '../../src/domain/trailing-characters.js';
import { TEMPLATES_DIR } from '../../src/paths.js';

const N = 200_000;
const blanks = ' '.repeat(N);

describe('withoutTrailing', () => {
  it('is `replace(/[set]+$/, "")`, with white space when asked', () => {
    const unit = fc.constantFrom('a', ' ', '\t', '\n', '\u00a0', ',', ';', '.', '–', 'é', '-');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (text) => {
        expect(withoutTrailing(text, ',;.')).toBe(text.replace(/[,;.]+$/, ''));
        expect(withoutTrailing(text, ',;:.–—-', { whitespace: true })).toBe(text.replace(/[\s,;:.–—-]+$/, ''));
        expect(withoutTrailing(text, '', { whitespace: true })).toBe(text.trimEnd());
      }),
      { seed: 20261202, numRuns: 2000 },
    );
  });

  it('returns on a long run that does not reach the end', () => {
    expect(withoutTrailing(`a${blanks}a${blanks}`, ' ')).toBe(`a${blanks}a`);
  });
});

describe('extractNewText and htmlToText on long lines', () => {
  // Through an HTML-only mail: its <pre> text reaches every step of extractNewText, and HTML is
  // read up to 1 000 000 characters (plain text is cut at NEW_TEXT_MAX_CHARS, tested below).
  const viaHtml = (text: string) => extractNewText({ text: '', html: `<pre>${text}</pre>` });

  it('keeps a line with a long run of blanks inside it (trailing blanks: /\\s+$/)', () => {
    const text = `Bonjour${blanks}fin`;
    expect(viaHtml(text).text).toBe(text);
    expect(htmlToText(`<pre>${text}${blanks}</pre>`, { dropQuotes: true }).text).toBe(text);
  });

  it('reads a line that starts with a long run of blanks (header lines: \\s*\\*?\\s*)', () => {
    expect(viaHtml(`${blanks}x`).text.trim()).toBe('x');
    expect(viaHtml(`Bonjour\nDe${blanks}x`).text).toBe(`Bonjour\nDe${blanks}x`);
    expect(readHeaderBlock([`${blanks}De${blanks}: x`], 0)).toBeNull();
  });

  it('reads a line of dashes (forward intro: -{3,}.*) and a separator lookalike with trailing blanks', () => {
    expect(viaHtml(`${'-'.repeat(N)}a`).text).toBe(`${'-'.repeat(N)}a`);
    const lookalike = `Bonjour\n-- Original Message${blanks}x`;
    expect(viaHtml(lookalike).text).toBe(lookalike);
  });

  it('reads 60 000 rule lines (each starts a paragraph: footers were scanned from each)', () => {
    const result = viaHtml(`Bonjour,\nle médecin est absent.\n${'--\n'.repeat(60_000)}fin`);
    expect(result.core).toBe('Bonjour,\nle médecin est absent.');
  });

  it('converts a quote-header lookalike div with a long run of blanks', () => {
    // 500 000: the old expression took 42 s on 200 000 blanks here (quadratic: minutes on this)
    const html = `<p>Bonjour</p><div style="border-top:solid #E1E1E1 1.0pt">${' '.repeat(500_000)}x</div>`;
    expect(htmlToText(html, { dropQuotes: true }).text).toBe('Bonjour\n\nx');
  });

  it('reads the first NEW_TEXT_MAX_CHARS characters of a 3 MB one-line body, and says it was cut', () => {
    const line = 'réclamation médecin retard '.repeat(120_000);
    const result = extractNewText({ text: `Bonjour,\n${line}\nfin`, html: null });
    expect(result.text.length).toBeLessThanOrEqual(NEW_TEXT_MAX_CHARS + 2 + CUT_MARK.length);
    expect(result.text.startsWith('Bonjour,\nréclamation médecin retard')).toBe(true);
    expect(result.text.endsWith(`\n\n${CUT_MARK}`)).toBe(true);
    expect(result.core.endsWith(CUT_MARK)).toBe(true);
    // a mail under the limit is read whole, without the mark
    expect(extractNewText({ text: 'Bonjour,\nle médecin est absent.', html: null }).text).not.toContain(CUT_MARK);
  });
});

describe('staff commands, forwards and addresses on long lines', () => {
  it('parses a command line with a long tail of blanks or punctuation', () => {
    expect(parseCommandBlock(`#clore${blanks}x`).commands.map((c) => c.name)).toEqual(['clore']);
    expect(parseCommandBlock(`#clore${blanks}`).commands).toEqual([{ name: 'clore', args: '', line: '#clore' }]);
    expect(parseCommandBlock(`#c${'.'.repeat(N)}x`).unknown).toHaveLength(1);
  });

  it('finds no address in a long word, and the address after it', () => {
    expect(parseNameAddress('a'.repeat(N))).toBeNull();
    expect(parseNameAddress(`${'a'.repeat(N)} jean@exemple.fr`)).toEqual({
      name: 'a'.repeat(N),
      address: 'jean@exemple.fr',
    });
  });

  it('reads no forward in a long line of blanks', () => {
    expect(parseForwarded(`a${blanks}a\nb`, null)).toBeNull();
  });

  it('masks addresses next to long runs, and a long run holding an @ whole (fail safe)', () => {
    expect(maskAddresses('a'.repeat(N))).toBe('a'.repeat(N));
    expect(maskAddresses(`${'a'.repeat(N)} jean@exemple.fr`)).toBe(`${'a'.repeat(N)} <adresse>`);
    expect(maskAddresses(`refusé : ${'@'.repeat(N)}`)).toBe('refusé : <adresse>');
    expect(maskAddresses('<jean.dupont@exemple.fr>: 550 user unknown')).toBe('<<adresse>>: 550 user unknown');
  });

  it('reads the failed recipient of a bounce whose X-Failed-Recipients is a long word', () => {
    const bounce = (value: string): InboundMail => ({
      messageId: 'b@mx.exemple.fr',
      hasOwnMessageId: true,
      inReplyTo: [],
      references: [],
      from: { address: 'postmaster@mx.exemple.fr', name: '' },
      to: [],
      cc: [],
      replyTo: [],
      subject: 'Undelivered',
      date: null,
      headers: new Map([['x-failed-recipients', [value]]]),
      headerFields: [],
      returnPath: '',
      contentType: 'text/plain',
      text: '',
      html: null,
      attachments: [],
      rawSha256: '0',
    });
    const context = {
      mailboxAddress: 'reclamation@spst.fr',
      ownMessageIdDomain: 'spst.fr',
      ticketPrefix: 'REC',
      ticketByMessageId: new Map(),
      participantsByTicket: new Map(),
    };
    expect(classifyInbound(bounce('x'.repeat(N)), context)).toMatchObject({ kind: 'bounce', failedRecipient: null });
    expect(classifyInbound(bounce(`${'x'.repeat(N)} Jean@Exemple.fr.`), context)).toMatchObject({
      failedRecipient: 'jean@exemple.fr',
    });
  });
});

describe('template rendering of long lines', () => {
  it('tidies a plain-text part holding a long run of blanks inside a line', () => {
    const renderer = createTemplateRenderer({ templatesDir: TEMPLATES_DIR });
    const mail = renderer.render('follow-up-forward', {
      organisation: { name: 'SPST' },
      reference: 'REC-2026-0042',
      recipientName: 'Paule Pilote',
      confidential: false,
      complainant: { name: 'Jean', email: 'jean@exemple.fr' },
      originalSubject: 'Relance',
      receivedAt: 'lundi 2 mars 2026 à 10 h',
      text: `Bonjour${blanks}fin${blanks}`,
      attachments: [],
      ticketUrl: undefined,
    });
    expect(mail.text).toContain(`Bonjour${blanks}fin\n`);
  });
});
