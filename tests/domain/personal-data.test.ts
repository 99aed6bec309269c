import { describe, expect, it } from 'vitest';
import {
  ADDRESS_REMOVED,
  ANONYMISED,
  anonymisedEventData,
  maskAddress,
  maskAddressInJson,
  maskAddresses,
  mentionsAddress,
  personAddress,
  rawMessageId,
  safeFileName,
} from '../../src/domain/personal-data.js';

describe('maskAddresses', () => {
  it('masks addresses in SMTP replies and keeps the rest', () => {
    expect(maskAddresses('550 5.1.1 <jean.dupont@exemple.fr>: Recipient address rejected')).toBe(
      '550 5.1.1 <<adresse>>: Recipient address rejected',
    );
    expect(maskAddresses('to Élise.Martin+rec@sous.domaine.example, and x@y.fr')).toBe('to <adresse>, and <adresse>');
    expect(maskAddresses('451 4.3.0 try later')).toBe('451 4.3.0 try later');
  });
});

describe('anonymisation (RGPD)', () => {
  const address = 'anne.martin@example.test';

  it('recognises one address, in any case, and nothing else', () => {
    expect(personAddress('  Anne.Martin@Example.TEST ')).toBe(address);
    expect(personAddress('Anne <anne@example.test>')).toBeNull();
    expect(personAddress('anne@')).toBeNull();
    expect(personAddress('a@b.c')).toBeNull();
  });

  it('masks an address in any case, its dots taken literally', () => {
    expect(maskAddress('Écrire à ANNE.Martin@example.test ou anne.martin@example.test', address)).toBe(
      `Écrire à ${ADDRESS_REMOVED} ou ${ADDRESS_REMOVED}`,
    );
    expect(maskAddress('anneXmartin@exampleXtest', address)).toBe('anneXmartin@exampleXtest');
    expect(mentionsAddress('cc: Anne.Martin@example.test', address)).toBe(true);
    expect(maskAddressInJson({ to: [address], [address]: 1, n: 2 }, address)).toEqual({
      to: [ADDRESS_REMOVED],
      [ADDRESS_REMOVED]: 1,
      n: 2,
    });
  });

  it('keeps the codes an event carries and replaces its free texts', () => {
    expect(anonymisedEventData({ text: 'Mme Martin a rappelé', via: 'mail' }, address)).toEqual({
      text: ANONYMISED,
      via: 'mail',
    });
    expect(
      anonymisedEventData(
        { field: 'category', from: 'generale', to: 'medicale', effective: true, round: 2, command: 'note' },
        address,
      ),
    ).toEqual({ field: 'category', from: 'generale', to: 'medicale', effective: true, round: 2, command: 'note' });
    expect(
      anonymisedEventData(
        { claimedSender: address, args: ['texte'], qualification: { evidence: ['badge'] }, to: [address, 'a@spst.fr'] },
        address,
      ),
    ).toEqual({
      claimedSender: ANONYMISED,
      args: ANONYMISED,
      qualification: ANONYMISED,
      to: [ADDRESS_REMOVED, 'a@spst.fr'],
    });
  });

  it('reads the Message-ID of a raw mail, folded or not', () => {
    const raw = (head: string) => new Uint8Array(Buffer.from(`${head}\r\n\r\nMessage-ID: <in-body@x>\r\n`));
    expect(rawMessageId(raw('From: a@b.fr\r\nMessage-ID: <abc.1@exemple.fr>'))).toBe('abc.1@exemple.fr');
    expect(rawMessageId(raw('Subject: x\r\nMessage-Id:\r\n <folded@exemple.fr>'))).toBe('folded@exemple.fr');
    expect(rawMessageId(raw('Subject: none'))).toBeNull();
  });

  it('turns a hostile attachment name into a plain file name', () => {
    expect(safeFileName('../../etc/passwd', 'x')).toBe('_.._etc_passwd');
    expect(safeFileName('.bashrc', 'x')).toBe('bashrc');
    expect(safeFileName('ordonnance\u0000.pdf', 'x')).toBe('ordonnance_.pdf');
    expect(safeFileName('///', 'piece-jointe')).toBe('piece-jointe');
    expect(safeFileName('é'.repeat(300), 'x')).toHaveLength(100);
  });
});
