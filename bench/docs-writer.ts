// Writes a bench's figures into docs/benchmarks.md when the bench runs with `--write-docs`:
// each bench owns one section between `<!-- bench:<id>:begin -->` and `<!-- bench:<id>:end -->`
// and replaces only that (a missing section is added at the end). What is outside the markers
// (what each measure means, how to run it) is prose kept by hand. The file is then formatted
// with the project's Prettier settings, so it stays as `npm run lint` wants it.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';

export const BENCHMARKS_DOC = path.resolve(import.meta.dirname, '..', 'docs', 'benchmarks.md');

export interface BenchTable {
  /** The bench's id in the markers: `engine`, `cache`, `ui`. */
  id: string;
  /** The npm script that reproduces it, e.g. `npm run bench:cache`. */
  command: string;
  columns: string[];
  rows: string[][];
}

/** True when the bench was asked to write its figures into the docs. */
export const writeDocsRequested = (argv: readonly string[] = process.argv): boolean => argv.includes('--write-docs');

const begin = (id: string) => `<!-- bench:${id}:begin -->`;
const end = (id: string) => `<!-- bench:${id}:end -->`;

/** When, where and on what the figures were taken, in one line; the load average tells a busy machine. */
export function machineLine(now = new Date()): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() || 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `${now.toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus.length} × ${model}, ${os.platform()}, load average ${load} (1 / 5 / 15 min) when written`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown between a section's markers (markers included). */
export function renderSection(table: BenchTable, machine: string): string {
  for (const row of table.rows) {
    if (row.length !== table.columns.length) {
      throw new Error(
        `bench ${table.id}: a row has ${row.length} cells for ${table.columns.length} columns: ${row.join(' | ')}`,
      );
    }
  }
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [
    begin(table.id),
    '',
    `_Written by \`${table.command} -- --write-docs\` (${machine})._`,
    '',
    line(table.columns),
    line(table.columns.map(() => '---')),
    ...table.rows.map(line),
    '',
    end(table.id),
  ].join('\n');
}

/** `doc` with the section of `table` replaced (or appended when it has none). */
export function replaceSection(doc: string, table: BenchTable, machine: string): string {
  const section = renderSection(table, machine);
  const from = doc.indexOf(begin(table.id));
  const to = doc.indexOf(end(table.id));
  if (from === -1 && to === -1) return `${doc.trimEnd()}\n\n${section}\n`;
  if (from === -1 || to === -1 || to < from) {
    throw new Error(
      `${BENCHMARKS_DOC}: the markers of section "${table.id}" are broken (need ${begin(table.id)} then ${end(table.id)})`,
    );
  }
  return doc.slice(0, from) + section + doc.slice(to + end(table.id).length);
}

/** Replaces the section of `table` in docs/benchmarks.md (through a temp file, so a failed write leaves the old file). */
export async function writeBenchDocs(table: BenchTable, file = BENCHMARKS_DOC): Promise<void> {
  const doc = readFileSync(file, 'utf8');
  const options = (await resolveConfig(file)) ?? {};
  const next = await format(replaceSection(doc, table, machineLine()), { ...options, filepath: file });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
  console.log(`figures written to ${path.relative(process.cwd(), file)} (section "${table.id}")`);
}
