import { describe, expect, it } from 'vitest';
import { singleAddress } from '../../src/domain/mail-address.js';

describe('singleAddress', () => {
  it.each([
    ['jean.dupont@exemple.fr', 'jean.dupont@exemple.fr'],
    ['  Jean.Dupont@Exemple.FR ', 'jean.dupont@exemple.fr'],
    ['reclamation+abc_1@spst.example', 'reclamation+abc_1@spst.example'],
    ["o'brien@exemple.fr", "o'brien@exemple.fr"],
    ['marie@société.fr', 'marie@société.fr'],
    ['x@xn--socit-esab.fr', 'x@xn--socit-esab.fr'],
  ])('accepts %s', (input, expected) => {
    expect(singleAddress(input)).toBe(expected);
  });

  it.each([
    'attacker@evil.example,victim@other.example',
    'a@x.example;b@y.example',
    'a@x.example b@y.example',
    '"a,b"@x.example',
    '<a@x.example>',
    'a@x.example>',
    'a@@x.example',
    'a@b@x.example',
    '.a@x.example',
    'a..b@x.example',
    'a@x',
    'a@[127.0.0.1]',
    'a@-x.example',
    'a@x.e',
    'a@x.123',
    '',
    `${'a'.repeat(65)}@x.example`,
    `a@${'b'.repeat(250)}.fr`,
    'a\r\nBcc: v@x.example@x.example',
  ])('refuses %j', (input) => {
    expect(singleAddress(input)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(singleAddress(null)).toBeNull();
    expect(singleAddress(undefined)).toBeNull();
  });
});
