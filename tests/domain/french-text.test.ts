import { describe, expect, it } from 'vitest';
import { contentTerms, normaliseFrench, stemFrench, tokenizeFrench } from '../../src/domain/french-text.js';

const surfaces = (text: string) => tokenizeFrench(text).map((t) => t.surface);
const stems = (text: string) => tokenizeFrench(text).map((t) => t.stem);

describe('normaliseFrench', () => {
  it('lower-cases and strips accents, ligatures and typographic quotes', () => {
    expect(normaliseFrench('Médecin ÉTAIT à l’accueil, « cœur » Ça').replace(/\s+/g, ' ')).toBe(
      "medecin etait a l'accueil, coeur ca",
    );
  });
});

describe('tokenizeFrench', () => {
  it('expands elisions (l’, d’, qu’, j’, n’) and keeps aujourd’hui whole', () => {
    expect(surfaces("l'avis d’inaptitude qu'il n'a jamais reçu aujourd'hui")).toEqual([
      'le',
      'avis',
      'de',
      'inaptitude',
      'que',
      'il',
      'ne',
      'a',
      'jamais',
      'recu',
      'aujourdhui',
    ]);
  });

  it('joins hyphenated compounds, also when a line break cuts them, and splits inverted pronouns', () => {
    expect(surfaces('rendez-vous, pré-reprise, convo-\n   cation')).toEqual([
      'rendezvous',
      'prereprise',
      'convocation',
    ]);
    expect(surfaces('Pourriez-vous, a-t-il, est-ce possible')).toEqual([
      'pourriez',
      'vous',
      'a',
      'il',
      'est',
      'ce',
      'possible',
    ]);
  });

  it('joins a compound written in two words like its hyphenated form', () => {
    expect(surfaces('un rendez vous')).toEqual(['un', 'rendezvous']);
  });

  it('expands text-speak', () => {
    expect(surfaces('bjr jsuis venu pr ma visite, c normal ?? jveux un rdv svp')).toEqual([
      'bonjour',
      'je',
      'suis',
      'venu',
      'pour',
      'ma',
      'visite',
      'ce',
      'est',
      'normal',
      'je',
      'veux',
      'un',
      'rendezvous',
      'se',
      'il',
      'vous',
      'plait',
    ]);
  });

  it('keeps a phrase spread over two lines in one sentence, and splits sentences and clauses', () => {
    const tokens = tokenizeFrench('Le médecin\nétait absent. Nous avons attendu, mais rien.\n\nCordialement');
    const at = (surface: string) => tokens.find((t) => t.surface === surface)!;
    expect(at('medecin').sentence).toBe(at('absent').sentence);
    expect(at('attendu').sentence).toBe(at('avons').sentence);
    expect(at('attendu').sentence).toBeGreaterThan(at('absent').sentence);
    expect(at('rien').clause).toBeGreaterThan(at('attendu').clause);
    expect(at('cordialement').sentence).toBeGreaterThan(at('rien').sentence);
  });

  it('gives the offsets of each word in the original text', () => {
    const text = 'Visite annulée – l’ŒUVRE';
    const [visite, annulee, , oeuvre] = tokenizeFrench(text);
    expect(text.slice(visite!.start, visite!.end)).toBe('Visite');
    expect(text.slice(annulee!.start, annulee!.end)).toBe('annulée');
    expect(oeuvre!.surface).toBe('oeuvre');
    expect(text.slice(oeuvre!.start, oeuvre!.end)).toBe('l’ŒUVRE');
  });
});

describe('stemFrench', () => {
  it('makes plurals, feminines, participles and infinitives meet', () => {
    expect(new Set(stems('annulation annulé annulée annulées annuler annulent'))).toEqual(new Set(['annul']));
    expect(new Set(stems('convocation convocations convoqué convoquée convoquer'))).toEqual(new Set(['convoc']));
    expect(new Set(stems('absence absente absents absent'))).toEqual(new Set(['absent']));
    expect(new Set(stems('médicaux médicale médical'))).toEqual(new Set(['medical']));
    expect(new Set(stems('visite visites visiter'))).toEqual(new Set(['visit']));
    expect(new Set(stems('facture factures facturé'))).toEqual(new Set(['factur']));
  });

  it('leaves short words and numbers alone', () => {
    expect(stemFrench('pas')).toBe('pas');
    expect(stemFrench('2025')).toBe('2025');
    expect(stemFrench('8h30')).toBe('8h30');
  });

  it('keeps nouns in -ement apart from their verbs (déplacement is not déplacé)', () => {
    expect(stemFrench('deplacement')).not.toBe(stemFrench('deplace'));
  });
});

describe('contentTerms', () => {
  it('keeps distinct content stems, without function words, courtesy or numbers, bounded', () => {
    const terms = contentTerms(
      'Bonjour, la facture n° 2025-12 est en double : deux factures pour la même visite. Cordialement',
    );
    expect(terms).toEqual(['factur', 'doubl', 'deux', 'visit']);
    expect(contentTerms('un deux trois quatre cinq six sept', 3)).toHaveLength(3);
  });
});
