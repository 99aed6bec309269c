// How narrow an HTML mail's tables can get before they overflow: the min-content width of each
// block of the mail's body, estimated from our own markup (tables, inline styles) with Arial's
// glyph widths — what a phone's mail client lays out when the screen is narrower than the mail.
// Approximate on purpose (no browser in CI), and on the wide side: bold counts 8 % wider, and an
// unknown glyph as wide as an « m ».

export interface HtmlNode {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: (HtmlNode | string)[];
}

const VOID = new Set(['br', 'img', 'meta', 'link', 'hr', 'input']);
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  nbsp: '\u00a0',
  '#x27': "'",
  '#39': "'",
  '#x60': '`',
  '#x3D': '=',
};

function decode(text: string): string {
  return text.replace(/&(#?\w+);/g, (whole, name: string) => ENTITIES[name] ?? whole);
}

/** A tree of the HTML, Outlook-only conditional content and comments left out. */
export function parseHtml(html: string): HtmlNode {
  const root: HtmlNode = { tag: '#root', attrs: {}, children: [] };
  const stack: HtmlNode[] = [root];
  const source = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/i, '');
  const tag = /<(\/?)([a-zA-Z][\w:-]*)([^>]*)>/g;
  let last = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const text = source.slice(last, m.index);
    if (text) stack.at(-1)!.children.push(decode(text));
    last = tag.lastIndex;
    const name = m[2]!.toLowerCase();
    if (m[1]) {
      const open = stack.findLastIndex((n) => n.tag === name);
      if (open > 0) stack.length = open;
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3]!.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!.toLowerCase()] = decode(a[2]!);
    const node: HtmlNode = { tag: name, attrs, children: [] };
    stack.at(-1)!.children.push(node);
    if (!VOID.has(name) && !m[3]!.trim().endsWith('/')) stack.push(node);
  }
  return root;
}

/** Every element of `node` matching `test`, depth first. */
export function findAll(node: HtmlNode, test: (n: HtmlNode) => boolean): HtmlNode[] {
  const found: HtmlNode[] = [];
  for (const child of node.children) {
    if (typeof child === 'string') continue;
    if (test(child)) found.push(child);
    found.push(...findAll(child, test));
  }
  return found;
}

// Advance widths of Arial (Helvetica, Liberation Sans, Nimbus Sans) in em.
const NARROW = { i: 0.222, j: 0.222, l: 0.222, f: 0.278, t: 0.278, r: 0.333, I: 0.278 };
const GLYPHS: Record<string, number> = {
  ...NARROW,
  m: 0.833,
  w: 0.722,
  c: 0.5,
  k: 0.5,
  s: 0.5,
  v: 0.5,
  x: 0.5,
  y: 0.5,
  z: 0.5,
  M: 0.833,
  W: 0.944,
  J: 0.5,
  L: 0.556,
  F: 0.611,
  T: 0.611,
  Z: 0.611,
  ' ': 0.278,
  '\u00a0': 0.278,
  '\u202f': 0.2,
  '%': 0.889,
  ',': 0.278,
  '.': 0.278,
  ':': 0.278,
  ';': 0.278,
  '(': 0.333,
  ')': 0.333,
  '/': 0.278,
  '-': 0.333,
  '’': 0.222,
  "'": 0.191,
  '+': 0.584,
  '−': 0.584,
  '±': 0.549,
  '>': 0.584,
  '<': 0.584,
  '—': 1,
  '–': 0.556,
  '…': 1,
  '«': 0.556,
  '»': 0.556,
};

function glyph(char: string): number {
  const known = GLYPHS[char];
  if (known !== undefined) return known;
  const base = char.normalize('NFD')[0] ?? char;
  if (GLYPHS[base] !== undefined) return GLYPHS[base]!;
  if (/[0-9a-z]/.test(base)) return 0.556;
  if (/[A-Z]/.test(base)) return 0.722;
  return 0.833;
}

interface TextStyle {
  readonly size: number;
  readonly bold: boolean;
  readonly nowrap: boolean;
  readonly anywhere: boolean;
}

function styleOf(node: HtmlNode): Record<string, string> {
  const style: Record<string, string> = {};
  for (const part of (node.attrs.style ?? '').split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) style[part.slice(0, colon).trim().toLowerCase()] = part.slice(colon + 1).trim();
  }
  return style;
}

function px(value: string | undefined): number {
  const m = /^(-?[\d.]+)px/.exec(value ?? '');
  return m ? Number(m[1]) : 0;
}

/** Left plus right padding and border of an element, in px. */
function horizontalBox(style: Record<string, string>): number {
  let left = 0;
  let right = 0;
  if (style.padding) {
    const parts = style.padding.split(/\s+/).map(px);
    right = parts[1] ?? parts[0]!;
    left = parts[3] ?? parts[1] ?? parts[0]!;
  }
  if (style['padding-left']) left = px(style['padding-left']);
  if (style['padding-right']) right = px(style['padding-right']);
  const border = (value: string | undefined) => (value && !/none/.test(value) ? px(value.split(/\s+/)[0]) : 0);
  left += border(style['border-left'] ?? style.border);
  right += border(style['border-right'] ?? style.border);
  return left + right;
}

function inherit(parent: TextStyle, style: Record<string, string>): TextStyle {
  return {
    size: style['font-size'] ? px(style['font-size']) : parent.size,
    bold: style['font-weight'] ? /^(bold|[6-9]00)$/.test(style['font-weight']) : parent.bold,
    nowrap: style['white-space'] ? style['white-space'] === 'nowrap' : parent.nowrap,
    anywhere: style['overflow-wrap'] === 'anywhere' || parent.anywhere,
  };
}

function textWidth(text: string, style: TextStyle): number {
  let em = 0;
  for (const char of text) em += glyph(char);
  return em * style.size * (style.bold ? 1.08 : 1);
}

/**
 * The min-content width of `node`'s content in px: the widest piece that cannot be broken (a word,
 * a nowrap run, an image, an inline block, a table), plus the element's own padding and border.
 */
export function minContentWidth(
  node: HtmlNode,
  parent: TextStyle = { size: 16, bold: false, nowrap: false, anywhere: false },
): number {
  const style = styleOf(node);
  const text = inherit(parent, style);
  const box = horizontalBox(style);
  if (node.tag === 'img') return /%/.test(style.width ?? '') ? 0 : Number(node.attrs.width ?? 0);
  if (node.tag === 'table') return tableWidth(node, text) + box;
  let widest = 0;
  let piece = 0;
  const end = () => {
    widest = Math.max(widest, piece);
    piece = 0;
  };
  const walk = (n: HtmlNode, s: TextStyle) => {
    for (const child of n.children) {
      if (typeof child === 'string') {
        if (s.anywhere) {
          for (const char of child) widest = Math.max(widest, textWidth(char, s));
          continue;
        }
        const words = s.nowrap ? [child.replace(/\s+/g, ' ')] : child.split(/[ \t\r\n]+/);
        words.forEach((word, i) => {
          if (i > 0) end();
          piece += textWidth(word, s);
        });
        if (!s.nowrap && /[ \t\r\n]$/.test(child)) end();
        continue;
      }
      const childStyle = styleOf(child);
      if (child.tag === 'br') {
        end();
        continue;
      }
      const inline = ['span', 'strong', 'b', 'em', 'i', 'a', 'code'].includes(child.tag);
      if (inline && !/inline-block/.test(childStyle.display ?? '')) {
        piece += horizontalBox(childStyle);
        walk(child, inherit(s, childStyle));
        continue;
      }
      // A block, an inline block, a table or an image: as wide as its own min-content, on its own.
      const blockWidth = minContentWidth(child, s);
      if (/inline-block/.test(childStyle.display ?? '') || child.tag === 'img') {
        piece += blockWidth;
      } else {
        end();
        widest = Math.max(widest, blockWidth);
      }
    }
  };
  walk(node, text);
  end();
  return widest + box;
}

function tableWidth(table: HtmlNode, parent: TextStyle): number {
  const rows = findAll(table, (n) => n.tag === 'tr').filter((tr) => nearestTable(table, tr) === table);
  const columns: number[] = [];
  const spans: { from: number; count: number; width: number }[] = [];
  for (const tr of rows) {
    const rowStyle = inherit(parent, styleOf(tr));
    let column = 0;
    for (const cell of tr.children) {
      if (typeof cell === 'string' || (cell.tag !== 'td' && cell.tag !== 'th')) continue;
      const width = minContentWidth(cell, cell.tag === 'th' ? { ...rowStyle, bold: true } : rowStyle);
      const count = Number(cell.attrs.colspan ?? 1);
      if (count === 1) columns[column] = Math.max(columns[column] ?? 0, width);
      else spans.push({ from: column, count, width });
      column += count;
    }
  }
  const sum = (from: number, count: number) =>
    columns.slice(from, from + count).reduce((total, w) => total + (w ?? 0), 0);
  return Math.max(sum(0, columns.length), ...spans.map((s) => s.width - sum(s.from, s.count) + sum(0, columns.length)));
}

/** The table a row belongs to (rows of nested tables belong to those). */
function nearestTable(root: HtmlNode, target: HtmlNode): HtmlNode | null {
  const search = (node: HtmlNode, table: HtmlNode | null): HtmlNode | null => {
    for (const child of node.children) {
      if (typeof child === 'string') continue;
      if (child === target) return table;
      const found = search(child, child.tag === 'table' ? child : table);
      if (found) return found;
    }
    return null;
  };
  return search(root, root);
}
