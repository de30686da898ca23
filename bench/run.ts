// `npm run bench`: runs every benchmark module in bench/ (*.bench.ts exporting run…Bench),
// prints one table, and rewrites the results section of docs/benchmarks.md with the machine it ran on.
// Only ratios measured within one run are meant to be compared: these machines are noisy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkGoals } from './goals';
import type { BenchRow } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const sections: { file: string; rows: BenchRow[]; error?: string; seconds: number; load: string }[] = [];
/** The 1-minute load average at a section's start and end: the ratios are only as good as the machine was quiet. */
const load = (): string => os.loadavg()[0]!.toFixed(1);
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as Record<string, unknown>;
  const run = Object.entries(mod).find(([name, value]) => /^run\w*Bench$/.test(name) && typeof value === 'function')?.[1] as (() => Promise<BenchRow[]>) | undefined;
  if (!run) continue;
  console.log(`== ${file} (load ${load()})`);
  const started = performance.now();
  const loadAtStart = load();
  try {
    const rows = await run();
    console.table(rows);
    sections.push({ file, rows, seconds: (performance.now() - started) / 1000, load: `${loadAtStart} → ${load()}` });
  } catch (error) {
    console.error(`${file} failed:`, error);
    sections.push({ file, rows: [], error: error instanceof Error ? error.message : String(error), seconds: (performance.now() - started) / 1000, load: `${loadAtStart} → ${load()}` });
  }
}

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
const lines = [`Measured ${new Date().toISOString()} on ${machine}, ${os.cpus().length} cores; load average (1 min) at each benchmark's start → end in its heading.`, ''];
const goals = checkGoals(sections);
if (goals.some((g) => g.value !== undefined)) {
  lines.push('| goal | measured | met |', '|---|---:|---|');
  for (const g of goals) lines.push(`| ${g.goal} | ${g.value === undefined ? '—' : `${g.value} ${g.unit}`} | ${g.met === undefined ? 'not measured in this run' : g.met ? 'yes' : '**no**'} |`);
  lines.push('');
}
for (const s of sections) {
  lines.push(`### ${s.file} (${s.seconds.toFixed(0)} s, load ${s.load})`, '');
  if (s.error) lines.push(`Failed: ${s.error}`, '');
  else {
    lines.push('| measure | value | unit | note |', '|---|---:|---|---|');
    for (const r of s.rows) lines.push(`| ${r.name} | ${r.value} | ${r.unit} | ${r.note ?? ''} |`);
    lines.push('');
  }
}
const doc = path.join(here, '..', 'docs', 'benchmarks.md');
const begin = '<!-- results:begin -->';
const end = '<!-- results:end -->';
const current = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
console.table(goals);
if (only.length === 0 && current.includes(begin)) {
  fs.writeFileSync(doc, current.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${lines.join('\n')}\n${end}`));
  console.log(`results written to ${path.relative(process.cwd(), doc)}`);
}
if (sections.some((s) => s.error)) process.exitCode = 1;
