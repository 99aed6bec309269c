import { describe, expect, it } from 'vitest';
import { visibleErrorText, visibleEventData } from '../../src/domain/ticket-view.js';

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
