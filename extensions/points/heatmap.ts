import { daysOfYear, weekday } from './calendar.ts';
import { MONTHS, pointsWord, text, WEEKDAYS, type Lang } from './messages.ts';
import type { Streaks } from './calendar.ts';

/**
 * A year of activity as an SVG heat-map: a column per week (Monday on top), a square per
 * day shaded by the day's points in five steps, each with a tooltip. Pure.
 */

const CELL = 11;
const GAP = 2;
const LEFT = 28;
const TOP = 34;
const COLOURS = ['#ebedf0', '#c6e48b', '#7bc96f', '#239a3b', '#196127'];

export interface HeatmapInput {
  year: number;
  /** Points per day (YYYY-MM-DD); days absent are zero. */
  points: Map<string, number>;
  streaks: Streaks;
  lang: Lang;
}

/** Steps by quartiles of the year's non-zero days, so a quiet year still shows contrast. */
export function levels(values: number[]): (v: number) => number {
  const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const cuts = [q(0.25), q(0.5), q(0.75)];
  return (v) => (v <= 0 ? 0 : 1 + cuts.filter((c) => v > c).length);
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderHeatmap(input: HeatmapInput): string {
  const { year, points, lang, streaks } = input;
  const days = daysOfYear(year);
  const level = levels(days.map((d) => points.get(d) ?? 0));
  const offset = weekday(days[0]!);
  const columns = Math.ceil((days.length + offset) / 7);
  const width = LEFT + columns * (CELL + GAP) + 10;
  const height = TOP + 7 * (CELL + GAP) + 28;
  const total = days.reduce((s, d) => s + (points.get(d) ?? 0), 0);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10" role="img">`);
  const title = `${year}: ${total} ${pointsWord(total, lang)} · ${text('streak', lang)} ${streaks.current} ${text('days', lang)}, ${text('longest', lang)} ${streaks.longest}`;
  out.push(`<title>${escape(title)}</title>`);
  out.push(`<text x="${LEFT}" y="12" font-size="12">${escape(title)}</text>`);
  let lastMonth = -1;
  days.forEach((day, i) => {
    const column = Math.floor((i + offset) / 7);
    const row = weekday(day);
    const x = LEFT + column * (CELL + GAP);
    const y = TOP + row * (CELL + GAP);
    const month = Number(day.slice(5, 7)) - 1;
    if (month !== lastMonth && row <= 3) {
      out.push(`<text x="${x}" y="${TOP - 6}">${escape(MONTHS[lang][month]!)}</text>`);
      lastMonth = month;
    }
    const p = points.get(day) ?? 0;
    out.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" rx="2" fill="${COLOURS[level(p)]}" data-date="${day}" data-points="${p}"><title>${day}: ${p} ${escape(pointsWord(p, lang))}</title></rect>`);
  });
  for (const row of [0, 2, 4]) {
    out.push(`<text x="0" y="${TOP + row * (CELL + GAP) + CELL - 2}">${escape(WEEKDAYS[lang][row]!)}</text>`);
  }
  const legendY = TOP + 7 * (CELL + GAP) + 10;
  const legendX = width - 10 - COLOURS.length * (CELL + GAP) - 50;
  out.push(`<text x="${legendX - 4}" y="${legendY + CELL - 2}" text-anchor="end">${escape(text('less', lang))}</text>`);
  COLOURS.forEach((c, i) => out.push(`<rect x="${legendX + i * (CELL + GAP)}" y="${legendY}" width="${CELL}" height="${CELL}" rx="2" fill="${c}"/>`));
  out.push(`<text x="${legendX + COLOURS.length * (CELL + GAP) + 4}" y="${legendY + CELL - 2}">${escape(text('more', lang))}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
