// The recurrence analysis mail (template `analysis`) in its three modes: wording, the masked
// medical tickets, escaping of what staff wrote, and the strict data contract.
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../../src/adapters/template-renderer.js';
import { ANALYSIS_COMMAND_HELP } from '../../src/domain/analysis.js';
import { TEMPLATES_DIR } from '../../src/paths.js';

const renderer = createTemplateRenderer({ templatesDir: TEMPLATES_DIR });

const view = {
  reference: 'ANA-2026-0003',
  typology: 'erreur-facture',
  typologyLabel: 'Erreur de facturation',
  categoryLabel: 'Facturation',
  open: true,
  statusLabel: 'ouverte',
  openedAt: 'jeudi 5 novembre 2026 à 9 h 00',
  closedAt: '',
  threshold: 10,
  months: 6,
  window: 'du mercredi 6 mai 2026 au jeudi 5 novembre 2026',
  ticketCount: 2,
  tickets: [
    { reference: 'SMIN-2026-0101', receivedOn: 'mercredi 6 mai 2026', line: 'Facture en double', visible: true },
    {
      reference: 'SMIN-2026-0140',
      receivedOn: 'jeudi 5 novembre 2026',
      line: 'Confidentiel (réservé aux médecins)',
      visible: false,
    },
  ],
  hiddenTickets: 1,
  whys: [{ number: 1, text: 'les factures partent deux fois <script>alert(1)</script>' }],
  causes: [],
  actions: [{ text: 'contrôle avant envoi', due: 'vendredi 15 janvier 2027', overdue: false }],
  missing: ['la cause racine (#cause)'],
};

const base = {
  organisation: { name: 'SMIN' },
  recipientName: 'Valérie Dubois',
  replyMarker: '––– Répondez au-dessus de cette ligne –––',
  role: 'pilot',
  view,
  results: [],
  unknown: [],
  overdueActions: [],
  showTickets: true,
  showHelp: true,
  headline: '',
  commands: ANALYSIS_COMMAND_HELP,
};

describe('analysis mail', () => {
  it('opens with the typology, the window, the tickets and the commands', () => {
    const mail = renderer.render('analysis', { ...base, mode: 'opened' });
    expect(mail.subject).toBe(
      '[ANA-2026-0003] Récurrence : 2 réclamations « Erreur de facturation » en 6 mois — analyse des 5 pourquoi',
    );
    expect(mail.text).toContain('plus de 10 en 6 mois');
    expect(mail.text).toContain('- SMIN-2026-0101 — mercredi 6 mai 2026 — Facture en double');
    expect(mail.text).toContain('- SMIN-2026-0140 — jeudi 5 novembre 2026 — Confidentiel (réservé aux médecins)');
    expect(mail.text).toContain('1. les factures partent deux fois');
    expect(mail.text).toContain('- contrôle avant envoi — échéance : vendredi 15 janvier 2027');
    expect(mail.text).toContain('#action <texte> [JJ/MM/AAAA]');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
  });

  it('answers commands with their results and the state', () => {
    const mail = renderer.render('analysis', {
      ...base,
      mode: 'result',
      headline: '1 commande appliquée',
      showTickets: false,
      showHelp: false,
      results: [{ line: '#cause envoi manuel', ok: true, message: 'cause racine enregistrée' }],
      unknown: [{ line: '#prendre', message: 'commande de réclamation' }],
    });
    expect(mail.subject).toBe('[ANA-2026-0003] Analyse « Erreur de facturation » — 1 commande appliquée');
    expect(mail.text).toContain('✔ #cause envoi manuel — cause racine enregistrée');
    expect(mail.text).toContain('✘ #prendre — commande de réclamation');
    expect(mail.text).not.toContain('SMIN-2026-0101');
  });

  it('reminds with what is missing and the overdue actions', () => {
    const mail = renderer.render('analysis', {
      ...base,
      mode: 'reminder',
      showTickets: false,
      overdueActions: [{ text: 'contrôle avant envoi', due: 'lundi 2 novembre 2026', overdue: true }],
    });
    expect(mail.subject).toBe('[ANA-2026-0003] Rappel : analyse de récurrence « Erreur de facturation » à compléter');
    expect(mail.text).toContain('il y manque encore :\n- la cause racine (#cause)');
    expect(mail.text).toContain('- contrôle avant envoi (échéance : lundi 2 novembre 2026)');
  });

  it('refuses data without a field the template reads', () => {
    const { view: _view, ...withoutView } = base;
    expect(() => renderer.render('analysis', { ...withoutView, mode: 'opened' })).toThrow();
  });
});
