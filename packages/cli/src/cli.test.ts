import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './index';

const fixture = (name: string) => resolve(__dirname, '__fixtures__', name);

async function snn(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(['node', 'snn', ...args], (l) => lines.push(l));
  return { code, lines };
}

describe('snn gradcheck', () => {
  it('passes a correct vector in f32 and f64, one line per file', async () => {
    for (const dtype of ['f32', 'f64']) {
      const { code, lines } = await snn('gradcheck', '--dtype', dtype, fixture('lif-bptt-kappa0.5-tiny.json'));
      expect(code).toBe(0);
      expect(lines[0]).toMatch(/^lif-bptt-kappa0.5-tiny\s+PASS\s+worst \d\.\d\de[-+]\d+ \(\w+\)$/);
      expect(lines[1]).toMatch(/1 passed, 0 failed/);
    }
  });
  it('fails a wrong gradient, naming the worst parameter', async () => {
    const { code, lines } = await snn('gradcheck', fixture('wrong-grad.json'));
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/lif-bptt-wrong-grad\s+FAIL\s+worst .* \(W_rec\)/);
  });
  it('says why a file cannot be read, and fails', async () => {
    const { code, lines } = await snn('gradcheck', fixture('malformed.json'), fixture('bad-shape.json'), '/no/such/file.json');
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/ERROR .*not valid JSON/);
    expect(lines[1]).toMatch(/bad-shape.json\s+ERROR .*\(x\.data\): holds 3 values but shape \[1, 2, 1\] needs 2/);
    expect(lines[2]).toMatch(/ERROR .*cannot read \/no\/such\/file.json: ENOENT/);
  });
  it('fails on an unsupported cell unless told to skip it', async () => {
    const strict = await snn('gradcheck', fixture('unsupported-cell.json'));
    expect(strict.code).toBe(1);
    expect(strict.lines[0]).toMatch(/UNSUPPORTED cell "izhikevich" is not supported yet/);
    const lenient = await snn('gradcheck', '--skip-unsupported', fixture('unsupported-cell.json'), fixture('lif-bptt-kappa0.5-tiny.json'));
    expect(lenient.code).toBe(0);
  });
  it('prints one JSON object per file with --json', async () => {
    const { code, lines } = await snn('gradcheck', '--json', fixture('lif-bptt-kappa0.5-tiny.json'), fixture('wrong-grad.json'));
    expect(code).toBe(1);
    const objects = lines.map((l) => JSON.parse(l));
    expect(objects.map((o) => o.status)).toEqual(['pass', 'fail']);
    expect(objects[1].worst.name).toBe('W_rec');
    expect(objects[0].parameters).toHaveLength(5);
  });
  it('fails a vector that checks less than the rule produces, naming the parameter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snn-strict-'));
    const base = JSON.parse(readFileSync(fixture('lif-bptt-kappa0.5-tiny.json'), 'utf8'));
    const variant = (name: string, grads: Record<string, unknown>) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ ...base, id: name, expected: { ...base.expected, grads } }));
      return file;
    };
    const { W_rec: _dropped, ...withoutWrec } = base.expected.grads;
    const files = [
      variant('empty-grads', {}),
      variant('no-w-rec', withoutWrec),
      variant('extra-name', { ...base.expected.grads, W_nope: base.expected.grads.W_rec }),
    ];
    const { code, lines } = await snn('gradcheck', ...files);
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^empty-grads\s+FAIL .*expected.grads lacks W_in, which rule bptt produces/);
    expect(lines[1]).toMatch(/^no-w-rec\s+FAIL .*expected.grads lacks W_rec/);
    expect(lines[1]).not.toMatch(/lacks W_in/);
    expect(lines[2]).toMatch(/^extra-name\s+FAIL .*names W_nope, which a lif network does not have/);
    expect(lines[3]).toMatch(/0 passed, 3 failed/);
  });
  it('exits non-zero when nothing was checked, --skip-unsupported or not', async () => {
    const { code, lines } = await snn('gradcheck', '--skip-unsupported', fixture('unsupported-cell.json'));
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatch(/0 passed, 0 failed, 0 unreadable, 1 unsupported \(skipped\): nothing was checked/);
  });
  it('rejects an unknown dtype', async () => {
    const { code } = await snn('gradcheck', '--dtype', 'f16', fixture('lif-bptt-kappa0.5-tiny.json'));
    expect(code).not.toBe(0);
  });
});

describe('snn train', () => {
  it.each(['ottt', 'ostl', 'otpe', 'approx-otpe', 'f-otpe', 'f-approx-otpe', 'rtrl'])('trains a feed-forward output-layer network with --rule %s', async (rule) => {
    const out = mkdtempSync(join(tmpdir(), 'snn-train-ff-'));
    const output = rule.startsWith('f-') ? 'leaky-sum' : 'spikes';
    const hidden = rule === 'rtrl' ? '4' : '16';
    const { code, lines } = await snn('train', '--rule', rule, '--feed-forward', '--output', output, '--layers', '2', '--hidden', hidden, '--epochs', '1', '--runs', out, '--dataset-options', '{"samplesPerClass": 10}', '--rule-options', '{"emit":"step"}');
    expect(lines.join('\n')).toMatch(/epoch\s+1\s+train loss/);
    expect(code).toBe(0);
    const [run] = readdirSync(out);
    const checkpoint = JSON.parse(readFileSync(join(out, run!, 'checkpoint.json'), 'utf8'));
    expect(Object.keys(checkpoint.parameters)).toEqual(['l0.W_in', 'l0.b', 'l1.W_in', 'l1.b', 'l2.W_in', 'l2.b']);
  });
  it('trains a small network and writes config, metrics and a checkpoint', async () => {
    const out = mkdtempSync(join(tmpdir(), 'snn-train-'));
    const { code, lines } = await snn('train', '--epochs', '2', '--hidden', '16', '--runs', out, '--dataset-options', '{"samplesPerClass": 20}');
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/epoch\s+2\s+train loss/);
    const [run] = readdirSync(out);
    const dir = join(out, run!);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(true);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(2);
    expect(metrics[1].test_accuracy).toBeGreaterThanOrEqual(0);
  });
  it('takes the initialisation scales and the clip norm; BRF gets scales at which it spikes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'snn-train-'));
    const a = await snn('train', '--epochs', '1', '--hidden', '8', '--runs', out, '--dataset-options', '{"samplesPerClass": 4}', '--input-scale', '5',
      '--recurrent-scale', '0', '--clip', '0', '--no-progress');
    expect(a.code).toBe(0);
    const brfOut = mkdtempSync(join(tmpdir(), 'snn-train-'));
    const b = await snn('train', '--epochs', '1', '--hidden', '8', '--cell', 'brf', '--runs', brfOut, '--dataset-options', '{"samplesPerClass": 4}', '--no-progress');
    expect(b.code).toBe(0);
    const config = (dir: string) => JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config(out)).toMatchObject({ inputScale: 5, recurrentScale: 0, clipNorm: 0 });
    expect(config(brfOut)).toMatchObject({ inputScale: 100, recurrentScale: 50, clipNorm: 10 });
    expect((await snn('train', '--input-scale', '-1')).code).not.toBe(0);
  });
  it('freezes parameters named by --lr-scale and names unknown ones', async () => {
    const out = mkdtempSync(join(tmpdir(), 'snn-train-'));
    const a = await snn('train', '--epochs', '1', '--hidden', '8', '--cell', 'se-adlif', '--runs', out, '--dataset-options', '{"samplesPerClass": 4}',
      '--lr-scale', '{"beta": 0, "W_out": 0.5}', '--no-progress');
    expect(a.code).toBe(0);
    const dir = join(out, readdirSync(out)[0]!);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ learningRateScale: { beta: 0, W_out: 0.5 } });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const bad = await snn('train', '--epochs', '1', '--hidden', '8', '--runs', out, '--dataset-options', '{"samplesPerClass": 4}', '--lr-scale', '{"nope": 0}', '--no-progress');
      expect(bad.code).not.toBe(0);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/unknown parameter \(learningRateScale\) "nope"; available: .*W_in/);
    } finally {
      stderr.mockRestore();
    }
  });
  it('names an unknown rule and what is available', async () => {
    const { code } = await snn('train', '--rule', 'nope', '--epochs', '1');
    expect(code).toBe(2);
  });
});

describe('snn bench hypr', () => {
  it('prints e-prop, then HYPR per lambda with the ratio and the stage split, per cell', async () => {
    const { code, lines } = await snn('bench', 'hypr', '--cells', 'lif,brf', '--inputs', '12', '--hidden', '5', '--outputs', '3', '--batch', '2',
      '--steps', '12', '--eprop-steps', '3', '--lambdas', '1,4');
    expect(code).toBe(0);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^lif\s+e-prop\s+\d+\.\d+ ms\/step/);
    expect(lines[1]).toMatch(/^lif\s+hypr l=1 .*e-prop\/HYPR\s+\d+\.\dx\s+S-stage \d+\.\d+, scan .*carry-in .*products/);
    expect(lines[5]).toMatch(/^brf\s+hypr l=4 /);
  });
  it('says what is wrong with a bad lambda list or cell', async () => {
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect((await snn('bench', 'hypr', '--lambdas', '8,0')).code).toBe(2);
      expect((await snn('bench', 'hypr', '--cells', 'nope', '--lambdas', '2', '--steps', '2', '--eprop-steps', '1', '--hidden', '2', '--inputs', '2', '--batch', '1')).code).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toMatch(/--lambdas.*positive integers, got "8,0"/);
    expect(stderr.join('')).toMatch(/unknown cell "nope"/);
  });
  it('--json gives one record per line with the ratio', async () => {
    const { lines } = await snn('bench', 'hypr', '--json', '--cells', 'lif', '--inputs', '8', '--hidden', '4', '--outputs', '2', '--batch', '1',
      '--steps', '8', '--eprop-steps', '2', '--lambdas', '8');
    const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.rule)).toEqual(['eprop', 'hypr']);
    expect(rows[1]!.lambda).toBe(8);
    expect(rows[1]!.ratio_eprop_over_hypr).toBeGreaterThan(0);
  });
});

describe('snn cosine', () => {
  it('prints one JSON line per rule with per-layer means; OSTL and OTPE are exact at the output layer', async () => {
    const { code, lines } = await snn('cosine', '--task', 'r-randman', '--layers', '8,8', '--epochs', '1', '--classes', '3', '--samples-per-class', '20', '--steps', '20', '--batch-size', '8', '--json');
    expect(code).toBe(0);
    const records = lines.map((l) => JSON.parse(l));
    expect(records.map((r) => r.rule)).toEqual(['ottt', 'ostl', 'otpe', 'approx-otpe']);
    for (const r of records) for (const k of ['layer0', 'layer1', 'output', 'model']) expect(r[k]).toBeGreaterThanOrEqual(-1);
    expect(records[1].output).toBeCloseTo(1, 6);
    expect(records[2].output).toBeCloseTo(1, 6);
  });
  it('rejects an unknown task', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { code } = await snn('cosine', '--task', 'mnist');
    expect(code).toBe(2);
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/t-randman or r-randman/);
    err.mockRestore();
  });
});
