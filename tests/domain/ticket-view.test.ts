import { describe, expect, it } from 'vitest';
import { findPerson } from '../../src/domain/people.js';
import {
  formatSize,
  type TicketFacts,
  ticketView,
  visibleErrorText,
  visibleEventData,
} from '../../src/domain/ticket-view.js';
import { testConfig } from '../support/test-config.js';

const config = testConfig();
const doctor = findPerson(config, 'dr.martin@spst-test.fr');
const pilot = findPerson(config, 'pilote@spst-test.fr');

/** A medical complaint received Thursday 3 December 2026 at 14:05 Paris time, level 1 (10 days). */
const medical: TicketFacts = {
  reference: 'REC-2026-0042',
  status: 'received',
  channel: 'email',
  subject: 'Inaptitude de M. Marcel Secret',
  complainantEmail: 'marcel@example.test',
  complainantName: 'Marcel Secret',
  complainantPhone: null,
  category: 'medicale',
  level: 1,
  confidential: true,
  receivedAt: new Date('2026-12-03T13:05:00Z'),
  deadlineRule: '10d',
  deadlineAt: new Date('2026-12-13T22:59:59Z'),
  assigneeEmail: 'dr.martin@spst-test.fr',
};

describe('visibleEventData', () => {
  it('shows everything to someone who may see the content', () => {
    const data = { reason: 'dossier de Mme Durand', text: 'appelée' };
    expect(visibleEventData(data, true)).toBe(data);
  });

  it('keeps only dates, level and state for anyone else, masking addresses in errors', () => {
    expect(visibleEventData({ reason: 'dossier de Mme Durand' }, false)).toEqual({});
    expect(visibleEventData({ text: 'appelée ce matin' }, false)).toEqual({});
    expect(visibleEventData({ assignee: 'dr.martin@spst.fr', previous: null }, false)).toEqual({});
    expect(visibleEventData({ level: 2, deadlineRule: '15d', deadlineAt: '2026-12-08' }, false)).toEqual({
      level: 2,
      deadlineRule: '15d',
      deadlineAt: '2026-12-08',
    });
    expect(
      visibleEventData({ outboxId: 3, kind: 'ack', error: '550 5.1.1 <jean@exemple.fr>: rejected' }, false),
    ).toEqual({ kind: 'ack', error: '550 5.1.1 <<adresse>>: rejected' });
  });

  it('shows a requalification’s values only for fields that tell no content', () => {
    expect(visibleEventData({ field: 'level', from: 3, to: 1 }, false)).toEqual({ field: 'level', from: 3, to: 1 });
    expect(visibleEventData({ field: 'typology', from: null, to: 'avis-aptitude' }, false)).toEqual({
      field: 'typology',
    });
    expect(visibleEventData({ field: 'requester', from: 'adherent', to: 'salarie' }, false)).toEqual({
      field: 'requester',
    });
  });

  it('masks addresses of server texts for someone who may not see the content', () => {
    expect(visibleErrorText('550 <a@b.fr> unknown', false)).toBe('550 <<adresse>> unknown');
    expect(visibleErrorText('550 <a@b.fr> unknown', true)).toBe('550 <a@b.fr> unknown');
  });
});

describe('ticketView', () => {
  it('gives a doctor the whole medical ticket, in French', () => {
    const view = ticketView(medical, doctor, config, {
      summary: 'Mon dossier mentionne une inaptitude.',
      attachments: [{ filename: 'avis.pdf', size: 1_234_567 }],
    });
    expect(view).toMatchObject({
      reference: 'REC-2026-0042',
      visible: true,
      confidential: true,
      receivedAt: 'jeudi 3 décembre 2026 à 14 h 05',
      level: 1,
      levelLabel: "Impact sur l'organisation et le service rendu",
      deadline: {
        short: 'dimanche 13 décembre 2026',
        sentence: expect.stringMatching(/^au plus tard le dimanche 13 décembre 2026 — niveau 1 \(Impact/),
      },
      categoryLabel: 'Médicale',
      assignee: 'Dr Martin',
      complainant: { name: 'Marcel Secret', email: 'marcel@example.test', phone: '', company: '' },
      subject: 'Inaptitude de M. Marcel Secret',
      summary: 'Mon dossier mentionne une inaptitude.',
      attachments: [{ filename: 'avis.pdf', size: '1,2 Mo' }],
    });
  });

  it('keeps only reference, dates, level and state of a medical ticket for anyone else', () => {
    for (const viewer of [pilot, undefined]) {
      const view = ticketView(medical, viewer, config, {
        summary: 'Mon dossier mentionne une inaptitude.',
        attachments: [{ filename: 'avis-Marcel.pdf', size: 10 }],
      });
      expect(view.visible).toBe(false);
      expect(Object.keys(view).sort()).toEqual(
        [
          'assignee',
          'categoryLabel',
          'channelLabel',
          'confidential',
          'deadline',
          'level',
          'levelLabel',
          'receivedAt',
          'reference',
          'status',
          'statusLabel',
          'visible',
        ].sort(),
      );
      expect(JSON.stringify(view)).not.toMatch(/Marcel|marcel|inaptitude/);
    }
  });

  it('falls back where the configuration no longer knows the ticket’s values', () => {
    const view = ticketView(
      {
        ...medical,
        confidential: false,
        category: null,
        level: 9,
        deadlineRule: 'whenever',
        assigneeEmail: 'parti@spst-test.fr',
      },
      undefined,
      config,
    );
    expect(view).toMatchObject({
      visible: true,
      categoryLabel: 'à qualifier',
      levelLabel: '',
      // A rule that no longer parses: the date alone.
      deadline: { sentence: 'dimanche 13 décembre 2026', short: 'dimanche 13 décembre 2026' },
      assignee: 'parti@spst-test.fr',
      summary: '',
      attachments: [],
    });
    expect(ticketView({ ...medical, assigneeEmail: null }, doctor, config).assignee).toBe('');
  });
});

describe('formatSize', () => {
  it('writes bytes, kilo-octets and mega-octets the French way', () => {
    expect(formatSize(0)).toBe('0 o');
    expect(formatSize(1023)).toBe('1023 o');
    expect(formatSize(1024)).toBe('1 Ko');
    expect(formatSize(1024 * 1024 - 1)).toBe('1024 Ko');
    expect(formatSize(1024 * 1024)).toBe('1,0 Mo');
    expect(formatSize(1_234_567)).toBe('1,2 Mo');
  });
});
