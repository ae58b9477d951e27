import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { loadCheckpoint, saveCheckpoint } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';
import { defaultTrainConfig, storedConfig } from '@snn/runs';
import { lifResets, type LifReset } from '@snn/lif';
import { describeNir, exportNir, importNir, readNirFile, writeNirFile, type Discretisation } from '@snn/nir';
import type { DType } from '@snn/core';

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new CommanderArgumentError(`${name} must be a positive number (seconds), got "${value}"`);
  return n;
};
const choice = <T extends string>(name: string, values: readonly T[]) => (value: string) => {
  if (!values.includes(value as T)) throw new CommanderArgumentError(`${name} must be one of ${values.join(', ')}, got "${value}"`);
  return value as T;
};

/** `snn nir inspect | import | export`: NIR files of other toolchains to and from run folders. */
export function addNirCommand(program: Command, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Command {
  const nir = program.command('nir').description('NIR (Neuromorphic Intermediate Representation) files: inspect, import as a run folder, export a run');
  nir
    .command('inspect')
    .argument('<file>', 'a .nir file (HDF5)')
    .description('nodes with their types, shapes and parameters, the edges, the metadata')
    .action(async (file: string) => {
      out(describeNir(await readNirFile(resolve(file))));
    });
  nir
    .command('import')
    .argument('<file>', 'a .nir file (HDF5)')
    .requiredOption('--out <run-dir>', 'run folder to write (config.json, checkpoint.json, nir-import.json)')
    .option('--dt <seconds>', 'time step, when the file has no dt in its metadata', positive('--dt'))
    .option('--discretisation <mode>', "'euler': alpha = 1 - dt/tau (default), 'exp': alpha = exp(-dt/tau)", choice('--discretisation', ['euler', 'exp'] as const))
    .option('--reset <variant>', `reset of the spiking layers (${lifResets.join(', ')}); default zero, as NIR's v_reset`, choice('--reset', lifResets))
    .option('--detach-reset', 'no gradient through the reset')
    .option('--dtype <dtype>', 'float32 or float64', choice('--dtype', ['float32', 'float64'] as const), 'float32')
    .option('--task <name>', 'task written to config.json, so that `snn train --resume RUN_DIR` fine-tunes the imported weights on it')
    .option('--data <path>', 'file or folder of a file-backed task (with --task)')
    .action(async (file: string, opts: { out: string; dt?: number; discretisation?: Discretisation; reset?: LifReset; detachReset?: boolean; dtype: DType; task?: string; data?: string }) => {
      const path = resolve(file);
      const runDir = resolve(opts.out);
      if (existsSync(runDir) && readdirSync(runDir).length > 0) throw new InvalidArgumentError('--out', `${runDir} exists and is not empty; choose a new run folder`);
      const result = importNir(await readNirFile(path), {
        source: file,
        dtype: opts.dtype,
        ...(opts.dt !== undefined ? { dt: opts.dt } : {}),
        ...(opts.discretisation ? { discretisation: opts.discretisation } : {}),
        ...(opts.reset ? { reset: opts.reset } : {}),
        ...(opts.detachReset ? { detachReset: true } : {}),
      });
      const { network } = result;
      mkdirSync(runDir, { recursive: true });
      const first = network.spec.layers[0]!;
      // config.json is a training configuration (the network itself is in checkpoint.json, weights only,
      // which `snn train --resume` starts from at epoch 0); where it came from goes to nir-import.json.
      const config = {
        ...storedConfig(defaultTrainConfig),
        ...(opts.task ? { dataset: opts.task } : {}),
        ...(opts.data ? { data: opts.data } : {}),
        cell: typeof first.cell === 'string' ? first.cell : first.cell.name,
        cellOptions: first.cellOptions ?? {},
        hidden: first.neurons,
        layers: network.spec.layers.length,
        kappa: network.readout.kappa,
        dtype: network.dtype,
      };
      writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      const source = { nir: path, dt: result.dt, discretisation: result.discretisation, layerNodes: result.layerNodes, readoutNode: result.readoutNode, warnings: result.warnings, network: network.spec };
      writeFileSync(join(runDir, 'nir-import.json'), JSON.stringify(source, null, 2) + '\n');
      if (!opts.task) out(`note: config.json names the default task ${config.dataset}; pass --task to fine-tune on another with snn train --resume`);
      saveCheckpoint(join(runDir, 'checkpoint.json'), network, { importedFrom: path, dt: result.dt, discretisation: result.discretisation });
      for (const w of result.warnings) out(`note: ${w}`);
      const layers = network.spec.layers.map((l) => `${typeof l.cell === 'string' ? l.cell : l.cell.name} ${l.neurons}${l.recurrent ? ' (recurrent)' : ''}`);
      out(`imported ${file}: ${network.inputs} -> ${layers.join(' -> ')} -> readout ${network.outputs} (kappa ${+network.readout.kappa.toPrecision(6)}), dt ${result.dt}, ${result.discretisation}; wrote ${runDir}`);
    });
  nir
    .command('export')
    .argument('<run-dir>', 'a run folder with checkpoint.json (snn train, snn nir import)')
    .argument('<file>', '.nir file to write')
    .option('--dt <seconds>', 'time step the decays stand for (default: the run\'s, else 1e-3)', positive('--dt'))
    .option('--discretisation <mode>', "'euler' (default) or 'exp'", choice('--discretisation', ['euler', 'exp'] as const))
    .action(async (runDir: string, file: string, opts: { dt?: number; discretisation?: Discretisation }) => {
      const checkpoint = join(resolve(runDir), 'checkpoint.json');
      if (!existsSync(checkpoint)) throw new InvalidArgumentError('run folder', `${runDir} has no checkpoint.json`);
      const { network, metadata } = loadCheckpoint(checkpoint);
      let dt = opts.dt ?? (typeof metadata?.dt === 'number' ? metadata.dt : undefined);
      let discretisation = opts.discretisation ?? (metadata?.discretisation === 'exp' ? 'exp' : undefined);
      if (dt === undefined) {
        try {
          const source = JSON.parse(readFileSync(join(resolve(runDir), 'nir-import.json'), 'utf8')) as { dt?: number; discretisation?: Discretisation };
          dt = source.dt;
          discretisation ??= source.discretisation;
        } catch {
          // not a folder written by snn nir import: the default below
        }
      }
      await writeNirFile(resolve(file), exportNir(network, { dt: dt ?? 1e-3, ...(discretisation ? { discretisation } : {}) }));
      out(`exported ${runDir} (${network.layers.map((l) => `${l.cell.name} ${l.cell.neurons}`).join(', ')}) to ${file}, dt ${dt ?? 1e-3}`);
    });
  return nir;
}
