import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractNewText } from '../../src/domain/reply-text.js';
import {
  COMMAND_HELP,
  COMMANDS,
  commandKeyword,
  parseCommandBlock,
  parseFrenchDate,
  parseNameAddress,
  type CommandName,
} from '../../src/domain/staff-command.js';

const fixtureDir = path.resolve(import.meta.dirname, '../fixtures/replies');

/** The new text of a fixture reply, as the command service will read it. */
function newTextOf(name: string): string {
  const content = readFileSync(path.join(fixtureDir, name), 'utf8');
  return extractNewText(name.endsWith('.html') ? { text: '', html: content } : { text: content, html: null }).text;
}

const names = (text: string): [CommandName, string][] =>
  parseCommandBlock(text).commands.map((command) => [command.name, command.args]);

describe('parseCommandBlock on replies from the usual clients', () => {
  it.each([
    [
      'outlook-desktop-fr.txt',
      [
        ['prendre', ''],
        ['niveau', '2'],
      ],
    ],
    [
      'outlook-desktop-fr.html',
      [
        ['repondre', ''],
        ['clore', ''],
      ],
    ],
    [
      'outlook-web-fr.html',
      [
        ['note', "rappelée ce matin, elle confirme l'attente"],
        ['action', 'réorganiser les convocations du lundi'],
      ],
    ],
    [
      'outlook-web-en.txt',
      [
        ['assigner', 'marie.durand@spst-vdl.fr'],
        ['categorie', 'accueil'],
      ],
    ],
    ['outlook-message-d-origine.txt', [['irrecevable', 'demande de devis, pas une réclamation']]],
    ['outlook-mobile-fr.txt', [['prendre', '']]],
    [
      'gmail-fr.txt',
      [
        ['typologie', 'attente-accueil'],
        ['echeance', '15/12/2026 revoir le planning du lundi'],
      ],
    ],
    ['gmail-fr.html', [['repondre', '']]],
    ['gmail-en.txt', [['statut', '']]],
    [
      'gmail-en.html',
      [
        ['niveau', '3'],
        ['note', 'the employer threatens to leave the service'],
      ],
    ],
    [
      'apple-mail-fr.html',
      [
        ['efficace', ''],
        ['clore', ''],
      ],
    ],
    [
      'apple-mail-fr.txt',
      [
        ['efficace', ''],
        ['clore', ''],
      ],
    ],
    [
      'thunderbird-fr.txt',
      [
        ['cause', "planning des convocations non mis à jour après l'absence d'une assistante"],
        ['pourquoi', "l'absence n'a pas été signalée au secrétariat"],
      ],
    ],
    [
      'thunderbird-fr.html',
      [
        ['rouvrir', ''],
        ['note', "le réclamant signale que l'attente a repris"],
      ],
    ],
    ['iphone-fr.txt', [['prendre', '']]],
  ] as const)('%s', (name, expected) => {
    const block = parseCommandBlock(newTextOf(name));
    expect(block.commands.map((command) => [command.name, command.args])).toEqual(expected);
    expect(block.unknown).toEqual([]);
  });

  it('#repondre from Outlook (HTML): the body keeps the sign-off, not the disclaimer nor the quoted notification', () => {
    const block = parseCommandBlock(newTextOf('outlook-desktop-fr.html'));
    expect(block.body).toBe(
      [
        'Bonjour Madame Garnier,',
        '',
        'Nous avons revu l’organisation de l’accueil & des convocations du centre de Tours\u00a0: l’attente ne devrait plus dépasser vingt minutes.',
        '',
        'Cordialement,',
        '',
        'Dr Claire Martin',
        'Médecin du travail – Centre de Tours',
        'Tél. : 02 47 00 00 00',
      ].join('\n'),
    );
    expect(block.body).not.toMatch(/confidentiels|De\s*:|Nouvelle réclamation/);
  });

  it('#repondre from Gmail (HTML): the body is the response with its sign-off', () => {
    expect(parseCommandBlock(newTextOf('gmail-fr.html')).body).toBe(
      'Bonjour Madame Garnier,\n\nVotre rendez-vous est déplacé au jeudi 3 décembre à 9 h.\n\nBien cordialement,\nHélène Petit\n\nCentre de Tours – 12 rue Nationale',
    );
  });

  it('the core text gives the same commands without the signature in the body', () => {
    const core = extractNewText({
      text: readFileSync(path.join(fixtureDir, 'outlook-desktop-fr.txt'), 'utf8'),
      html: null,
    }).core;
    const block = parseCommandBlock(core);
    expect(names(core)).toEqual([
      ['prendre', ''],
      ['niveau', '2'],
    ]);
    expect(block.body).not.toContain('Cordialement');
  });
});

describe('keywords', () => {
  it('accepts every keyword and alias, accents and case ignored', () => {
    const aliases: Record<CommandName, string[]> = {
      prendre: ['prendre', 'take', 'PRENDRE', 'Take'],
      assigner: ['assigner', 'assign', 'attribuer'],
      categorie: ['categorie', 'catégorie', 'category', 'CATÉGORIE'],
      niveau: ['niveau', 'level', 'priorite', 'priorité'],
      demandeur: ['demandeur', 'requester'],
      canal: ['canal', 'channel'],
      typologie: ['typologie', 'typology', 'type'],
      irrecevable: ['irrecevable', 'nonrecevable', 'non-recevable', 'NON_RECEVABLE', 'reject'],
      repondre: ['repondre', 'répondre', 'reponse', 'réponse', 'reply', 'answer', 'Répondre'],
      lrar: ['lrar', 'recommande', 'recommandé', 'LRAR'],
      note: ['note'],
      action: ['action'],
      cause: ['cause'],
      pourquoi: ['pourquoi', 'why'],
      echeance: ['echeance', 'échéance', 'deadline', 'Échéance'],
      efficace: ['efficace', 'effective'],
      inefficace: ['inefficace', 'ineffective', 'noneffective', 'non-effective'],
      clore: ['clore', 'cloturer', 'clôturer', 'fermer', 'close', 'Clôturer', 'CLORE'],
      rouvrir: ['rouvrir', 'reouvrir', 'réouvrir', 'reopen'],
      informer: ['informer', 'inform', 'update', 'Informer'],
      statut: ['statut', 'status', 'etat', 'état'],
      aide: ['aide', 'help', 'commandes'],
      nouvelle: ['nouvelle', 'nouveau', 'new'],
      de: ['de', 'from'],
      tel: ['tel', 'tél', 'telephone', 'téléphone', 'phone'],
      entreprise: ['entreprise', 'company', 'societe', 'société'],
    };
    expect(Object.keys(aliases).sort()).toEqual([...COMMANDS].sort());
    for (const [name, words] of Object.entries(aliases)) {
      for (const word of words) {
        expect(commandKeyword(word), word).toBe(name);
        expect(parseCommandBlock(`#${word}`).commands[0]?.name, `#${word}`).toBe(name);
      }
    }
  });

  it('commandKeyword takes "#", trailing ":" and white space; null for anything else', () => {
    expect(commandKeyword('#Clôturer:')).toBe('clore');
    expect(commandKeyword('  ##clore ')).toBe('clore');
    expect(commandKeyword('clor')).toBeNull();
    expect(commandKeyword('')).toBeNull();
  });

  it('reads ##clore, #clore:, #clore., # clore (space after #) and #CLORE as commands', () => {
    for (const line of ['##clore', '#clore:', '#clore.', '# clore', '#  Clôturer', '#CLORE', '   #clore']) {
      expect(names(line), line).toEqual([['clore', '']]);
    }
  });

  it('takes the arguments after the keyword, with an optional colon', () => {
    expect(names('#niveau: 2')).toEqual([['niveau', '2']]);
    expect(names('#niveau : 2')).toEqual([['niveau', '2']]);
    expect(names('#assigner    Marie Durand   ')).toEqual([['assigner', 'Marie Durand']]);
    expect(parseCommandBlock('#canal telephone  ').commands[0]).toEqual({
      name: 'canal',
      args: 'telephone',
      line: '#canal telephone',
    });
  });
});

describe('the command block', () => {
  it('starts after leading blank lines and holds several commands', () => {
    const block = parseCommandBlock('\n\n#prendre\n#niveau 1\n#note urgent\n\nTexte libre.');
    expect(block.commands.map((command) => command.name)).toEqual(['prendre', 'niveau', 'note']);
    expect(block.body).toBe('Texte libre.');
  });

  it('ends at a blank line: later command lines are body', () => {
    const block = parseCommandBlock('#prendre\n\n#clore');
    expect(names('#prendre\n\n#clore')).toEqual([['prendre', '']]);
    expect(block.body).toBe('#clore');
  });

  it('ends at the first line that is not a command', () => {
    const block = parseCommandBlock('#note appel du réclamant\nIl rappellera demain.\n#clore');
    expect(names('#note appel du réclamant\nIl rappellera demain.\n#clore')).toEqual([['note', 'appel du réclamant']]);
    expect(block.body).toBe('Il rappellera demain.\n#clore');
  });

  it('is only at the top: a greeting first means no command', () => {
    expect(parseCommandBlock('Bonjour,\n#clore')).toEqual({ commands: [], unknown: [], body: 'Bonjour,\n#clore' });
  });

  it('#repondre with text on its line: the text starts the body and ends the block', () => {
    const block = parseCommandBlock(
      '#clore\n#repondre Bonjour Madame,\nvotre rendez-vous est confirmé.\n#note pas une commande\n\nCordialement,\nDr Martin',
    );
    expect(block.commands).toEqual([
      { name: 'clore', args: '', line: '#clore' },
      { name: 'repondre', args: '', line: '#repondre Bonjour Madame,' },
    ]);
    expect(block.body).toBe(
      'Bonjour Madame,\nvotre rendez-vous est confirmé.\n#note pas une commande\n\nCordialement,\nDr Martin',
    );
  });

  it('#repondre alone may be followed by more commands, the body after the block', () => {
    const block = parseCommandBlock('#repondre\n#clore\n\n\nMadame,\n\nréponse.\n\n');
    expect(block.commands.map((command) => command.name)).toEqual(['repondre', 'clore']);
    expect(block.body).toBe('Madame,\n\nréponse.');
  });

  it('a hashtag inside a sentence, "#1 priority", "# 1" and "# Titre" are not commands', () => {
    for (const text of [
      'Voir le #clore plus bas',
      '#1 priority for us',
      '# 1 point',
      '# Titre du message',
      '#',
      '#42',
    ]) {
      expect(parseCommandBlock(text), text).toEqual({ commands: [], unknown: [], body: text });
    }
  });

  it('reports unknown #words of the block with the closest command', () => {
    const block = parseCommandBlock('#prednre\n#clotre\n#nivaeu 2\n#Reponde\n#xyzzy\n#zz\n#dd\n#note ok\n\nTexte');
    expect(block.unknown).toEqual([
      { line: '#prednre', keyword: 'prednre', suggestion: 'prendre' },
      { line: '#clotre', keyword: 'clotre', suggestion: 'clore' },
      { line: '#nivaeu 2', keyword: 'nivaeu', suggestion: 'niveau' },
      { line: '#Reponde', keyword: 'Reponde', suggestion: 'repondre' },
      { line: '#xyzzy', keyword: 'xyzzy', suggestion: null },
      { line: '#zz', keyword: 'zz', suggestion: null },
      { line: '#dd', keyword: 'dd', suggestion: 'de' },
    ]);
    expect(names('#prednre\n#note ok')).toEqual([['note', 'ok']]);
    expect(block.body).toBe('Texte');
  });

  it('normalises CRLF and keeps the body otherwise as written', () => {
    expect(parseCommandBlock('#clore\r\n\r\n  Indenté\r\nfin  \r\n')).toEqual({
      commands: [{ name: 'clore', args: '', line: '#clore' }],
      unknown: [],
      body: '  Indenté\nfin',
    });
  });
});

describe('COMMAND_HELP', () => {
  it('documents every command once, in French, with a usage starting with its keyword', () => {
    expect(COMMAND_HELP.map((entry) => entry.name)).toEqual([...COMMANDS]);
    for (const entry of COMMAND_HELP) {
      expect(entry.usage.startsWith(`#${entry.name}`), entry.name).toBe(true);
      expect(entry.description.length).toBeGreaterThan(10);
      expect(parseCommandBlock(entry.example).commands[0]?.name, entry.example).toBe(entry.name);
    }
    expect(COMMAND_HELP.find((entry) => entry.name === 'niveau')).toMatchObject({
      usage: '#niveau <1-3>',
      description: "change le niveau d'importance et recalcule l'échéance",
    });
  });
});

describe('parseFrenchDate', () => {
  it('reads JJ/MM/AAAA, JJ/MM/AA, JJ-MM-AAAA, JJ.MM.AAAA and AAAA-MM-JJ at the start', () => {
    expect(parseFrenchDate('15/12/2026 revoir le planning')).toEqual({
      date: '2026-12-15',
      rest: 'revoir le planning',
    });
    expect(parseFrenchDate('15/12/26 revoir')).toEqual({ date: '2026-12-15', rest: 'revoir' });
    expect(parseFrenchDate('5-1-2027')).toEqual({ date: '2027-01-05', rest: '' });
    expect(parseFrenchDate('05.01.2027 : former')).toEqual({ date: '2027-01-05', rest: 'former' });
    expect(parseFrenchDate('2027-01-05 former')).toEqual({ date: '2027-01-05', rest: 'former' });
    expect(parseFrenchDate('le 29/02/2028, bilan')).toEqual({ date: '2028-02-29', rest: 'bilan' });
  });

  it('refuses impossible dates, mixed separators and dates not at the start', () => {
    for (const text of [
      '31/02/2026',
      '29/02/2027',
      '15/13/2026',
      '00/12/2026',
      '15/12-2026',
      'revoir le 15/12/2026',
      '15/12/2026texte',
      '15/12',
      '',
    ]) {
      expect(parseFrenchDate(text), text).toBeNull();
    }
  });
});

describe('parseNameAddress', () => {
  it.each([
    ['Jean Dupont <jean@x.fr>', { name: 'Jean Dupont', address: 'jean@x.fr' }],
    ['"Dupont, Jean" <Jean.Dupont@X.fr>', { name: 'Dupont, Jean', address: 'jean.dupont@x.fr' }],
    ['jean@x.fr', { name: '', address: 'jean@x.fr' }],
    ['<jean@x.fr>', { name: '', address: 'jean@x.fr' }],
    ['Jean Dupont [mailto:jean@x.fr]', { name: 'Jean Dupont', address: 'jean@x.fr' }],
    ['Jean Dupont <jean@x.fr<mailto:jean@x.fr>>', { name: 'Jean Dupont', address: 'jean@x.fr' }],
    ['Jean Dupont (jean@x.fr)', { name: 'Jean Dupont', address: 'jean@x.fr' }],
    ['jean@x.fr (Jean Dupont)', { name: 'Jean Dupont', address: 'jean@x.fr' }],
    ['Jean Dupont jean@x.fr', { name: 'Jean Dupont', address: 'jean@x.fr' }],
    [
      '"Jean \\"JD\\" Dupont" <jd+reclam@sous.domaine.fr>',
      { name: 'Jean "JD" Dupont', address: 'jd+reclam@sous.domaine.fr' },
    ],
    ['"jean@x.fr" <jean@x.fr>', { name: '', address: 'jean@x.fr' }],
  ])('%s', (text, expected) => {
    expect(parseNameAddress(text)).toEqual(expected);
  });

  it('is null without an address', () => {
    expect(parseNameAddress('Jean Dupont')).toBeNull();
    expect(parseNameAddress('jean@localhost')).toBeNull();
    expect(parseNameAddress('')).toBeNull();
  });
});
