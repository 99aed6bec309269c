// Reads reclam.yaml: `${VAR}` substitution from the environment given, zod validation, and
// error messages that name every faulty key and its line. Never prints a secret.
import { distance } from 'fastest-levenshtein';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { formatWorkingHours, type WorkingHours } from '../domain/analysis-reminder.js';
import { type Duration, formatDuration } from '../domain/duration.js';
import { AppError, ERROR_CODES } from '../domain/errors.js';
import type { CronSchedule } from '../domain/period.js';
import { configSchema, type Config } from './config-schema.js';

/** One problem of a configuration file: `key.path: what is wrong`, and the line it is on when known. */
export interface ConfigProblem {
  readonly text: string;
  readonly line: number | null;
}

export class ConfigError extends AppError {
  /** `key.path: what is wrong`, one per problem. */
  readonly problems: readonly string[];
  constructor(
    problems: readonly (string | ConfigProblem)[],
    readonly source: string,
  ) {
    const listed = problems.map((p) => (typeof p === 'string' ? { text: p, line: null } : p));
    const bullets = listed.map((p) => `  - ${p.line ? `line ${p.line}: ` : ''}${p.text}`);
    super(ERROR_CODES.configInvalid, `invalid configuration in ${source}:\n${bullets.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = listed.map((p) => p.text);
    this.lines = listed.map((p) => p.line);
  }
  /** The line of each problem, in the same order (null: not tied to one line). */
  readonly lines: readonly (number | null)[];
}

export interface LoadedConfig {
  readonly config: Config;
  /** Keys present in the file that reclam does not know (likely typos); not fatal. */
  readonly warnings: readonly string[];
}

const VARIABLE = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Parses and validates a configuration text.
 * `${VAR}` and `${VAR:-default}` are replaced from `env`; `$${VAR}` keeps a literal `${VAR}`.
 * @throws ConfigError listing every problem with its key path.
 */
export function loadConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  source = 'reclam.yaml',
): LoadedConfig {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { prettyErrors: true, lineCounter });
  if (parsed.errors.length > 0) {
    const first = parsed.errors[0]!;
    const line = first.linePos?.[0]?.line ?? null;
    throw new ConfigError([{ text: `the file is not valid YAML: ${first.message.split('\n')[0]}`, line }], source);
  }
  const document: unknown = parsed.toJS();
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(
      [{ text: 'the file must be a YAML mapping (organisation:, mailbox:, people: …)', line: 1 }],
      source,
    );
  }
  const at = (path: readonly (string | number)[]) => lineOf(parsed, lineCounter, path);

  const problems: ConfigProblem[] = [];
  const substituted = substitute(document, [], env, (path, text) => problems.push({ text, line: at(path) }));
  const result = configSchema.safeParse(substituted);
  if (!result.success) {
    for (const issue of result.error.issues)
      problems.push({ text: describeIssue(issue), line: at(issue.path as (string | number)[]) });
  }
  const unknown = unknownKeys(configSchema, substituted, []);
  // A key one or two letters away from a known one is a typo that would silently change nothing.
  for (const key of unknown.filter((k) => k.suggestion !== null)) {
    problems.push({
      text: `${formatPath(key.path)}: unknown key; did you mean ${key.suggestion}?`,
      line: at(key.path),
    });
  }
  problems.push(...transportMismatches(substituted).map((p) => ({ text: p.text, line: at(p.path) })));
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(problems, source);
  }
  const warnings = unknown.map((k) => `${formatPath(k.path)}: unknown key, ignored`);
  return { config: result.data, warnings };
}

/** The line of the deepest node of `path` present in the file (the key itself when it is there). */
function lineOf(document: Document, lines: LineCounter, path: readonly (string | number)[]): number | null {
  let node: Node | null | undefined = document.contents as Node | null;
  let offset = node?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? null : lines.linePos(offset).line;
}

/** The well-known ports of IMAP and SMTP say whether TLS starts at once (`secure: true`) or later. */
function transportMismatches(config: unknown): { path: (string | number)[]; text: string }[] {
  const found: { path: (string | number)[]; text: string }[] = [];
  const mailbox = isRecord(config) && isRecord(config.mailbox) ? config.mailbox : {};
  const check = (name: 'imap' | 'smtp', tlsPorts: number[], plainPorts: number[]) => {
    const server = mailbox[name];
    if (!isRecord(server) || typeof server.port !== 'number') return;
    const secure = server.secure ?? name === 'imap';
    if (secure === true && plainPorts.includes(server.port))
      found.push({
        path: ['mailbox', name, 'secure'],
        text:
          `mailbox.${name}.secure: port ${server.port} starts in plain text ` +
          `and switches to TLS once connected (STARTTLS), ` +
          `but secure: true makes reclam speak TLS from the first byte, so the two would not understand each other ` +
          `(the error would read "wrong version number" or a timeout); set secure: false (TLS is still used: ` +
          `reclam upgrades the connection with STARTTLS) or use port ${tlsPorts[0]}, where TLS starts at once`,
      });
    if (secure === false && tlsPorts.includes(server.port))
      found.push({
        path: ['mailbox', name, 'secure'],
        text:
          `mailbox.${name}.secure: port ${server.port} speaks TLS from the first byte, ` +
          `but secure: false makes reclam ` +
          `start in plain text, so the connection would hang or be cut; ` +
          `set secure: true, or use port ${plainPorts[0]} ` +
          `(plain text upgraded with STARTTLS)`,
      });
  };
  check('imap', [993], [143]);
  check('smtp', [465], [587, 25]);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function substitute(
  value: unknown,
  path: (string | number)[],
  env: Readonly<Record<string, string | undefined>>,
  problem: (path: (string | number)[], text: string) => void,
): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problem(path, `${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...path, i], env, problem));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, [...path, k], env, problem)]));
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path as (string | number)[]);
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${where}: is required`;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${where}: must be one of ${(issue.values as unknown[]).map(String).join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

interface UnknownKey {
  readonly path: (string | number)[];
  /** A known key of the same object at most two edits away (case ignored), or null. */
  readonly suggestion: string | null;
}

/** Lists keys of `value` that `schema` does not declare, walking objects and arrays. */
function unknownKeys(schema: z.ZodType, value: unknown, path: (string | number)[]): UnknownKey[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const shape = inner.shape as Record<string, z.ZodType>;
    return Object.entries(value).flatMap(([key, child]) =>
      key in shape
        ? unknownKeys(shape[key]!, child, [...path, key])
        : [{ path: [...path, key], suggestion: closestKey(key, Object.keys(shape)) }],
    );
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeys(inner.element as z.ZodType, item, [...path, i]));
  }
  return [];
}

function closestKey(key: string, known: readonly string[]): string | null {
  let best: { key: string; distance: number } | null = null;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d <= 2 && d < key.length && (!best || d < best.distance)) best = { key: candidate, distance: d };
  }
  return best?.key ?? null;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

const SECRET_KEYS = new Set(['password', 'replySecret']);

/**
 * A copy of the configuration safe to print: passwords, the reply secret and URL credentials masked;
 * durations, working hours and the digest schedule as written (`10d`, `8-18`, `0 8 1 * *`), not as parsed.
 */
export function redactConfig(config: Config): unknown {
  return redact(config);
}

function redact(value: unknown, key?: string): unknown {
  if (isDuration(value)) return formatDuration(value);
  if (isCronSchedule(value)) return value.expression;
  if (key === 'workingHours' && isWorkingHours(value)) return formatWorkingHours(value);
  if (typeof value === 'string') {
    if (key !== undefined && SECRET_KEYS.has(key)) return value === '' ? '' : '***';
    if (key === 'url') return redactUrl(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function isDuration(value: unknown): value is Duration {
  if (value === null || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return keys.length === 2 && 'amount' in value && 'unit' in value;
}

function isWorkingHours(value: unknown): value is WorkingHours {
  return value !== null && typeof value === 'object' && 'start' in value && 'end' in value;
}

function isCronSchedule(value: unknown): value is CronSchedule {
  return value !== null && typeof value === 'object' && 'expression' in value && 'minutes' in value;
}

/** Masks the password of a connection URL: `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
