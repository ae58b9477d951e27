import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { defaultTrainConfig } from '@snn/runs';
import { parseRedisUrl, runQueuedSuite, trialJobId } from './index';
import { FolderStore, RedisStore } from './store';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) console.warn('@snn/queue: redis-server is not installed here, so the Redis store test is SKIPPED (apt-get install redis-server)');

describe('queue addresses and job ids', () => {
  it('parses redis://HOST:PORT[/DB] and says how to write it when it is wrong', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380/2')).toEqual({ host: '10.0.0.5', port: 6380, db: 2 });
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://:secret@h:1/0')).toMatchObject({ password: 'secret' });
    expect(() => parseRedisUrl('localhost:6379')).toThrow(/--queue: .*redis:\/\/HOST:PORT/);
    expect(() => parseRedisUrl('http://h:1')).toThrow(/must start with redis:\/\//);
    expect(() => parseRedisUrl('redis://h:1/x')).toThrow(/database after the port must be a whole number/);
  });
  it('derives the job id from everything that decides the numbers, not from key order or the output folder', () => {
    const a = { ...defaultTrainConfig, seed: 3 };
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(trialJobId(reordered)).toBe(trialJobId(a));
    expect(trialJobId({ ...a, outDir: 'elsewhere' })).toBe(trialJobId(a));
    expect(trialJobId({ ...a, seed: 4 })).not.toBe(trialJobId(a));
    expect(trialJobId({ ...a, ruleOptions: { k: 5 } })).not.toBe(trialJobId({ ...a, ruleOptions: { k: 6 } }));
    expect(trialJobId(a)).toMatch(/^trial-[0-9a-f]{32}$/);
  });
});

function runFolder(checkpoint: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'snn-store-'));
  writeFileSync(join(dir, 'config.json'), '{"c":1}');
  writeFileSync(join(dir, 'checkpoint.json'), checkpoint);
  return dir;
}

async function expectStore(make: () => Promise<{ store: RedisStore | FolderStore; done(): Promise<void> }>) {
  const { store, done } = await make();
  try {
    expect(await store.download('j', join(tmpdir(), 'nothing-here'))).toBe(false);
    await store.upload('j', runFolder('epoch 2'), 2e9);
    // A stale worker, behind the one that took its trial over, cannot put the store back.
    await store.upload('j', runFolder('epoch 1'), 1e9);
    const into = join(mkdtempSync(join(tmpdir(), 'snn-store-')), 'run');
    expect(await store.download('j', into)).toBe(true);
    expect(readFileSync(join(into, 'checkpoint.json'), 'utf8')).toBe('epoch 2');
    expect(readFileSync(join(into, 'config.json'), 'utf8')).toBe('{"c":1}');
    await store.clear('j');
    expect(await store.download('j', join(tmpdir(), 'nothing-here-2'))).toBe(false);
  } finally {
    await done();
  }
}

describe('the sweep command', () => {
  it('says so when Redis cannot be reached, instead of waiting forever', async () => {
    const spec = { name: 'x', base: { epochs: 1 }, axes: [], seeds: [1] };
    await expect(runQueuedSuite(spec, { out: join(mkdtempSync(join(tmpdir(), 'snn-q-')), 's'), queue: 'redis://127.0.0.1:1/0' })).rejects.toThrow(
      /--queue: cannot reach Redis at redis:\/\/127.0.0.1:1\/0 .*start it/,
    );
  });
});

describe('trial stores', () => {
  it('a shared folder keeps the furthest checkpoint', () => expectStore(async () => ({ store: new FolderStore(mkdtempSync(join(tmpdir(), 'snn-store-'))), done: async () => {} })));
  it.skipIf(!hasRedis)('Redis keeps the furthest checkpoint', () =>
    expectStore(async () => {
      const port = await new Promise<number>((done) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => done(p));
        });
      });
      const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const redis = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 100 ? null : 50) });
      await new Promise((r) => redis.once('ready', r));
      return {
        store: new RedisStore(redis),
        done: async () => {
          redis.disconnect();
          server.kill('SIGKILL');
        },
      };
    }),
  );
});
