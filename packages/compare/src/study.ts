import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import type { SuiteSpec, Trial } from './suite';

/** A picture a study draws from its results (written as `<name>.svg` and `<name>.png`). */
export interface StudyPlot {
  name: string;
  svg: string;
  png: Uint8Array;
}

/** The record a study trial produced (one line of results.jsonl, after the trial's identity fields). */
export type StudyRecord = Record<string, unknown>;

/** A study result line: the trial's identity, then what the study measured. */
export interface StudyResult extends StudyRecord {
  index: number;
  id: string;
  group: string;
  seed: number;
}

/**
 * A kind of trial other than a training run: an alignment study, a benchmark. Each trial runs once and
 * writes its record; a trial killed midway runs again from its start (studies are short). Studies that
 * measure wall-clock time give different numbers on every run; their tables say so.
 */
export interface Study {
  name: string;
  /** Runs one trial. `options` are the suite's `study.options`; the trial's configuration says the rest. */
  run(trial: Trial, options: Record<string, unknown>, progress: (line: string) => void): Promise<StudyRecord> | StudyRecord;
  /** table.md from the results so far (in grid order). */
  table(spec: SuiteSpec, trials: readonly Trial[], results: readonly StudyResult[]): string;
  /** The plots of the finished suite. */
  plots?(spec: SuiteSpec, trials: readonly Trial[], results: readonly StudyResult[]): Promise<StudyPlot[]>;
}

const studies = new Map<string, Study>();

/** Makes a study available to suites that name it (`SuiteSpec.study.name`); the CLI registers its own. */
export function registerStudy(study: Study): void {
  if (!study.name) throw new InvalidArgumentError('study', 'needs a name');
  studies.set(study.name, study);
}

export function getStudy(name: string): Study {
  const s = studies.get(name);
  if (!s) throw new UnknownNameError('study', name, [...studies.keys()]);
  return s;
}
