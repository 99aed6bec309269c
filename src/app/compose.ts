// The one place where the service dependencies are composed from a configuration and an open
// database: the daemon (src/daemon) and the CLI (src/cli) both build their Deps here, so the two
// roots cannot drift apart.
import type { Logger } from 'pino';
import { createMailRemover } from '../adapters/imap-mailbox.js';
import { readShippedCorpus } from '../adapters/qualification-corpus-files.js';
import { createMailParser } from '../adapters/mail-parser.js';
import { createSmtpSender } from '../adapters/smtp-sender.js';
import { createTemplateRenderer } from '../adapters/template-renderer.js';
import { createTrendChartRenderer } from '../adapters/trend-chart.js';
import { createXlsxWriter } from '../adapters/xlsx-workbook.js';
import type { Config } from '../config/config-schema.js';
import type { Database } from '../db/database.js';
import { TEMPLATES_DIR } from '../paths.js';
import { systemClock, type Clock } from '../ports.js';
import type { Deps } from '../services/deps.js';
import { loadQualificationModel } from '../services/qualification-model-store.js';
import type { DigestDeps } from '../services/send-digest.js';

/** Builds the service dependencies for a configuration and an open database. */
export function buildDeps(config: Config, database: Database, log: Logger, clock: Clock = systemClock): Deps {
  return {
    db: database.db,
    clock,
    log,
    config,
    render: createTemplateRenderer({ templatesDir: TEMPLATES_DIR, overrideDir: config.templates.overrideDir }),
    parseMail: createMailParser({ maxMessageBytes: config.mailbox.maxMessageBytes }),
    sender: createSmtpSender(config.mailbox.smtp),
    random: Math.random,
  };
}

/**
 * The deps with the learned qualification model, built from the shipped corpus and the settled
 * tickets (rules only when `qualification.learning.enabled` is false). An unreadable corpus is
 * logged and the model starts from the tickets alone: complaints keep flowing.
 */
export async function withQualificationModel(deps: Deps): Promise<Deps> {
  const corpus = await readShippedCorpus().catch((error: unknown) => {
    deps.log.error({ err: error }, 'qualification corpus unreadable: the model learns from settled tickets only');
    return { items: [], frozen: new Set<string>() };
  });
  return { ...deps, qualificationModel: (await loadQualificationModel(deps, corpus)) ?? undefined };
}

/** The digest services' dependencies: the service deps, plus the chart and spreadsheet adapters. */
export function digestDeps(deps: Deps): DigestDeps {
  return { ...deps, charts: createTrendChartRenderer(), workbooks: createXlsxWriter() };
}

/** Deletes stored raw mails from the processed and quarantine folders (erasure, retention). */
export function mailRemoverFor(deps: Pick<Deps, 'config' | 'log'>) {
  const { imap } = deps.config.mailbox;
  return createMailRemover({ imap, log: deps.log, folders: [imap.processed, imap.quarantine] });
}
