// Real adapters for service tests (parser, templates, SMTP), with a clock the test moves.
import { pino } from 'pino';
import type { Config } from '../../src/config/config-schema.js';
import type { Db } from '../../src/db/database.js';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { createSmtpSender } from '../../src/adapters/smtp-sender.js';
import { createTemplateRenderer } from '../../src/adapters/template-renderer.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import type { Clock } from '../../src/ports.js';
import type { Deps } from '../../src/services/deps.js';

export class FakeClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date | string): void {
    this.current = new Date(date);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A deterministic [0, 1) sequence, so Message-IDs and jitter differ but tests repeat. */
export function seededRandom(seed = 42): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

export function testDeps(db: Db, config: Config, clock: Clock): Deps {
  return {
    db,
    clock,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    config,
    render: createTemplateRenderer({ templatesDir: TEMPLATES_DIR }),
    parseMail,
    sender: createSmtpSender(config.mailbox.smtp),
    random: seededRandom(),
  };
}

/** Builds a raw mail from header lines and a body (CRLF, UTF-8 unless the body is bytes). */
export function rawMail(headers: Record<string, string>, body: string | Buffer): Uint8Array {
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  const defaults = hasType
    ? ''
    : '\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit';
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(`${head}${defaults}\r\n\r\n`),
      typeof body === 'string' ? Buffer.from(body.replace(/\r?\n/g, '\r\n')) : body,
    ]),
  );
}
