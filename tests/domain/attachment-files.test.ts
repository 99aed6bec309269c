// The complainant's attachments passed on to staff: what a notification carries, and the names
// files get — every filename of incoming mail is the sender's choice.
import { describe, expect, it } from 'vitest';
import { attachmentsToCarry, safeFilename, uniqueFilenames } from '../../src/domain/attachment-files.js';

const file = (filename: string, size: number, content = true) => ({
  filename,
  size,
  contentType: 'application/pdf',
  content: content ? new Uint8Array(size) : undefined,
});

describe('attachmentsToCarry', () => {
  it('carries the files in order while their total fits, and lists every one', () => {
    const files = [file('a.pdf', 400), file('b.pdf', 700), file('c.pdf', 500), file('d.pdf', 100, false)];
    const { carried, listed } = attachmentsToCarry(files, 1000);
    expect(carried.map((f) => f.filename)).toEqual(['a.pdf', 'c.pdf']);
    expect(listed.map((l) => [l.file.filename, l.attached])).toEqual([
      ['a.pdf', true],
      ['b.pdf', false],
      ['c.pdf', true],
      ['d.pdf', false], // its content was not kept
    ]);
    expect(attachmentsToCarry(files, 0).carried).toEqual([]);
  });
});

describe('safeFilename', () => {
  it.each([
    ['../../etc/passwd', 'etc_passwd'],
    ['..\\..\\Windows\\system.ini', 'Windows_system.ini'],
    ['/absolute/path.txt', 'absolute_path.txt'],
    ['.bashrc', 'bashrc'],
    ['..', 'fallback'],
    ['', 'fallback'],
    ['   ', 'fallback'],
    ['facture\u202Efdp.exe', 'facturefdp.exe'],
    ['rapport\u0000.pdf', 'rapport.pdf'],
    ['ligne\r\nContent-Type: text/html', 'ligneContent-Type_ text_html'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['a:b*c?d"e<f>g|h.pdf', 'a_b_c_d_e_f_g_h.pdf'],
    ['Compte rendu médical – avril.pdf', 'Compte rendu médical – avril.pdf'],
    ['trailing dots...', 'trailing dots'],
  ])('%j → %j', (name, expected) => {
    expect(safeFilename(name, 'fallback')).toBe(expected);
  });

  it('keeps the extension of a name cut to 120 characters', () => {
    const name = safeFilename(`${'é'.repeat(300)}.pdf`, 'x');
    expect([...name].length).toBe(120);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('uniqueFilenames', () => {
  it('gives every file of one folder its own safe name, case-insensitively', () => {
    expect(uniqueFilenames(['photo.jpg', 'PHOTO.jpg', 'photo.jpg', '../photo.jpg', '', ''])).toEqual([
      'photo.jpg',
      'PHOTO-2.jpg',
      'photo-3.jpg',
      'photo-4.jpg',
      'piece-jointe-5',
      'piece-jointe-6',
    ]);
  });
});
