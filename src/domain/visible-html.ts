// Only what a reader sees counts (SPEC §3: commands and summaries come from what the person
// wrote). An HTML mail can carry text no mail client shows — `display:none`, zero size, white on
// white, `hidden`, Outlook's `mso-hide:all`, `<template>`, `<head>`… — and a genuine signed reply
// can carry such text without its author knowing (pasted from a web page or another mail). This
// module removes it before the HTML is read as text, and says what it removed.
//
// Built on sanitize-html (its htmlparser2 parser balances the markup): every tag and attribute is
// kept for the next reading (reply-text.ts looks at classes and ids), except the elements that do
// not show and the text that does not show.

import sanitizeHtml from 'sanitize-html';

export interface VisibleHtml {
  /** The same markup without what does not show. */
  readonly html: string;
  /** The text that was removed because it does not show, in order (trimmed, non-empty). */
  readonly hidden: readonly string[];
}

/** Elements never rendered in a mail client's message view (comments are dropped by the parser). */
const NOT_RENDERED = new Set(['head', 'title', 'style', 'script', 'template', 'noscript', 'xml', 'meta', 'link']);

type Rgb = readonly [number, number, number];

interface Context {
  readonly tag: string;
  /** Rendered as a box, nothing inside shows: the whole element goes. */
  readonly removed: boolean;
  /** Text directly in it does not show (inherited: a child may show again). */
  readonly visibility: 'visible' | 'hidden';
  readonly fontZero: boolean;
  readonly color: Rgb | 'transparent' | null;
  readonly background: Rgb | null;
  readonly detailsClosed: boolean;
}

const ROOT: Context = {
  tag: '',
  removed: false,
  visibility: 'visible',
  fontZero: false,
  color: null,
  // What mail clients show a message on when it sets nothing.
  background: [255, 255, 255],
  detailsClosed: false,
};

/**
 * The markup of `html` without what a reader does not see: elements not rendered (`head`,
 * `style`, `script`, `template`…), elements hidden by their attributes (`hidden`,
 * `aria-hidden="true"`, `width`/`height` 0) or by CSS — inline `style` and simple rules of the
 * mail's own `<style>` (`.class`, `#id`, `tag`, `tag.class`; rules inside `@media` are ignored) —
 * (`display:none`, `visibility:hidden`, `opacity:0`, `mso-hide:all`, zero `width`/`height`/`max-*`,
 * `font-size` 0 or 1px, `color` transparent or (nearly) the background's, off-screen positions,
 * `clip`, `transform:scale(0)`), and the content of a closed `<details>` but its summary.
 * Pure; never throws on bad markup.
 */
export function visibleHtml(html: string): VisibleHtml {
  const rules: StyleRule[] = [];
  const hidden: string[] = [];
  const stack: Context[] = [ROOT];
  // Decided when the tag opens (ancestors known), read when it closes.
  const removedAttribs = new WeakSet<object>();
  const notRendered = new WeakSet<object>();

  const output = sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    nonTextTags: [],
    parser: { decodeEntities: true },
    onOpenTag(name, attribs) {
      const parent = stack[stack.length - 1]!;
      const context = contextOf(name, attribs, parent, rules);
      if (NOT_RENDERED.has(name)) notRendered.add(attribs);
      else if (context.removed && !parent.removed) removedAttribs.add(attribs);
      stack.push(context);
    },
    onCloseTag() {
      if (stack.length > 1) stack.pop();
    },
    textFilter(text) {
      const context = stack[stack.length - 1]!;
      if (context.removed || !textHidden(context)) return text;
      const shown = decodeEscapes(text).trim();
      if (shown !== '') hidden.push(shown);
      return '';
    },
    exclusiveFilter(frame) {
      if (notRendered.has(frame.attribs)) {
        if (frame.tag === 'style') rules.push(...parseStyleSheet(frame.text));
        return true;
      }
      if (!removedAttribs.has(frame.attribs)) return false;
      const shown = frame.text.trim();
      if (shown !== '') hidden.push(shown);
      return true;
    },
  });
  return { html: output, hidden };
}

function textHidden(context: Context): boolean {
  // A closed <details> shows its summary only.
  if (context.tag === 'details' && context.detailsClosed) return true;
  if (context.visibility === 'hidden' || context.fontZero || context.color === 'transparent') return true;
  return context.color !== null && context.background !== null && nearly(context.color, context.background);
}

function contextOf(
  tag: string,
  attribs: Record<string, string>,
  parent: Context,
  rules: readonly StyleRule[],
): Context {
  const closedDetails = parent.detailsClosed && tag !== 'summary';
  // Most elements set nothing: they are their parent's context (the common, fast case).
  if (rules.length === 0 && !hasAny(attribs) && tag !== 'details' && tag !== 'font' && tag !== 'body')
    return parent.tag === tag && parent.detailsClosed === closedDetails
      ? parent
      : { ...parent, tag, removed: parent.removed || closedDetails, detailsClosed: closedDetails };
  const style = declarationsOf(tag, attribs, rules);
  const removed =
    parent.removed ||
    closedDetails ||
    'hidden' in attribs ||
    attribs['aria-hidden']?.trim().toLowerCase() === 'true' ||
    isZero(attribs.width) ||
    isZero(attribs.height) ||
    boxHidden(style);
  const visibility = style.get('visibility');
  const fontSize = style.get('font-size');
  const color =
    style.get('color') ?? (tag === 'font' ? attribs.color : undefined) ?? (tag === 'body' ? attribs.text : undefined);
  const background = backgroundOf(style) ?? attribs.bgcolor;
  const ownBackground = background !== undefined ? parseColor(background) : null;
  return {
    tag,
    removed,
    visibility:
      visibility === undefined ? parent.visibility : /^(hidden|collapse)\b/.test(visibility) ? 'hidden' : 'visible',
    fontZero: fontSize === undefined ? parent.fontZero : fontZeroOf(fontSize, parent.fontZero),
    color: color === undefined ? parent.color : (parseColor(color) ?? parent.color),
    background: ownBackground === 'transparent' || ownBackground === null ? parent.background : ownBackground,
    detailsClosed: tag === 'details' ? !('open' in attribs) : closedDetails,
  };
}

function hasAny(attribs: Record<string, string>): boolean {
  for (const _ in attribs) return true;
  return false;
}

/** Whether the element's box shows nothing of its content. */
function boxHidden(style: ReadonlyMap<string, string>): boolean {
  if (style.size === 0) return false;
  const get = (name: string) => style.get(name) ?? '';
  if (/^none\b/.test(get('display'))) return true;
  if (/^all\b/.test(get('mso-hide'))) return true;
  const opacity = Number.parseFloat(get('opacity'));
  if (Number.isFinite(opacity) && opacity <= 0.05) return true;
  for (const name of ['width', 'height', 'max-width', 'max-height']) if (isZero(style.get(name))) return true;
  if (/scale\(\s*0(?:\.0+)?\s*(?:[,)])/.test(get('transform'))) return true;
  if (/rect\(\s*0(?:px)?[\s,]+0(?:px)?[\s,]+0(?:px)?[\s,]+0(?:px)?\s*\)/.test(get('clip'))) return true;
  if (/inset\(\s*(?:50|100)%/.test(get('clip-path'))) return true;
  const offScreen = (name: string) => lengthPx(style.get(name)) <= -500;
  if (/^(absolute|fixed)\b/.test(get('position')) && ['left', 'top', 'right', 'bottom'].some(offScreen)) return true;
  return offScreen('text-indent') && /hidden/.test(get('overflow'));
}

function isZero(value: string | undefined): boolean {
  return (
    value !== undefined &&
    /^\s*[-+]?0*(?:\.0+)?\s*(?:px|pt|em|rem|ex|ch|vw|vh|cm|mm|in|%)?\s*(?:!important)?\s*$/i.test(value) &&
    /0/.test(value)
  );
}

/** `font-size` as an absolute size: 0 or at most 1px/1pt is unreadable; em and % scale the parent's. */
function fontZeroOf(value: string, parentZero: boolean): boolean {
  const match = /^\s*([\d.]+)\s*(px|pt|em|rem|%|)?/i.exec(value);
  if (!match) return parentZero;
  const size = Number.parseFloat(match[1]!);
  const unit = (match[2] ?? '').toLowerCase();
  if (unit === 'em' || unit === '%') return parentZero || size === 0;
  return size <= 1;
}

function lengthPx(value: string | undefined): number {
  const match = value === undefined ? null : /^\s*(-?[\d.]+)\s*(px|pt|em|rem)?/i.exec(value);
  if (!match) return 0;
  const n = Number.parseFloat(match[1]!);
  return (match[2] ?? 'px').toLowerCase() === 'px' ? n : n * 16;
}

function backgroundOf(style: ReadonlyMap<string, string>): string | undefined {
  const color = style.get('background-color');
  if (color !== undefined) return color;
  const background = style.get('background');
  if (background === undefined) return undefined;
  // The color among the shorthand's parts (`#fff url(x) no-repeat`).
  return background.split(/\s+(?![^(]*\))/).find((part) => parseColor(part) !== null);
}

function nearly(a: Rgb, b: Rgb): boolean {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2])) <= 16;
}

const NAMED: Readonly<Record<string, Rgb>> = {
  white: [255, 255, 255],
  black: [0, 0, 0],
  whitesmoke: [245, 245, 245],
  snow: [255, 250, 250],
  ivory: [255, 255, 240],
  gray: [128, 128, 128],
  grey: [128, 128, 128],
  silver: [192, 192, 192],
  red: [255, 0, 0],
  blue: [0, 0, 255],
  navy: [0, 0, 128],
  green: [0, 128, 0],
  yellow: [255, 255, 0],
};

/** A CSS color as RGB, `transparent` (also any alpha 0), or null when not understood. */
export function parseColor(value: string): Rgb | 'transparent' | null {
  const text = value
    .trim()
    .toLowerCase()
    .replace(/\s*!important$/, '');
  if (text === 'transparent') return 'transparent';
  if (NAMED[text]) return NAMED[text]!;
  const hex = /^#([0-9a-f]{3,8})$/.exec(text)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    if (full.length === 8 && Number.parseInt(full.slice(6, 8), 16) === 0) return 'transparent';
    if (full.length !== 6 && full.length !== 8) return null;
    return [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16)) as unknown as Rgb;
  }
  const rgb = /^rgba?\(\s*([\d.]+%?)[\s,]+([\d.]+%?)[\s,]+([\d.]+%?)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(text);
  if (rgb) {
    const alpha = rgb[4];
    if (alpha !== undefined && Number.parseFloat(alpha) === 0) return 'transparent';
    const channel = (c: string) => (c.endsWith('%') ? (Number.parseFloat(c) * 255) / 100 : Number.parseFloat(c));
    return [channel(rgb[1]!), channel(rgb[2]!), channel(rgb[3]!)];
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// CSS: inline declarations and the mail's own simple rules

interface StyleRule {
  /** Lower-cased tag or '' (any), classes and id the element must have. */
  readonly tag: string;
  readonly classes: readonly string[];
  readonly id: string;
  readonly declarations: ReadonlyMap<string, string>;
  readonly important: ReadonlySet<string>;
}

/** The element's declarations: matching rules in order, then its `style` (unless a rule said !important). */
function declarationsOf(
  tag: string,
  attribs: Record<string, string>,
  rules: readonly StyleRule[],
): Map<string, string> {
  const result = new Map<string, string>();
  const important = new Set<string>();
  if (rules.length > 0) {
    const classes = new Set((attribs.class ?? '').split(/\s+/).filter(Boolean));
    for (const rule of rules) {
      if (rule.tag && rule.tag !== tag) continue;
      if (rule.id && rule.id !== attribs.id) continue;
      if (!rule.classes.every((c) => classes.has(c))) continue;
      for (const [name, value] of rule.declarations) {
        if (important.has(name) && !rule.important.has(name)) continue;
        result.set(name, value);
        if (rule.important.has(name)) important.add(name);
      }
    }
  }
  if (attribs.style)
    for (const [name, value] of parseDeclarations(attribs.style).declarations)
      if (!important.has(name)) result.set(name, value);
  return result;
}

function parseDeclarations(text: string): { declarations: Map<string, string>; important: Set<string> } {
  const declarations = new Map<string, string>();
  const important = new Set<string>();
  for (const part of text.replace(/\/\*[\s\S]*?\*\//g, '').split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    const name = part.slice(0, colon).trim().toLowerCase();
    let value = part
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (/!\s*important$/.test(value)) {
      value = value.replace(/\s*!\s*important$/, '');
      important.add(name);
    }
    if (name !== '' && value !== '') declarations.set(name, value);
  }
  return { declarations, important };
}

/**
 * The rules of a `<style>` block that can hide something, with selectors reduced to what can be
 * matched without the document tree: the last compound of each selector (`.a .b` → `.b`, which
 * hides more, never less). Rules in at-rules (`@media`…) and with pseudo-classes are skipped.
 */
function parseStyleSheet(css: string): StyleRule[] {
  const rules: StyleRule[] = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/<!--|-->/g, '');
  let depth = 0;
  let start = 0;
  let atRule = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '{') {
      if (depth === 0) {
        const prelude = text.slice(start, i).trim();
        atRule = prelude.startsWith('@');
        if (!atRule) {
          const end = text.indexOf('}', i);
          if (end === -1) break;
          const { declarations, important } = parseDeclarations(text.slice(i + 1, end));
          if (ruleHides(declarations))
            for (const selector of prelude.split(',')) {
              const rule = compileSelector(selector, declarations, important);
              if (rule) rules.push(rule);
            }
          i = end;
          start = end + 1;
          continue;
        }
      }
      depth++;
    } else if (char === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) start = i + 1;
    } else if (char === ';' && depth === 0) {
      start = i + 1; // @import …;
    }
  }
  return rules;
}

/**
 * Whether a rule's declarations hide what they apply to, on their own: a box that shows nothing,
 * hidden or unreadable text, or text colourless or (nearly) white — the usual background. Rules
 * that only style visible text (most of a mail's sheet: fonts, margins, colours) are not kept.
 */
function ruleHides(declarations: ReadonlyMap<string, string>): boolean {
  if (boxHidden(declarations)) return true;
  if (/^(hidden|collapse)\b/.test(declarations.get('visibility') ?? '')) return true;
  const fontSize = declarations.get('font-size');
  if (fontSize !== undefined && fontZeroOf(fontSize, false)) return true;
  const color = declarations.get('color');
  if (color === undefined) return false;
  const parsed = parseColor(color);
  return parsed === 'transparent' || parsed?.every((channel) => channel >= 239) === true;
}

function compileSelector(
  selector: string,
  declarations: ReadonlyMap<string, string>,
  important: ReadonlySet<string>,
): StyleRule | null {
  const compound =
    selector
      .trim()
      .split(/\s*[\s>+~]\s*/)
      .pop() ?? '';
  if (compound === '' || /[:[]/.test(compound)) return null;
  const match = /^([a-z][a-z0-9-]*|\*)?((?:[.#][\w-]+)*)$/i.exec(compound);
  if (!match) return null;
  const parts = match[2]!.match(/[.#][\w-]+/g) ?? [];
  const ids = parts.filter((p) => p.startsWith('#')).map((p) => p.slice(1));
  if (ids.length > 1) return null;
  return {
    tag: match[1] && match[1] !== '*' ? match[1].toLowerCase() : '',
    classes: parts.filter((p) => p.startsWith('.')).map((p) => p.slice(1)),
    id: ids[0] ?? '',
    declarations,
    important,
  };
}

function decodeEscapes(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
