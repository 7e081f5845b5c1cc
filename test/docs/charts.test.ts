/**
 * The SVG charts of the docs (scripts/charts.mjs) are drawn from the Markdown tables of
 * docs/performance.md and docs/payment-benchmark.md. Regenerating them must give the committed files
 * byte for byte, so a table changed without `node scripts/charts.mjs` fails here; and a figure
 * changed in a table must change its chart (the charts read the tables, they hold no figures).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

interface Chart {
  readonly file: string;
  readonly page: string | undefined;
  readonly heading: string;
  readonly alt: string;
  readonly svg: string;
}
interface ChartsModule {
  charts(read?: (file: string) => string): Chart[];
  withEmbed(markdown: string, chart: Chart): string;
  tableAfter(markdown: string, heading: string): { header: string[]; rows: string[][] };
}

const root = join(import.meta.dirname, '..', '..');
const { charts, withEmbed, tableAfter } = (await import(new URL('../../scripts/charts.mjs', import.meta.url).href)) as ChartsModule;
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

describe('the docs charts', () => {
  const all = charts();

  test('the committed SVGs are what the tables draw now (run node scripts/charts.mjs after a benchmark)', () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
    const stale = all.filter((c) => !existsSync(join(root, c.file)) || read(c.file) !== c.svg).map((c) => c.file);
    expect(stale).toEqual([]);
  });

  test('each chart of docs/performance.md is embedded in the page, above the table it draws', () => {
    for (const chart of all.filter((c) => c.page)) {
      const page = read(chart.page as string);
      expect(withEmbed(page, chart), `${chart.file} is not embedded in ${chart.page}`).toBe(page);
      const image = page.indexOf(`(${chart.file.replace(/^docs\//, '')})`);
      const heading = page.search(new RegExp(`^#+ ${chart.heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(image).toBeGreaterThan(heading);
    }
  });

  test('every chart is accessible: a title, a description, axis labels and a value printed on every bar', () => {
    for (const { file, svg } of all) {
      expect(svg, file).toMatch(/role="img" aria-labelledby="[\w-]+-title [\w-]+-desc"/);
      expect(svg, file).toMatch(/<title id="[\w-]+-title">[^<]+<\/title>/);
      expect(svg, file).toMatch(/<desc id="[\w-]+-desc">[^<]+<\/desc>/);
      expect(svg, file).toMatch(/class="axis">[^<]+</);
      const bars = svg.match(/<rect x="\d+" y="\d+"/g) ?? [];
      const values = svg.match(/class="value">[^<]+</g) ?? [];
      expect(bars.length, file).toBeGreaterThan(1);
      expect(values.length, file).toBe(bars.length);
      expect(svg, file).not.toMatch(/NaN|undefined|Infinity/);
    }
  });

  test('the values on the bars are the figures of the tables', () => {
    const byFile = new Map(all.map((c) => [c.file, c.svg]));
    const bundle = tableAfter(read('docs/performance.md'), 'Bundle size');
    const column = bundle.header.indexOf('library code, gzip');
    for (const row of bundle.rows.filter((r) => !(r[column] as string).includes('baseline'))) {
      expect(byFile.get('docs/charts/bundle-size.svg')).toContain(`class="value">${row[column]}<`);
    }
    const warm = tableAfter(read('docs/performance.md'), 'Warm overhead: CPU per operation, network replaced by recorded answers');
    for (const row of warm.rows.filter((r) => !(r[0] as string).includes('baseline'))) {
      for (const cell of row.slice(1)) {
        const ratio = /\(([\d.]+x)\)/.exec(cell)?.[1];
        expect(ratio, cell).toBeDefined();
        expect(byFile.get('docs/charts/cpu-per-operation.svg')).toContain(`class="value">${ratio} (`);
      }
    }
  });

  test('changing a figure in a table changes its chart', () => {
    const edited = (file: string): string => {
      const text = read(file);
      if (file === 'docs/performance.md') return text.replace('| DynamORM | 239 (1.01x) |', '| DynamORM | 239 (1.91x) |').replace('**19.0 KiB**', '**29.5 KiB**');
      return text.replace('| bundle (gzip bytes) | 46,164 |', '| bundle (gzip bytes) | 56,164 |');
    };
    // The edits must hit the tables as they stand; if a benchmark rerun changed these figures, pick others.
    expect(edited('docs/performance.md')).not.toBe(read('docs/performance.md'));
    expect(edited('docs/payment-benchmark.md')).not.toBe(read('docs/payment-benchmark.md'));
    const changed = charts(edited);
    const svg = (file: string): string => changed.find((c) => c.file === file)?.svg ?? '';
    expect(svg('docs/charts/cpu-per-operation.svg')).toContain('class="value">1.91x (239 µs)<');
    expect(svg('docs/charts/bundle-size.svg')).toContain('class="value">29.5 KiB<');
    expect(svg('docs/charts/payment-bundle.svg')).toContain('(56,164 B)');
    // The others are unchanged.
    expect(svg('docs/charts/cold-start.svg')).toBe(all.find((c) => c.file === 'docs/charts/cold-start.svg')?.svg);
  });
});
