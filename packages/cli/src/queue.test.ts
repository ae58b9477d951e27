// Sweeps on a real Redis: `snn compare --queue` with `snn worker` processes gives the table of a local
// run, whatever happens to the workers and to Redis meanwhile. Each test has its own Redis database.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(__dirname, '..', 'dist', 'bin.cjs');
const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasRedis) console.warn('queue.test.ts: redis-server is not installed here, so the sweep-queue tests are SKIPPED (apt-get install redis-server; .ci/run installs it)');

// 2 rules x 2 seeds = 4 trials of 3 epochs, 4 batches each: a few seconds per trial.
const suite = ['compare', '--rules', 'bptt,eprop', '--hidden', '8', '--seeds', '1,2', '--epochs', '3', '--batch-size', '16', '--dataset-options', '{"samplesPerClass": 8}'];
// A short heartbeat so that a killed worker's trial moves on within seconds.
const heartbeat = ['--lock-seconds', '3', '--stalled-seconds', '1'];

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      done(d.toString().startsWith('+PONG'));
    });
  });
}

/** A redis-server of its own, without persistence: a restart loses every key, the hardest case. */
async function startRedis(port: number): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await ping(port)); i++) await sleep(50);
  return server;
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill(signal);
  });
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function snn(argv: string[]): Proc {
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function until(what: string, test: () => boolean, seconds = 120): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (test()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

let root: string;
let reference: string;
let redis: ChildProcess | undefined;
let port = 0;
const workers: Proc[] = [];
let nextDb = 1;

function worker(name: string, db: number, extra: string[] = []): Proc {
  const w = snn(['worker', '--queue', `redis://127.0.0.1:${port}/${db}`, '--name', name, ...heartbeat, '--scratch', join(root, 'scratch'), ...extra]);
  workers.push(w);
  return w;
}

/** Lines of a worker's log that start a trial (fresh or resumed), by trial id. */
const starts = (ws: Proc[]) =>
  ws.flatMap((w) => [...w.output().matchAll(/ (?:starting|resuming) (\S+) \(/g)].map((m) => m[1]!));

function expectLocalResults(dir: string): void {
  expect(read(dir, 'table.md')).toBe(read(reference, 'table.md'));
  expect(read(dir, 'results.jsonl')).toBe(read(reference, 'results.jsonl'));
  // The final checkpoint and best weights of every trial, byte for byte.
  for (const id of readdirSync(join(reference, 'trials'))) {
    for (const f of ['checkpoint.json', 'best.json']) expect(read(join(dir, 'trials', id), f), `${id}/${f}`).toBe(read(join(reference, 'trials', id), f));
  }
  for (const f of ['curves.svg', 'curves.png', 'accuracy.svg', 'accuracy.png']) expect(existsSync(join(dir, f))).toBe(true);
}

describe.skipIf(!hasRedis)('snn compare --queue with snn worker on a real Redis', () => {
  beforeAll(async () => {
    expect(existsSync(bin), `${bin} is missing: build @snn/cli first (pnpm build)`).toBe(true);
    root = mkdtempSync(join(tmpdir(), 'snn-queue-'));
    reference = join(root, 'reference');
    const local = spawnSync(process.execPath, [bin, ...suite, '--out', reference], { encoding: 'utf8', timeout: 180_000 });
    expect(local.status, local.stderr).toBe(0);
    port = await freePort();
    redis = await startRedis(port);
  }, 240_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => stop(w.child)));
    if (redis) await stop(redis);
  });

  it('two workers give the table, results and final checkpoints of a local run', async () => {
    const db = nextDb++;
    const ws = [worker('w1', db), worker('w2', db)];
    const dir = join(root, 'two-workers');
    const sweep = snn([...suite, '--out', dir, '--queue', `redis://127.0.0.1:${port}/${db}`]);
    expect(await sweep.exited, sweep.output()).toBe(0);
    expectLocalResults(dir);
    expect(sweep.output()).toMatch(/\[queued \d+, running \d+, done \d\/4, failed 0\] .* on w[12] \(epoch \d\/3\).*ETA/);
    expect(starts(ws).sort()).toHaveLength(4);
    expect(new Set(ws.flatMap((w) => (w.output().match(/starting/g) ? [w] : []))).size).toBe(2); // both took trials
    await Promise.all(ws.map((w) => stop(w.child, 'SIGTERM')));
  }, 240_000);

  it('a SIGKILLed worker\'s trial resumes on the other worker from its last checkpoint (in a shared --store folder); the table is unchanged', async () => {
    const db = nextDb++;
    const url = `redis://127.0.0.1:${port}/${db}`;
    const store = ['--store', join(root, 'shared-store')];
    const doomed = worker('doomed', db, store);
    const dir = join(root, 'killed-worker');
    const sweep = snn([...suite, '--out', dir, '--queue', url]);
    // Killed once its first trial has a checkpoint (an epoch done) and is not finished yet.
    await until('an epoch on the doomed worker', () => /on doomed \(epoch [12]\/3\)/.test(sweep.output()));
    const trial = /(\S+) on doomed \(epoch [12]\/3\)/.exec(sweep.output())![1]!;
    await stop(doomed.child, 'SIGKILL'); // the worker only: its trial process must notice and stop too
    const killedAt = Date.now();
    const rescuer = worker('rescuer', db, store);
    await until('the trial resumed elsewhere', () => rescuer.output().includes(`resuming ${trial} `));
    const pickedUp = (Date.now() - killedAt) / 1000;
    console.log(`queue.test.ts: ${trial} was picked up ${pickedUp.toFixed(1)} s after its worker was killed (lock 3 s, stalled check every 1 s)`);
    expect(await sweep.exited, sweep.output()).toBe(0);
    expectLocalResults(dir);
    expect(readdirSync(join(root, 'shared-store')).filter((f) => f.startsWith('trial-'))).toHaveLength(4);
    await stop(rescuer.child, 'SIGTERM');
  }, 240_000);

  it('enqueueing the same sweep twice runs each trial once', async () => {
    const db = nextDb++;
    const url = `redis://127.0.0.1:${port}/${db}`;
    const ws = [worker('w1', db), worker('w2', db)];
    const first = snn([...suite, '--out', join(root, 'twice-a'), '--queue', url]);
    const second = snn([...suite, '--out', join(root, 'twice-b'), '--queue', url]);
    expect(await first.exited, first.output()).toBe(0);
    expect(await second.exited, second.output()).toBe(0);
    expectLocalResults(join(root, 'twice-a'));
    expectLocalResults(join(root, 'twice-b'));
    const ran = starts(ws);
    expect(ran.sort()).toEqual([...new Set(ran)].sort());
    expect(ran).toHaveLength(4);
    // Rerunning the command on a finished folder trains nothing.
    const again = snn([...suite, '--out', join(root, 'twice-a'), '--queue', url]);
    expect(await again.exited).toBe(0);
    expect(again.output()).toMatch(/4 already finished, 0 to run/);
    expect(starts(ws)).toHaveLength(4);
    await Promise.all(ws.map((w) => stop(w.child, 'SIGTERM')));
  }, 240_000);

  it('the sweep completes when Redis restarts mid-sweep and loses every key', async () => {
    const ownPort = await freePort();
    let server = await startRedis(ownPort);
    const url = `redis://127.0.0.1:${ownPort}/0`;
    const ws = [0, 1].map((i) => {
      const w = snn(['worker', '--queue', url, '--name', `r${i}`, ...heartbeat, '--scratch', join(root, 'scratch')]);
      workers.push(w);
      return w;
    });
    const dir = join(root, 'redis-restart');
    const sweep = snn([...suite, '--out', dir, '--queue', url]);
    try {
      await until('a trial in progress', () => /on r[01] \(epoch [12]\/3\)/.test(sweep.output()));
      await stop(server, 'SIGKILL');
      await sleep(1500);
      server = await startRedis(ownPort);
      expect(await sweep.exited, sweep.output()).toBe(0);
      expect(sweep.output()).toMatch(/enqueued again/);
      expectLocalResults(dir);
      // The workers reconnected and kept working (known BullMQ failure: workers idle after a reconnect).
      expect(ws.every((w) => w.child.exitCode === null)).toBe(true);
    } finally {
      await Promise.all(ws.map((w) => stop(w.child)));
      await stop(server);
    }
  }, 300_000);

  it('a bad trial configuration fails once, without retries, with its message in the table', async () => {
    const db = nextDb++;
    const ws = [worker('w1', db)];
    const dir = join(root, 'bad-config');
    // TBPTT without its truncation length: fails the same way on any machine.
    const sweep = snn(['compare', '--rules', 'bptt,tbptt', '--hidden', '8', '--seeds', '1', '--epochs', '1', '--batch-size', '16', '--dataset-options', '{"samplesPerClass": 8}', '--out', dir, '--queue', `redis://127.0.0.1:${port}/${db}`]);
    expect(await sweep.exited, sweep.output()).toBe(1);
    expect(sweep.output()).toMatch(/1 trial\(s\) failed/);
    const table = read(dir, 'table.md');
    expect(table).toMatch(/\| randman \| lif \| tbptt \| 0 of 1 \| - \|/);
    expect(table).toMatch(/## Failed trials \(1\)\n\n- `randman-lif-tbptt-s1`: --rule-options: rule tbptt needs its truncation length k/);
    expect(table).toMatch(/\| randman \| lif \| bptt \| 1 \|/);
    expect(starts(ws).filter((t) => t.includes('tbptt'))).toEqual(['randman-lif-tbptt-s1']);
    expect(ws[0]!.output()).toMatch(/not retried/);
    await Promise.all(ws.map((w) => stop(w.child, 'SIGTERM')));
  }, 240_000);
});
