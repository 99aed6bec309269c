// A V8 CPU profile of this process (node:inspector), summarised: self time by library or part of
// reclam, the heaviest functions, and the inclusive time of chosen reclam functions.
import { Session } from 'node:inspector/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by category, ms, sorted. */
  readonly byCategory: { category: string; ms: number; share: number }[];
  readonly topFunctions: { fn: string; ms: number; share: number }[];
  /** Inclusive time (any frame on the stack) of selected reclam functions. */
  readonly inclusive: { fn: string; ms: number; share: number }[];
}

const CATEGORIES: [RegExp, string][] = [
  [
    /node_modules\/(mailparser|libmime|libqp|libbase64|iconv-lite|encoding-japanese|punycode|html-to-text|linkify-it|tlds|@zone-eu\/mailsplit|mailsplit|selderee|parseley|peberminta|@selderee)/,
    'mail parsing (mailparser & co)',
  ],
  [/node_modules\/email-reply-parser|node_modules\/re2/, 'reply-text extraction (email-reply-parser)'],
  [
    /node_modules\/(sanitize-html|htmlparser2|domhandler|domutils|dom-serializer|entities|parse-srcset|postcss|nanoid|is-plain-object|deepmerge|escape-string-regexp)/,
    'HTML sanitising (sanitize-html)',
  ],
  [/node_modules\/handlebars/, 'templates (handlebars)'],
  [/node_modules\/drizzle-orm/, 'drizzle ORM'],
  [/node_modules\/postgres\//, 'postgres.js driver'],
  [/node_modules\/imapflow|node_modules\/@zone-eu/, 'imapflow'],
  [/node_modules\/smtp-server/, 'SMTP receiver (bench side)'],
  [/node_modules\/nodemailer/, 'nodemailer'],
  [/node_modules\/(pino|sonic-boom|fast-redact|quick-format|on-exit-leak-free|thread-stream)/, 'logging (pino)'],
  [/node_modules\/zod/, 'zod'],
  [/node_modules\/(tsx|esbuild|get-tsconfig)/, 'tsx loader'],
  [/\/src\/domain\/(qualification|qualification-rules|french-text)/, 'reclam: qualification'],
  [/\/src\/domain\/inbound-classification/, 'reclam: classification'],
  [/\/src\/domain\/reply-text/, 'reclam: reply-text'],
  [/\/src\/adapters\/mail-parser/, 'reclam: parser adapter'],
  [/\/src\/adapters\/template-renderer/, 'reclam: template adapter'],
  [/\/src\/domain\//, 'reclam: other domain'],
  [/\/src\//, 'reclam: services/db/adapters'],
  [/\/bench\/|\/tests\//, 'bench & harness'],
  [/node_modules\//, 'other libraries'],
  [/^node:|^internal\//, 'node internals (streams, buffers, crypto, net)'],
];

function categoryOf(frame: CallFrame): string {
  if (frame.url === '') {
    if (frame.functionName === '(garbage collector)') return 'GC';
    if (frame.functionName === '(idle)') return 'idle';
    if (frame.functionName === '(program)') return 'native / program';
    if (frame.functionName === '(root)') return 'idle';
    return 'native builtins (RegExp, JSON, …)';
  }
  for (const [pattern, name] of CATEGORIES) if (pattern.test(frame.url)) return name;
  return 'other';
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

export class CpuProfiler {
  private session = new Session();
  async start(intervalUs = 500): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.session.post('Profiler.start');
  }
  async stop(inclusiveOf: readonly string[]): Promise<{ summary: ProfileSummary; profile: Profile }> {
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: Profile };
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    return { summary: summarise(profile, inclusiveOf), profile };
  }
}

export function summarise(profile: Profile, inclusiveOf: readonly string[]): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per sample from timeDeltas (more accurate than hitCount × interval).
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    selfMs.set(samples[i]!, (selfMs.get(samples[i]!) ?? 0) + dt);
  }
  const category = new Map<string, number>();
  const fn = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    const cat = categoryOf(node.callFrame);
    if (cat === 'idle') continue;
    total += ms;
    category.set(cat, (category.get(cat) ?? 0) + ms);
    const key = `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
  }
  // Inclusive: each sample counts once for every wanted function on its stack.
  const wanted = new Set(inclusiveOf);
  const inclusive = new Map<string, number>();
  const stackCache = new Map<number, string[]>();
  const wantedOnStack = (id: number): string[] => {
    const cached = stackCache.get(id);
    if (cached) return cached;
    const found = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (wanted.has(frame.functionName) && frame.url.includes('/src/')) found.add(frame.functionName);
    }
    const list = [...found];
    stackCache.set(id, list);
    return list;
  };
  for (const [id, ms] of selfMs) {
    if (categoryOf(byId.get(id)!.callFrame) === 'idle') continue;
    for (const name of wantedOnStack(id)) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
  }
  const share = (ms: number) => Math.round((ms / total) * 1000) / 10;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: Math.round(total),
    byCategory: sorted(category).map(([c, ms]) => ({ category: c, ms: Math.round(ms), share: share(ms) })),
    topFunctions: sorted(fn)
      .slice(0, 25)
      .map(([f, ms]) => ({ fn: f, ms: Math.round(ms), share: share(ms) })),
    inclusive: sorted(inclusive).map(([f, ms]) => ({ fn: f, ms: Math.round(ms), share: share(ms) })),
  };
}
