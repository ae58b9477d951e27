/**
 * The page: controls, the training loop (one batch per task turn, so the page stays responsive),
 * the spike raster (a canvas, one pixel block per spike) and the uPlot learning curves.
 * `window.snn` exposes the same actions to the end-to-end test (scripts/test-browser.mjs).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { checkKernels } from './kernel-check';
import { backendLabel, checkGradient, defaultConfig, Trainer, type BatchReport, type BackendChoice, type TrainerConfig } from './trainer';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const controls = {
  task: $<HTMLSelectElement>('task'), cell: $<HTMLSelectElement>('cell'), rule: $<HTMLSelectElement>('rule'),
  lambda: $<HTMLInputElement>('lambda'), backend: $<HTMLSelectElement>('backend'),
  start: $<HTMLButtonElement>('start'), pause: $<HTMLButtonElement>('pause'), reset: $<HTMLButtonElement>('reset'),
};

// URL parameters preset the controls (the test uses them): ?task=cue&cell=alif&rule=hypr&lambda=4&backend=wasm&seed=2
const params = new URLSearchParams(location.search);
for (const key of ['task', 'cell', 'rule', 'lambda', 'backend'] as const) {
  const value = params.get(key);
  if (value !== null) controls[key].value = value;
}
const seed = Number(params.get('seed') ?? defaultConfig.seed);

function readConfig(): TrainerConfig {
  return {
    ...defaultConfig,
    task: controls.task.value as TrainerConfig['task'],
    cell: controls.cell.value as TrainerConfig['cell'],
    rule: controls.rule.value as TrainerConfig['rule'],
    lambda: Math.max(1, Math.round(Number(controls.lambda.value) || 8)),
    backend: controls.backend.value as BackendChoice,
    seed,
  };
}

let trainer: Trainer | undefined;
let running = false;
const history = { batch: [] as number[], loss: [] as number[], lossAvg: [] as number[], acc: [] as number[], accAvg: [] as number[] };

function chart(el: HTMLElement, label: string, color: string, range?: [number, number]): uPlot {
  const width = el.clientWidth || 560;
  return new uPlot({
    width, height: 220,
    scales: { x: { time: false }, y: range ? { range } : {} },
    axes: [{ label: 'batch' }, {}],
    legend: { show: true, live: false },
    series: [{ label: 'batch' }, { label, stroke: `${color}55`, width: 1 }, { label: 'moving average', stroke: color, width: 2 }],
  }, [[], [], []], el);
}
const lossChart = chart($('loss-chart'), 'loss', '#c0392b');
const accChart = chart($('acc-chart'), 'accuracy', '#2471a3', [0, 1]);

function drawRaster(): void {
  if (!trainer) return;
  const canvas = $<HTMLCanvasElement>('raster');
  const ctx = canvas.getContext('2d')!;
  const { spikes, steps, neurons } = trainer.hiddenSpikes();
  const cw = canvas.width / steps, ch = canvas.height / neurons;
  ctx.fillStyle = '#0b0e14';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#f5b041';
  for (let t = 0; t < steps; t++) {
    for (let h = 0; h < neurons; h++) {
      if (spikes[t * neurons + h] !== 0) ctx.fillRect(Math.floor(t * cw), Math.floor(h * ch), Math.max(1, Math.ceil(cw) - 1), Math.max(1, Math.ceil(ch) - 1));
    }
  }
}

const text = (id: string, value: string) => ($(id).textContent = value);

function record(report: BatchReport): void {
  const ema = (series: number[], value: number) => (series.length ? 0.9 * series[series.length - 1]! + 0.1 * value : value);
  history.lossAvg.push(ema(history.lossAvg, report.loss));
  history.accAvg.push(ema(history.accAvg, report.accuracy));
  history.batch.push(report.batches);
  history.loss.push(report.loss);
  history.acc.push(report.accuracy);
  lossChart.setData([history.batch, history.loss, history.lossAvg]);
  accChart.setData([history.batch, history.acc, history.accAvg]);
  text('s-backend', backendLabel(trainer!.config.backend));
  text('s-speed', `${report.stepsPerSecond.toFixed(0)} (batch of ${trainer!.config.batch})`);
  text('s-batches', String(report.batches));
  text('s-loss', report.loss.toFixed(3));
  text('s-acc', `${(100 * report.accuracy).toFixed(0)} %`);
  drawRaster();
}

function showError(error: unknown): void {
  running = false;
  updateButtons();
  text('s-error', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

function reset(): void {
  running = false;
  text('s-error', '');
  for (const series of Object.values(history)) series.length = 0;
  lossChart.setData([[], [], []]);
  accChart.setData([[], [], []]);
  try {
    trainer = new Trainer(readConfig());
    text('s-backend', backendLabel(trainer.config.backend));
    text('s-batches', '0');
    drawRaster();
  } catch (error) {
    trainer = undefined;
    showError(error);
  }
  $('lambda-label').style.visibility = controls.rule.value === 'hypr' ? 'visible' : 'hidden';
  updateButtons();
}

function updateButtons(): void {
  controls.start.disabled = running || !trainer;
  controls.pause.disabled = !running;
}

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Trains `count` batches (or until paused when count is Infinity), yielding to the page between batches. */
async function train(count: number): Promise<BatchReport[]> {
  if (!trainer) return [];
  running = true;
  updateButtons();
  const reports: BatchReport[] = [];
  try {
    for (let i = 0; i < count && running; i++) {
      const report = trainer.trainBatch();
      reports.push(report);
      record(report);
      await nextTurn();
    }
  } catch (error) {
    showError(error);
  }
  running = false;
  updateButtons();
  return reports;
}

controls.start.addEventListener('click', () => void train(Infinity));
controls.pause.addEventListener('click', () => { running = false; });
controls.reset.addEventListener('click', reset);
for (const key of ['task', 'cell', 'rule', 'lambda', 'backend'] as const) controls[key].addEventListener('change', reset);

reset();

declare global {
  interface Window {
    snn: {
      trainBatches(count: number): Promise<BatchReport[]>;
      checkGradient(overrides?: Partial<TrainerConfig>): ReturnType<typeof checkGradient>;
      checkKernels(): ReturnType<typeof checkKernels>;
      state(): { backend: string; losses: number[]; accuracies: number[]; config: TrainerConfig | undefined; error: string };
    };
  }
}

window.snn = {
  trainBatches: (count) => train(count),
  checkGradient: (overrides = {}) => checkGradient({ ...readConfig(), ...overrides }),
  checkKernels: () => checkKernels(),
  state: () => ({
    backend: trainer ? backendLabel(trainer.config.backend) : '',
    losses: [...history.loss],
    accuracies: [...history.acc],
    config: trainer?.config,
    error: $('s-error').textContent ?? '',
  }),
};
if (params.get('autostart') === '1') void train(Infinity);
