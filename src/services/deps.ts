// What use cases receive from the composition roots (daemon, CLI, tests).
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import type { Db } from '../db/database.js';
import type { Clock, MailParser, MailSender, Renderer } from '../ports.js';
import type { QualificationModelStore } from './qualification-model-store.js';

export interface Deps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
  readonly config: Config;
  readonly render: Renderer;
  readonly parseMail: MailParser;
  readonly sender: MailSender;
  /** Uniform number in [0, 1): Message-ID randomness and retry jitter. */
  readonly random: () => number;
  /** The learned qualification model the daemon keeps (qualification-model-store.ts); rules only without it. */
  readonly qualificationModel?: QualificationModelStore | undefined;
}
