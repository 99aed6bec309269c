// The only file that imports @resvg/resvg-js: draws the digest's 12-month chart as SVG in code
// (stacked bars by level: received dark, closed light) and rasterises it to PNG without a
// browser, with fonts read from the machine (DejaVu or Liberation; else whatever it has).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChartRenderer, TrendChart } from '../ports.js';

const WIDTH = 600;
const HEIGHT = 300;
const SCALE = 2;
const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
];

/** Level colours, most serious first: red, amber, blue, then greens and violets for longer scales. */
const PALETTE = ['#b42318', '#d97706', '#2563a8', '#4d7c0f', '#7c3aed', '#0f766e', '#be185d', '#57534e', '#1e3a8a'];

function tint(hex: string, amount: number): string {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${channels
    .map((c) =>
      Math.round(c + (255 - c) * amount)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** A round axis maximum ≥ `value` with about four steps: 1, 2, 2.5 or 5 × 10^k per step. */
function niceScale(value: number): { max: number; step: number } {
  if (value <= 4) return { max: 4, step: 1 };
  const rough = value / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough && Number.isInteger(s))!;
  return { max: Math.ceil(value / step) * step, step };
}

function formatTick(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** The chart as SVG markup, `WIDTH` × `HEIGHT` user units. Exported for tests. */
export function trendChartSvg(chart: TrendChart): string {
  const left = 44;
  const right = 12;
  const top = 62;
  const bottom = 34;
  const plotWidth = WIDTH - left - right;
  const plotHeight = HEIGHT - top - bottom;
  const months = chart.months.length || 1;
  const totals = (series: readonly (readonly number[])[]) => series.map((levels) => levels.reduce((s, n) => s + n, 0));
  const receivedTotals = totals(chart.received);
  const closedTotals = totals(chart.closed);
  const { max, step } = niceScale(Math.max(1, ...receivedTotals, ...closedTotals));
  const y = (value: number) => top + plotHeight - (value / max) * plotHeight;
  const parts: string[] = [];

  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${left - 34}" y="20" font-size="14" font-weight="bold" fill="#1f2937">${escapeXml(chart.title)}</text>`,
  );

  // Legend: one swatch pair per level, then how to read dark and light bars.
  let x = left - 34;
  chart.levels.forEach((level, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    parts.push(`<rect x="${x}" y="31" width="10" height="10" fill="${color}"/>`);
    parts.push(
      `<rect x="${x + 11}" y="31" width="10" height="10" fill="${tint(color, 0.62)}" stroke="${color}" ` +
        `stroke-width="0.8"/>`,
    );
    parts.push(`<text x="${x + 26}" y="40" font-size="11" fill="#374151">${escapeXml(level.label)}</text>`);
    x += 26 + level.label.length * 6.6 + 14;
  });
  parts.push(
    `<text x="${WIDTH - right}" y="40" font-size="11" fill="#6b7280" text-anchor="end">foncé : reçues · clair : ` +
      `clôturées</text>`,
  );

  // Grid and vertical scale.
  for (let value = 0; value <= max; value += step) {
    const gy = y(value);
    parts.push(
      `<line x1="${left}" y1="${gy}" x2="${WIDTH - right}" y2="${gy}" ` +
        `stroke="${value === 0 ? '#9ca3af' : '#e5e7eb'}" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${gy + 4}" font-size="10" fill="#6b7280" text-anchor="end">${formatTick(value)}</text>`,
    );
  }

  const group = plotWidth / months;
  const barWidth = Math.min(16, group * 0.34);
  const gap = Math.max(1.5, group * 0.04);
  chart.months.forEach((label, m) => {
    const centre = left + group * (m + 0.5);
    const bars: [readonly number[], number, boolean][] = [
      [chart.received[m] ?? [], centre - gap / 2 - barWidth, false],
      [chart.closed[m] ?? [], centre + gap / 2, true],
    ];
    for (const [levels, bx, light] of bars) {
      let base = 0;
      levels.forEach((count, l) => {
        if (count <= 0) return;
        const color = PALETTE[l % PALETTE.length]!;
        const y1 = y(base + count);
        const h = y(base) - y1;
        const paint = light ? `fill="${tint(color, 0.62)}" stroke="${color}" stroke-width="0.8"` : `fill="${color}"`;
        parts.push(
          `<rect x="${bx.toFixed(1)}" y="${y1.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" ` +
            `${paint}/>`,
        );
        base += count;
      });
      if (base > 0) {
        parts.push(
          `<text x="${(bx + barWidth / 2).toFixed(1)}" y="${(y(base) - 3).toFixed(1)}" ` +
            `font-size="${barWidth < 12 ? 8 : 9}" fill="#4b5563" text-anchor="middle">${formatTick(base)}</text>`,
        );
      }
    }
    parts.push(
      `<text x="${centre.toFixed(1)}" y="${HEIGHT - bottom + 16}" font-size="10" fill="#374151" ` +
        `text-anchor="middle">${escapeXml(label)}</text>`,
    );
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ` +
    `${HEIGHT}" font-family="${FONT}">${parts.join('')}</svg>`
  );
}

export function createTrendChartRenderer(): ChartRenderer {
  const fontFiles = FONT_FILES.filter((file) => existsSync(file));
  return {
    renderTrend(chart) {
      // Loaded on first use (a native module the daemon needs once a month).
      const { Resvg } = createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
      const resvg = new Resvg(trendChartSvg(chart), {
        fitTo: { mode: 'width', value: WIDTH * SCALE },
        font: {
          fontFiles,
          loadSystemFonts: fontFiles.length === 0,
          defaultFontFamily: fontFiles.length ? 'DejaVu Sans' : '',
        },
        background: '#ffffff',
      });
      return { png: new Uint8Array(resvg.render().asPng()), widthPx: WIDTH, heightPx: HEIGHT };
    },
  };
}
