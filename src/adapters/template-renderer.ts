// Turns the Handlebars templates of `templates/fr/` into the subject, text and HTML of a mail.
// The only module that imports handlebars; an organisation overrides wording file by file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { withoutTrailing } from '../domain/trailing-characters.js';

/** A template's base name in templates/fr (`ack` → ack.subject.hbs, ack.text.hbs, ack.html.hbs). */
export type TemplateName = string;

export interface RenderedMail {
  /** One line, trimmed, whitespace runs (newlines included) collapsed to one space. */
  readonly subject: string;
  /** Plain-text alternative; ends with one newline, never more than one blank line in a row. */
  readonly text: string;
  /** Complete HTML document (the shared layout around the template's body). */
  readonly html: string;
}

export interface TemplateRenderer {
  /**
   * Renders the three parts of template `name` with `data`.
   * @throws TemplateError when a file is missing or the template uses a field `data` lacks.
   */
  render(name: TemplateName, data: object): RenderedMail;
}

export interface TemplateRendererOptions {
  /** Directory holding `<name>.subject.hbs`, `<name>.text.hbs`, `<name>.html.hbs`, `layout.html.hbs`. */
  readonly templatesDir: string;
  /** Directory whose files of the same name replace the defaults, one file at a time. */
  readonly overrideDir?: string;
}

export const TemplateErrorCode = {
  /** A template file exists neither in the override directory nor in the defaults. */
  NotFound: 'TEMPLATE_NOT_FOUND',
  /** The template does not compile, or uses a field or helper the data does not provide. */
  RenderFailed: 'TEMPLATE_RENDER_FAILED',
} as const;
export type TemplateErrorCode = (typeof TemplateErrorCode)[keyof typeof TemplateErrorCode];

export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'TemplateError';
  }
}

type Part = 'subject' | 'text' | 'html';
// The runtime options matter when a template is used as a partial: they carry the caller's partials.
type Render = (data: object, runtime?: Handlebars.RuntimeOptions) => string;
type Compiled = Record<Part, Render>;
type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;

const HELPERS = ['multiline', 'shorten', 'filled', 'eq', 'flag', 'fail', 'count'] as const;
const KNOWN_HELPERS = Object.fromEntries(HELPERS.map((helper) => [helper, true]));

// strict: a field the data lacks throws instead of rendering a blank. Helper arguments are not
// covered by strict mode, so the helpers below check their own arguments.
const HTML_OPTIONS: CompileOptions = { strict: true, knownHelpersOnly: true, knownHelpers: KNOWN_HELPERS };
const PLAIN_OPTIONS: CompileOptions = { ...HTML_OPTIONS, noEscape: true };

/** Creates a renderer; files are read and compiled on first use of each template, then cached. */
/** A template file's text: the override folder's copy when there is one, else the shipped one. */
function templateSource(options: TemplateRendererOptions, file: string): string {
  const candidates = options.overrideDir
    ? [join(options.overrideDir, file), join(options.templatesDir, file)]
    : [join(options.templatesDir, file)];
  for (const path of candidates) {
    try {
      // Overrides are often edited on Windows: drop a BOM and CRLF line ends.
      return readFileSync(path, 'utf8')
        .replace(/^\uFEFF/, '')
        .replace(/\r\n?/g, '\n');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new TemplateError(TemplateErrorCode.NotFound, file, `not found in ${candidates.join(' nor ')}`);
}

/** `file` compiled, its failures (a syntax error, a missing field in strict mode) thrown as TemplateError naming it. */
function compileFile(
  hb: typeof Handlebars,
  options: TemplateRendererOptions,
  file: string,
  compileOptions: CompileOptions,
): Render {
  const text = templateSource(options, file);
  let template: Handlebars.TemplateDelegate;
  try {
    // Handlebars parses lazily: syntax errors surface on the first call, wrapped below.
    template = hb.compile(text, compileOptions);
  } catch (cause) {
    throw renderFailure(file, cause);
  }
  return (data, runtime) => {
    try {
      return template(data, runtime);
    } catch (cause) {
      throw cause instanceof TemplateError ? cause : renderFailure(file, cause);
    }
  };
}

export function createTemplateRenderer(options: TemplateRendererOptions): TemplateRenderer {
  const hb = Handlebars.create();
  registerHelpers(hb);
  const cache = new Map<TemplateName, Compiled>();
  let layoutRegistered = false;

  const compile = (file: string, compileOptions: CompileOptions): Render =>
    compileFile(hb, options, file, compileOptions);

  function load(name: TemplateName): Compiled {
    const cached = cache.get(name);
    if (cached) return cached;
    if (!layoutRegistered) {
      hb.registerPartial('layout', compile('layout.html.hbs', HTML_OPTIONS));
      layoutRegistered = true;
    }
    const compiled: Compiled = {
      subject: compile(`${name}.subject.hbs`, PLAIN_OPTIONS),
      text: compile(`${name}.text.hbs`, PLAIN_OPTIONS),
      html: compile(`${name}.html.hbs`, HTML_OPTIONS),
    };
    cache.set(name, compiled);
    return compiled;
  }

  return {
    render(name, data) {
      const compiled = load(name);
      return {
        subject: compiled.subject(data).replace(/\s+/g, ' ').trim(),
        text: tidyText(compiled.text(data)),
        html: `${compiled.html(data).trim()}\n`,
      };
    },
  };
}

export interface PageRenderer {
  /**
   * Renders web page `name` (`<name>.hbs` around the `layout.hbs` partial) with `data`: HTML,
   * escaped like the mails, same helpers, same strict mode.
   * @throws TemplateError when a file is missing or the template uses a field `data` lacks.
   */
  page(name: TemplateName, data: object): string;
}

/** A renderer for the web desk's pages (`templates/web/`), overridable file by file like the mails. */
export function createPageRenderer(options: TemplateRendererOptions): PageRenderer {
  const hb = Handlebars.create();
  registerHelpers(hb);
  const cache = new Map<TemplateName, Render>();
  const compile = (file: string): Render => compileFile(hb, options, file, HTML_OPTIONS);
  return {
    page(name, data) {
      if (!hb.partials.layout) hb.registerPartial('layout', compile('layout.hbs'));
      let render = cache.get(name);
      if (!render) {
        render = compile(`${name}.hbs`);
        cache.set(name, render);
      }
      return `${render(data).trim()}\n`;
    },
  };
}

function renderFailure(file: string, cause: unknown): TemplateError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new TemplateError(TemplateErrorCode.RenderFailed, file, message, { cause });
}

/**
 * Block tags leave blank lines and trailing spaces behind; a mail reads better without them.
 * The signature delimiter `-- ` keeps its space (RFC 3676), so mail clients recognise it.
 */
function tidyText(text: string): string {
  // line by line: `/[ \t]+$/gm` is quadratic on a long run of blanks inside a line (complainant text)
  const tidy = text
    .split('\n')
    .map((line) => withoutTrailing(line, ' \t'))
    .join('\n')
    .replace(/^--$/gm, '-- ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return `${tidy}\n`;
}

function registerHelpers(hb: typeof Handlebars): void {
  /** `{{multiline text}}`: escaped text with line breaks kept as <br> (HTML templates only). */
  hb.registerHelper('multiline', (value: unknown, options?: Handlebars.HelperOptions) => {
    const text = requireString('multiline', value, options);
    const lines = text
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => hb.escapeExpression(line));
    return new hb.SafeString(lines.join('<br>\n'));
  });

  /** `{{shorten text 60}}`: at most `max` characters, cut at a word when possible, with an ellipsis. */
  hb.registerHelper('shorten', (value: unknown, max: unknown, options?: Handlebars.HelperOptions) => {
    const text = requireString('shorten', value, options).replace(/\s+/g, ' ').trim();
    if (typeof max !== 'number' || max < 2) throw new Error(`shorten: expected a length${where(options)}`);
    const chars = Array.from(text); // code points: never split an emoji in two
    if (chars.length <= max) return text;
    const cut = chars.slice(0, max - 1).join('');
    const space = cut.lastIndexOf(' ');
    const head = space >= max * 0.6 ? cut.slice(0, space) : cut;
    return `${withoutTrailing(head, ',;:.–—-', { whitespace: true })}…`;
  });

  /**
   * `{{#if (filled name)}}`: a string the data must give, possibly empty; a bare `#if` would take a
   * missing field for an empty one.
   */
  hb.registerHelper('filled', (value: unknown, options?: Handlebars.HelperOptions) => {
    return requireString('filled', value, options).trim() !== '';
  });

  /** `{{#if (eq alert "quarantine")}}`: strict equality; an undefined left side is a missing field. */
  hb.registerHelper('eq', (left: unknown, right: unknown, options?: Handlebars.HelperOptions) => {
    if (left === undefined) throw new Error(`eq: missing value${where(options)}`);
    return left === right;
  });

  /** `{{#if (flag confidential)}}`: a boolean that must be given, so a forgotten flag cannot fail open. */
  hb.registerHelper('flag', (value: unknown, options?: Handlebars.HelperOptions) => {
    if (typeof value !== 'boolean')
      throw new Error(`flag: expected true or false, got ${typeof value}${where(options)}`);
    return value;
  });

  /**
   * `{{count results "ok" false}}`: how many items of a list have field `key` equal to `value`
   * (e.g. "2 appliquées, 1 refusée"). A missing list, or an item without the field, throws.
   */
  hb.registerHelper('count', (list: unknown, key: unknown, value: unknown, options?: Handlebars.HelperOptions) => {
    if (!Array.isArray(list)) throw new Error(`count: expected a list, got ${typeof list}${where(options)}`);
    if (typeof key !== 'string' || value === undefined || options === undefined)
      throw new Error(`count: expected a field name and a value${where(options)}`);
    return list.filter((item: unknown) => {
      if (item === null || typeof item !== 'object' || !(key in item))
        throw new Error(`count: an item has no "${key}"${where(options)}`);
      return (item as Record<string, unknown>)[key] === value;
    }).length;
  });

  /** `{{fail "unknown alert" alert}}`: makes an unexpected branch of a template throw. */
  hb.registerHelper('fail', (...args: unknown[]) => {
    const options = args.pop() as Handlebars.HelperOptions | undefined;
    throw new Error(`${args.map(String).join(' ')}${where(options)}`);
  });
}

function requireString(helper: string, value: unknown, options?: Handlebars.HelperOptions): string {
  if (typeof value !== 'string') throw new Error(`${helper}: expected a string, got ${typeof value}${where(options)}`);
  return value;
}

function where(options?: Handlebars.HelperOptions): string {
  const loc = (options as { loc?: { start?: { line?: number; column?: number } } } | undefined)?.loc;
  return loc?.start ? ` - ${loc.start.line}:${loc.start.column}` : '';
}
