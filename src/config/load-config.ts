// Reads reclam.yaml: `${VAR}` substitution from the environment given, zod validation, and
// error messages that name every faulty key. Never prints a secret.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { AppError, ERROR_CODES } from '../domain/errors.js';
import { configSchema, type Config } from './config-schema.js';

export class ConfigError extends AppError {
  constructor(
    readonly problems: readonly string[],
    readonly source: string,
  ) {
    super(
      ERROR_CODES.configInvalid,
      `invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
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
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([`the file is not valid YAML: ${message}`], source);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(['the file must be a YAML mapping (organisation:, mailbox:, people: …)'], source);
  }

  const problems: string[] = [];
  const substituted = substitute(document, [], env, problems);
  const result = configSchema.safeParse(substituted);
  if (!result.success) problems.push(...result.error.issues.map(describeIssue));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems, source);
  return { config: result.data, warnings: unknownKeys(configSchema, substituted, []) };
}

function substitute(
  value: unknown,
  path: (string | number)[],
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...path, i], env, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, [...path, k], env, problems)]));
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

/** Lists keys of `value` that `schema` does not declare, walking objects and arrays. */
function unknownKeys(schema: z.ZodType, value: unknown, path: (string | number)[]): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const shape = inner.shape as Record<string, z.ZodType>;
    return Object.entries(value).flatMap(([key, child]) =>
      key in shape
        ? unknownKeys(shape[key]!, child, [...path, key])
        : [`${formatPath([...path, key])}: unknown key, ignored`],
    );
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeys(inner.element as z.ZodType, item, [...path, i]));
  }
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

const SECRET_KEYS = new Set(['password', 'replySecret']);

/** A copy of the configuration safe to print: passwords, the reply secret and URL credentials masked. */
export function redactConfig(config: Config): unknown {
  return redact(config);
}

function redact(value: unknown, key?: string): unknown {
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

/** Masks the password of a connection URL: `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
