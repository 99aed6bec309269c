// The only file that imports fflate: a person's data export (`reclam gdpr export`) as one zip.
import { zipSync, type Zippable } from 'fflate';
import type { ArchiveFile, ArchiveWriter } from '../ports.js';

export function createZipWriter(): ArchiveWriter {
  return {
    zip(files: readonly ArchiveFile[], modified: Date): Uint8Array {
      const entries: Zippable = {};
      for (const file of files) {
        const bytes = typeof file.content === 'string' ? new TextEncoder().encode(file.content) : file.content;
        // Mails and text compress; a file that is already compressed (images, PDF, zip) is stored.
        entries[file.path] = [bytes, { level: compressible(file.path) ? 6 : 0, mtime: modified }];
      }
      return zipSync(entries);
    },
  };
}

function compressible(path: string): boolean {
  return !/\.(jpe?g|png|gif|webp|heic|pdf|zip|gz|7z|rar|docx|xlsx|pptx|odt|ods|mp3|mp4|mov)$/i.test(path);
}
