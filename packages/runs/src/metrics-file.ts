import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';

/** Fields of a metrics line that depend on the clock, not on the run's numbers. */
export const WALL_CLOCK_FIELDS = ['seconds', 'samples_per_s'] as const;

/** The complete lines of a metrics.jsonl (a half-written last line, from a kill, is dropped). */
export function readMetricsLines(file: string): Array<Record<string, number>> {
  if (!existsSync(file)) return [];
  const out: Array<Record<string, number>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      break;
    }
  }
  return out;
}

export function writeMetricsLines(file: string, lines: readonly object[]): void {
  writeFileAtomic(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
}

export function appendMetricsLine(file: string, line: object): void {
  appendFileSync(file, JSON.stringify(line) + '\n');
}
