import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { InvalidArgumentError } from '@snn/errors';
import { benchLearnerOnce, ffBenchRules, type BenchRecord, type LearnerBenchOptions } from './bench';
import { fraction, positiveInt, positiveIntList } from './options';

/**
 * Runs benchLearnerOnce in a fresh process of this CLI (`snn bench learner-one`), so that the peak
 * resident set is this configuration's alone.
 */
export function benchLearnerInFreshProcess(options: LearnerBenchOptions): BenchRecord {
  const child = spawnSync(process.execPath, [process.argv[1]!, 'bench', 'learner-one', JSON.stringify(options)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) {
    throw new InvalidArgumentError('bench', `${options.rule} at width ${options.hidden}, T ${options.steps} failed: ${(child.stderr || '').trim().split('\n').pop() ?? `exit ${child.status}`}`);
  }
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as BenchRecord;
}

const mib = (b: number) => (b / 1048576).toFixed(b < 1048576 ? 3 : 1);

export function addBenchFfCommand(bench: Command, out: (line: string) => void): void {
  bench
    .command('learner-one', { hidden: true })
    .description('one learner benchmark (JSON options), in this process')
    .argument('<json>')
    .action((json: string) => {
      out(JSON.stringify(benchLearnerOnce(JSON.parse(json) as LearnerBenchOptions)));
    });
  bench
    .command('ff')
    .description('time per step, learner memory and peak RSS of every feed-forward rule at each width and sequence length (the OTPE paper\'s network; each run in a fresh process)')
    .option('--json', 'one JSON object per line')
    .option('--rules <list>', 'rules, comma separated', ffBenchRules.map((r) => r.rule).join(','))
    .option('--widths <list>', 'hidden layer widths', '128,512,2048')
    .option('--layers <n>', 'hidden layers', positiveInt('--layers'), 2)
    .option('--steps <list>', 'sequence lengths (memory must not grow with T except for bptt)', '50,200')
    .option('--inputs <n>', 'inputs', positiveInt('--inputs'), 700)
    .option('--outputs <n>', 'classes (the output layer)', positiveInt('--outputs'), 20)
    .option('--batch <n>', 'batch size', positiveInt('--batch'), 1)
    .option('--rate <p>', 'input spike probability per step', fraction('--rate'), 0.02)
    .action((opts: Record<string, any>) => {
      const rules = String(opts.rules).split(',').map((s) => s.trim()).filter(Boolean);
      for (const rule of rules) {
        const form = ffBenchRules.find((r) => r.rule === rule);
        for (const hidden of positiveIntList('--widths', opts.widths)) {
          for (const steps of positiveIntList('--steps', opts.steps)) {
            let r: BenchRecord;
            try {
              r = benchLearnerInFreshProcess({
                rule, ruleOptions: {}, cell: 'lif', inputs: opts.inputs, hidden, layers: opts.layers, feedForward: true,
                output: form?.output ?? 'spikes', outputs: opts.outputs, steps, batch: opts.batch, inputRate: opts.rate, inputScale: 3, seed: 1,
              });
            } catch (e) {
              out(opts.json ? JSON.stringify({ rule, hidden, steps, error: (e as Error).message }) : `${rule} width ${hidden} T=${steps}: ${(e as Error).message}`);
              continue;
            }
            out(opts.json
              ? JSON.stringify(r)
              : `${rule.padEnd(14)} width ${String(hidden).padStart(5)}  T=${String(steps).padStart(5)}  ${(r.ms_per_step).toFixed(3).padStart(9)} ms/step  learner ${mib(r.learner_bytes as number).padStart(9)} MiB  peak RSS ${mib(r.peak_rss_bytes as number).padStart(7)} MiB`);
          }
        }
      }
    });
}
