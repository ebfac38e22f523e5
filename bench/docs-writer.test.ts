import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCHMARKS_DOC, replaceSection, writeBenchDocs, writeDocsRequested, type BenchTable } from './docs-writer';

const cache: BenchTable = {
  id: 'cache',
  command: 'npm run bench:cache',
  columns: ['what', 'figure'],
  rows: [
    ['ingest', '126,281 logs/s'],
    ['search | regex', 'p95 25.8 ms'],
  ],
};

const DOC = `# Benchmarks

## Engine

<!-- bench:engine:begin -->
engine figures
<!-- bench:engine:end -->

## Console cache

Prose about the cache bench.

<!-- bench:cache:begin -->
old cache figures
<!-- bench:cache:end -->

Notes after the cache section.
`;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('bench docs writer', () => {
  it('replaces only its own section, keeping the prose around it and the other sections', () => {
    const out = replaceSection(DOC, cache, '2026-12-03, Node 20.20.2');
    expect(out).not.toContain('old cache figures');
    expect(out).toContain('engine figures');
    expect(out).toContain('Prose about the cache bench.\n\n<!-- bench:cache:begin -->');
    expect(out).toContain('<!-- bench:cache:end -->\n\nNotes after the cache section.');
    expect(out).toContain('_Written by `npm run bench:cache -- --write-docs` (2026-12-03, Node 20.20.2)._');
    expect(out).toContain('| what | figure |\n| --- | --- |\n| ingest | 126,281 logs/s |');
    // a pipe inside a cell cannot break the table
    expect(out).toContain('| search \\| regex | p95 25.8 ms |');
    // writing again gives the same document
    expect(replaceSection(out, cache, '2026-12-03, Node 20.20.2')).toBe(out);
  });

  it('adds a section the document does not have yet at its end', () => {
    const out = replaceSection('# Benchmarks\n', { ...cache, id: 'ui' }, 'today');
    expect(out).toMatch(/^# Benchmarks\n\n<!-- bench:ui:begin -->\n[^]*<!-- bench:ui:end -->\n$/);
  });

  it('refuses broken markers and rows that do not fit the columns, naming what is wrong', () => {
    expect(() => replaceSection('<!-- bench:cache:end -->\n<!-- bench:cache:begin -->', cache, 'x')).toThrow(
      /markers of section "cache" are broken/,
    );
    expect(() => replaceSection('<!-- bench:cache:begin -->', cache, 'x')).toThrow(/markers of section "cache"/);
    expect(() => replaceSection(DOC, { ...cache, rows: [['one cell']] }, 'x')).toThrow(
      /bench cache: a row has 1 cells for 2 columns: one cell/,
    );
  });

  it('writes the file in place, formatted, leaving no temp file; untouched when it cannot write', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-bench-docs-'));
    dirs.push(dir);
    const file = path.join(dir, 'benchmarks.md');
    writeFileSync(file, DOC);
    await writeBenchDocs(cache, file);
    const written = readFileSync(file, 'utf8');
    // Prettier pads the columns: the same table, aligned
    expect(written).toMatch(/^\| what +\| figure +\|\n\| -+ \| -+ \|\n\| ingest +\| 126,281 logs\/s \|$/m);
    expect(written).toContain('engine figures');
    expect(readdirSync(dir)).toEqual(['benchmarks.md']);

    writeFileSync(file, '<!-- bench:cache:begin -->\nhalf a section');
    await expect(writeBenchDocs(cache, file)).rejects.toThrow(/broken/);
    expect(readFileSync(file, 'utf8')).toBe('<!-- bench:cache:begin -->\nhalf a section');
  });

  it('is asked for with --write-docs, and the real docs/benchmarks.md has a section for every bench', () => {
    expect(writeDocsRequested(['node', 'bench/cache.bench.ts', '--write-docs'])).toBe(true);
    expect(writeDocsRequested(['node', 'bench/cache.bench.ts'])).toBe(false);
    const doc = readFileSync(BENCHMARKS_DOC, 'utf8');
    for (const id of ['engine', 'cache', 'ui']) {
      expect(doc.indexOf(`<!-- bench:${id}:begin -->`)).toBeGreaterThan(-1);
      expect(doc.indexOf(`<!-- bench:${id}:end -->`)).toBeGreaterThan(doc.indexOf(`<!-- bench:${id}:begin -->`));
    }
  });
});
