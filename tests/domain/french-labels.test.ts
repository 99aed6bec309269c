// The French words of stored values, shared by staff mails, the CLI and the digest.
import { describe, expect, it } from 'vitest';
import { CHANNELS, REQUESTER_TYPES } from '../../src/domain/ticket.js';
import {
  capitalized,
  categoryLabel,
  CHANNEL_LABELS,
  channelLabel,
  levelLabel,
  REQUESTER_LABELS,
  requesterLabel,
  statusLabel,
} from '../../src/domain/french-labels.js';
import { testConfig } from '../support/test-config.js';

describe('French labels', () => {
  it('names every state, the long form in sentences and the short one in table columns', () => {
    const states = ['received', 'in_progress', 'answered', 'verifying', 'closed', 'rejected'];
    expect(states.map((s) => statusLabel(s))).toEqual([
      'reçue',
      'en cours',
      'répondue',
      'vérification d’efficacité',
      'clôturée',
      'non recevable',
    ]);
    expect(statusLabel('verifying', 'short')).toBe('vérification');
    expect(statusLabel('closed', 'short')).toBe('clôturée');
    expect(statusLabel('archived')).toBe('archived');
  });

  it('names every channel and requester type the configuration accepts', () => {
    expect(Object.keys(CHANNEL_LABELS)).toEqual([...CHANNELS]);
    expect(Object.keys(REQUESTER_LABELS)).toEqual([...REQUESTER_TYPES]);
    expect([channelLabel('lrar'), channelLabel('fax')]).toEqual(['lettre recommandée', 'fax']);
    expect([requesterLabel('salarie'), requesterLabel('autre')]).toEqual(['salarié suivi', 'autre']);
  });

  it('names levels and categories, and what is missing', () => {
    const config = testConfig();
    expect([levelLabel(2), levelLabel(null)]).toEqual(['niveau 2', 'sans niveau']);
    expect([categoryLabel(config, 'medicale'), categoryLabel(config, 'retiree'), categoryLabel(config, null)]).toEqual([
      'Médicale',
      'retiree',
      'à qualifier',
    ]);
    expect([capitalized('à qualifier'), capitalized('en présentiel'), capitalized('')]).toEqual([
      'À qualifier',
      'En présentiel',
      '',
    ]);
  });
});
