// The digest's recurrence section: alerts of the period, each analysis with its state, whys,
// causes and actions, for the mail and the « Analyses » sheet. Literal instants, Paris time.
import { describe, expect, it } from 'vitest';
import {
  analysesSheet,
  analysesTemplateData,
  digestAnalyses,
  type DigestAnalysisFigure,
} from '../../src/domain/digest-analyses.js';
import { monthPeriod, periodRange } from '../../src/domain/period.js';
import { recurrenceConfig } from '../support/recurrence-config.js';

const config = recurrenceConfig();
const OCTOBER = periodRange(monthPeriod(2026, 10), 'Europe/Paris');
const AS_OF = new Date('2026-11-01T07:00:00Z');

const opened: DigestAnalysisFigure = {
  reference: 'ANA-2026-0002',
  typology: 'erreur-facture',
  category: 'facturation',
  threshold: 10,
  months: 6,
  windowStart: new Date('2026-04-12T08:00:00Z'),
  windowEnd: new Date('2026-10-12T08:00:00Z'),
  openedAt: new Date('2026-10-12T08:00:00Z'),
  closedAt: null,
  tickets: 12,
  whys: ['les factures partent deux fois', 'le lot est relancé'],
  causes: [],
  actions: [
    { text: 'contrôle des doublons', dueAt: new Date('2026-10-30T22:59:59.999Z') },
    { text: 'former la comptabilité', dueAt: null },
  ],
};
const closed: DigestAnalysisFigure = {
  ...opened,
  reference: 'ANA-2026-0001',
  typology: 'cotisation',
  openedAt: new Date('2026-08-03T08:00:00Z'),
  closedAt: new Date('2026-10-05T09:00:00Z'),
  tickets: 11,
  whys: ['tarif non expliqué'],
  causes: ['courrier de tarif illisible'],
  actions: [{ text: 'nouveau courrier', dueAt: new Date('2026-09-30T21:59:59.999Z') }],
};

describe('digestAnalyses', () => {
  const section = digestAnalyses(config, [opened, closed], OCTOBER, AS_OF);

  it('counts the alerts of the period and states each analysis', () => {
    expect(section.alerts).toBe(1);
    expect(section.summary).toBe('1 alerte de récurrence sur la période ; 1 analyse ouverte, 1 close.');
    expect(section.lines[0]).toMatchObject({
      reference: 'ANA-2026-0002',
      typology: 'Erreur de facturation',
      category: 'Facturation',
      openedOn: '12/10/2026',
      alert: true,
      state: 'Ouverte',
      window: 'du 12/04/2026 au 12/10/2026',
      rule: 'plus de 10 en 6 mois',
      actions: [
        { text: 'contrôle des doublons', due: '30/10/2026', overdue: true },
        { text: 'former la comptabilité', due: '', overdue: false },
      ],
    });
    // A closed analysis has no overdue action.
    expect(section.lines[1]).toMatchObject({ alert: false, state: 'Close le 05/10/2026', open: false });
    expect(section.lines[1]!.actions[0]!.overdue).toBe(false);
  });

  it('says so when there is nothing', () => {
    expect(digestAnalyses(config, [], OCTOBER, AS_OF).summary).toBe(
      'Aucune alerte de récurrence et aucune analyse des causes en cours sur la période.',
    );
  });

  it('gives the mail its text lines and the spreadsheet its sheet', () => {
    const data = analysesTemplateData(section);
    expect(data.textLines.slice(0, 4)).toEqual([
      '- ANA-2026-0002 — Erreur de facturation (Facturation) : ouverte, ouverte sur la période ; 12 réclamations du 12/04/2026 au 12/10/2026 (plus de 10 en 6 mois)',
      '  Pourquoi : 2/5 — 1. les factures partent deux fois 2. le lot est relancé',
      '  Cause : non enregistrée',
      '  Actions : contrôle des doublons (échéance 30/10/2026, dépassée) ; former la comptabilité',
    ]);
    const sheet = analysesSheet(section);
    expect(sheet.name).toBe('Analyses');
    expect(sheet.rows[1]).toEqual([
      'ANA-2026-0001',
      'Montant de la cotisation',
      'Facturation',
      '03/08/2026',
      'non',
      'Close le 05/10/2026',
      'du 12/04/2026 au 12/10/2026',
      11,
      'plus de 10 en 6 mois',
      1,
      '1. tarif non expliqué',
      'courrier de tarif illisible',
      'nouveau courrier (échéance 30/09/2026)',
    ]);
  });
});
