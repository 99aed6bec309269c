// The follow-through's reminder mail: one block per ticket with all that is due on it, the
// ticket's own reply address, no content of a medical ticket shown to a non-doctor, and a layout
// that fits a 390 px phone screen.
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../../src/adapters/template-renderer.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import { findAll, minContentWidth, parseHtml, type HtmlNode } from '../support/html-width.js';

const renderer = createTemplateRenderer({ templatesDir: TEMPLATES_DIR });
const address = (n: number) => `reclamation+t${n}x2s3abcdef0123456789@simup.example`;
const line = (n: number, subject: string, whats: string[], masked = false) => ({
  reference: `SIMUP-2026-000${n}`,
  whats,
  deadline: 'jeudi 19 novembre 2026',
  subject,
  masked,
  command: '#prendre ou #repondre',
  replyAddress: address(n),
  mailto: `mailto:${address(n)}?subject=%5BSIMUP-2026-000${n}%5D%20suivi&body=%23prendre%0A`,
});
const data = (escalation: boolean) => ({
  organisation: { name: "SIM'UP" },
  recipientName: 'Hélène Garnier',
  total: 2,
  plural: true,
  escalation,
  at: 'mardi 1er décembre 2026 à 10 h 00',
  lines: [
    line(1, 'Convocation reçue <b>urgent</b>', [
      'à prendre en charge : personne ne s’en est chargé',
      'échéance dépassée le jeudi 19 novembre 2026 : la réponse n’a pas été envoyée',
    ]),
    line(6, '', ['toujours sans responsable : à attribuer'], true),
  ],
});

describe('the reminder mail', () => {
  it('lists each ticket once with its steps and its own reply address', () => {
    const mail = renderer.render('reminders', data(false));
    expect(mail.subject).toBe('Suivi des réclamations : 2 points à traiter');
    expect(mail.text).toContain(
      '- SIMUP-2026-0001 « Convocation reçue <b>urgent</b> »\n' +
        '  à prendre en charge : personne ne s’en est chargé\n' +
        '  échéance dépassée le jeudi 19 novembre 2026 : la réponse n’a pas été envoyée\n' +
        '  Échéance de réponse : jeudi 19 novembre 2026\n' +
        `  Pour agir : écrivez à ${address(1)} avec #prendre ou #repondre`,
    );
    expect(mail.text).toContain('- SIMUP-2026-0006 (réclamation médicale : contenu réservé aux médecins)\n');
    // The subject is the complainant's: escaped in HTML.
    expect(mail.html).toContain('&lt;b&gt;urgent&lt;/b&gt;');
    expect(mail.html).toContain(
      `href="mailto:${address(6)}?subject&#x3D;%5BSIMUP-2026-0006%5D%20suivi&amp;body&#x3D;%23prendre%0A"`,
    );
  });

  it('says when it is an escalation to the direction', () => {
    const mail = renderer.render('reminders', data(true));
    expect(mail.subject).toBe('Signalement à la direction : 2 points de suivi en retard');
    expect(mail.text).toContain('la procédure demande à la direction de prendre les mesures nécessaires');
  });

  it('counts the tickets it does not list', () => {
    const mail = renderer.render('reminders', { ...data(false), total: 103, more: 101 });
    expect(mail.subject).toBe('Suivi des réclamations : 103 points à traiter');
    expect(mail.text).toContain('… et 101 autres réclamations aux échéances plus lointaines');
    expect(mail.html).toContain('… et 101 autres réclamations');
    expect(renderer.render('reminders', data(false)).text).not.toContain('autres réclamations');
  });

  it('fits a 390 px screen', () => {
    const page = parseHtml(renderer.render('reminders', data(true)).html);
    const frame = findAll(page, (n) => n.tag === 'body')[0]!.children.find(
      (c): c is HtmlNode => typeof c !== 'string' && c.tag === 'table',
    )!;
    expect(minContentWidth(frame)).toBeLessThanOrEqual(390);
  });
});
