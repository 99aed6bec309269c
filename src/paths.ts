// Files shipped with the package, found relative to this module (src/ or dist/ alike).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TEMPLATES_DIR = resolve(PACKAGE_ROOT, 'templates/fr');
/** The web desk's pages (Handlebars, French). */
export const WEB_TEMPLATES_DIR = resolve(PACKAGE_ROOT, 'templates/web');
/** The labelled complaints the qualification model starts from, and their frozen split. */
export const QUALIFICATION_CORPUS_DIR = resolve(PACKAGE_ROOT, 'datasets/qualification');
/** The version of reclam, from its package.json (`reclam --version`, the daemon's first log line). */
export const RECLAM_VERSION: string = (
  JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
