import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@snn/errors';

/** `2026-12-03_18-40-12-345`: UTC time to the millisecond, sortable. */
export function runTimestamp(date = new Date()): string {
  return date.toISOString().replace('T', '_').replace(/[:.]/g, '-').slice(0, 23);
}

/** Files that mark a folder as an snn run folder (only such a folder is ever replaced by `overwrite`). */
const RUN_MARKERS = ['config.json', 'checkpoint.json', 'metrics.jsonl'];

export interface RunFolderRequest {
  /** Parent of an automatically named folder (`<time>-<label>-<random>`), created if missing. */
  parent?: string;
  /** Words in the automatic name, e.g. `bptt-lif-randman`. */
  label?: string;
  /** Use exactly this folder instead: it must not exist or be empty, unless `overwrite`. */
  folder?: string;
  /** Replace an existing run folder at `folder` (refused for a folder that is not a run folder). */
  overwrite?: boolean;
}

/**
 * Creates a run folder that no other run shares: automatic names carry the time to the millisecond and
 * a random suffix, and the folder is created exclusively (a collision, however unlikely, draws a new
 * suffix instead of sharing). Returns the absolute path.
 */
export function createRunFolder(request: RunFolderRequest): string {
  if (request.folder !== undefined) {
    const folder = resolve(request.folder);
    if (existsSync(folder)) {
      if (!statSync(folder).isDirectory()) throw new InvalidArgumentError('--out', `${folder} exists and is not a folder`);
      const entries = readdirSync(folder);
      if (entries.length > 0) {
        if (!request.overwrite) {
          throw new InvalidArgumentError('--out', `${folder} already exists and is not empty; continue it with --resume ${folder}, replace it with --overwrite, or name a new folder`);
        }
        if (!RUN_MARKERS.some((m) => entries.includes(m))) {
          throw new InvalidArgumentError('--overwrite', `${folder} is not a run folder (it has none of ${RUN_MARKERS.join(', ')}); refusing to delete it`);
        }
        rmSync(folder, { recursive: true, force: true });
      } else {
        return folder;
      }
    }
    mkdirSync(folder, { recursive: true });
    return folder;
  }
  const parent = resolve(request.parent ?? 'runs');
  mkdirSync(parent, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = [runTimestamp(), request.label, randomBytes(3).toString('hex')].filter(Boolean).join('-');
    const folder = join(parent, name);
    try {
      mkdirSync(folder); // not recursive: fails with EEXIST instead of sharing a folder
      return folder;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new InvalidArgumentError('--runs', `could not create a new run folder in ${parent} after 100 attempts`);
}
