import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { writeFileAtomic } from '@snn/runs';
import { runKey, RUN_STATE_FILES } from './names';

/** How far a checkpoint is: epochs done, then batches of the next one (a larger number is further). */
export const positionRank = (p: { epoch: number; batch: number }) => p.epoch * 1e9 + p.batch;

/** Reads the state files of a run folder; the checkpoint first, since the others are written before it. */
function readRunFiles(runDir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const name of ['checkpoint.json', ...RUN_STATE_FILES.filter((f) => f !== 'checkpoint.json')]) {
    const file = join(runDir, name);
    if (existsSync(file)) out.push([name, readFileSync(file)]);
  }
  return out;
}

/** Where workers keep a trial's checkpoints between attempts: somewhere every worker reaches. */
export interface TrialStore {
  /** Copies what the store holds for the job into the empty folder `runDir`; false if it holds nothing. */
  download(jobId: string, runDir: string): Promise<boolean>;
  /** Saves the run folder's state, unless the store already holds a checkpoint further on (a stale worker). */
  upload(jobId: string, runDir: string, rank: number): Promise<void>;
  /** Forgets the job's state (a checkpoint that cannot be read: the trial starts again). */
  clear(jobId: string): Promise<void>;
  describe(): string;
}

// Writes only when the stored checkpoint is not further on: a worker that lost its job (its lock expired
// while Redis was away, say) cannot put the run back behind the worker that took it over.
const UPLOAD = `
local current = tonumber(redis.call('HGET', KEYS[1], '.rank') or '-1')
if tonumber(ARGV[1]) < current then return 0 end
redis.call('HSET', KEYS[1], '.rank', ARGV[1], unpack(ARGV, 2))
return 1`;

/** Checkpoints in Redis itself (a hash per trial): right for checkpoints of up to some megabytes. */
export class RedisStore implements TrialStore {
  constructor(private readonly redis: Redis) {}

  async download(jobId: string, runDir: string): Promise<boolean> {
    const fields = await this.redis.hgetallBuffer(runKey(jobId));
    const files = Object.entries(fields).filter(([name]) => (RUN_STATE_FILES as readonly string[]).includes(name));
    if (!files.some(([name]) => name === 'config.json')) return false;
    mkdirSync(runDir, { recursive: true });
    for (const [name, bytes] of files) writeFileAtomic(join(runDir, name), bytes);
    return true;
  }

  async upload(jobId: string, runDir: string, rank: number): Promise<void> {
    const args = readRunFiles(runDir).flatMap(([name, bytes]) => [name, bytes]);
    if (args.length === 0) return;
    await this.redis.eval(UPLOAD, 1, runKey(jobId), String(rank), ...args);
  }

  async clear(jobId: string): Promise<void> {
    await this.redis.del(runKey(jobId));
  }

  describe(): string {
    return 'Redis';
  }
}

/** Checkpoints in a folder every worker mounts (`--store DIR`): `DIR/<job id>/`, for large checkpoints. */
export class FolderStore implements TrialStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  async download(jobId: string, runDir: string): Promise<boolean> {
    const from = join(this.root, jobId);
    if (!existsSync(join(from, 'config.json'))) return false;
    mkdirSync(runDir, { recursive: true });
    for (const [name, bytes] of readRunFiles(from)) writeFileAtomic(join(runDir, name), bytes);
    return true;
  }

  async upload(jobId: string, runDir: string, rank: number): Promise<void> {
    const to = join(this.root, jobId);
    mkdirSync(to, { recursive: true });
    const rankFile = join(to, '.rank');
    // Best effort against a stale writer (a shared folder has no atomic compare-and-set); being behind
    // costs recomputation only, never different numbers, since a resumed run is bit-identical.
    if (existsSync(rankFile) && Number(readFileSync(rankFile, 'utf8')) > rank) return;
    const files = readRunFiles(runDir);
    // The checkpoint is written last so that a reader never finds one ahead of its config.
    for (const [name, bytes] of files.filter(([n]) => n !== 'checkpoint.json')) writeFileAtomic(join(to, name), bytes);
    for (const [name, bytes] of files.filter(([n]) => n === 'checkpoint.json')) writeFileAtomic(join(to, name), bytes);
    writeFileAtomic(rankFile, String(rank));
  }

  async clear(jobId: string): Promise<void> {
    rmSync(join(this.root, jobId), { recursive: true, force: true });
  }

  describe(): string {
    return this.root;
  }
}
