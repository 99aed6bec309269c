// `reclam show REF --attachments DIR`: writes a ticket's attachments into DIR. Their names are
// the sender's: each is made safe (no directory part, no control or bidirectional characters, no
// leading dot, no device name) and unique, and a file is never overwritten (`wx`): an existing
// name gets a `-2`, `-3`… suffix.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uniqueFilenames } from '../domain/attachment-files.js';
import type { CommandFile } from '../services/send-digest.js';

export async function writeAttachments(dir: string, files: readonly CommandFile[]): Promise<string[]> {
  const attachments = files.filter((f) => f.role === 'attachment');
  if (attachments.length === 0) return [];
  await mkdir(dir, { recursive: true });
  const names = uniqueFilenames(attachments.map((f) => f.name));
  const written: string[] = [];
  for (const [i, file] of attachments.entries()) {
    const name = names[i]!;
    const dot = name.lastIndexOf('.');
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n++) {
      const path = join(dir, n === 1 ? name : `${stem}-${n}${extension}`);
      try {
        await writeFile(path, Buffer.from(file.base64, 'base64'), { flag: 'wx', mode: 0o600 });
        written.push(path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw error;
      }
    }
  }
  return written;
}
