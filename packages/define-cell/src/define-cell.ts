import type { CellCapabilities, CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs, DType, RealArray } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, NonFiniteError } from '@snn/errors';
import { createMath, Graph, Value, type CellMath, type Operand } from './graph';
import { Emitter, Hoister } from './codegen';

/** A trainable neuron-wise parameter `[H]`: its initial value, a number or drawn from `random` (U[0, 1)). */
export interface ParameterSpec {
  init: number | ((random: () => number) => number);
  description?: string;
}

/** Maps state variables (or anything named) to traced values. */
export type Traced<N extends string> = { readonly [K in N]: Value };
/** Constants as plain numbers (fixed per layer, so they may be used with JS arithmetic and `if`). */
export type Constants<N extends string> = { readonly [K in N]: number };

/** The output y_t, a function of the NEW state s_t and the neuron parameters. */
export type OutputFunction<S extends string, P extends string, K extends string> = (s: Traced<S>, p: Traced<P>, k: Constants<K>, math: CellMath) => Operand;

export type OutputSpec<S extends string, P extends string, K extends string> =
  | {
      /** y_t = H(spike(s_t)) in {0, 1} (H(0) = 0); its derivative is psi(spike(s_t)) d spike / d s_t. */
      spike: OutputFunction<S, P, K>;
      /** Surrogate psi (default fast-sigmoid, slope 25); overridable per layer with the `surrogate` cell option. */
      surrogate?: SurrogateSpec | string;
    }
  | {
      /** y_t = smooth(s_t), differentiated exactly. */
      smooth: OutputFunction<S, P, K>;
      /** Only needed when `step` uses `math.spike`. */
      surrogate?: SurrogateSpec | string;
    };

export interface CellSpec<S extends string, P extends string, K extends string> {
  /** Registry name, e.g. 'izhikevich'. */
  name: string;
  description?: string;
  /** Names of the d state variables per neuron (the planes of the state, in this order). */
  state: readonly S[];
  /** Trainable neuron-wise parameters `[H]`, in this order (the order of the protocol's P block). */
  parameters?: { readonly [K in P]: ParameterSpec };
  /** Scalar constants shared by the layer, with their defaults; each can be overridden per layer (cellOptions). */
  constants?: { readonly [N in K]: number };
  output: OutputSpec<S, P, K>;
  /**
   * One step for one neuron: the new state s_t from the previous state `s` (s_{t-1}), the input current
   * `I` (W_in x_t + W_rec y_{t-1} + b), the parameters `p`, the constants `k` and the neuron's own previous
   * output `yPrev` (y_{t-1}: use it for resets, so its gradient flows like in the hand-written cells).
   * Must return every state variable. Runs once, on traced values, when a layer is created.
   */
  step: (s: Traced<S>, I: Value, p: Traced<P>, k: Constants<K>, yPrev: Value, math: CellMath) => { readonly [N in S]: Operand };
}

/** What `create(neurons, options)` accepts: any constant, and the surrogate. */
export type DefinedCellOptions<K extends string> = { [N in K]: number } & { surrogate: SurrogateSpec | string };

const defaultSurrogate: SurrogateSpec = { name: 'fast-sigmoid', slope: 25 };
const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Names the network gives a layer's weights and bias, and the readout's: neuron parameters cannot use them. */
const reservedParameterNames = ['b', 'W_in', 'W_rec', 'W_out', 'b_out'];

function fail(cell: string, problem: string): never {
  throw new InvalidArgumentError(`defineCell "${cell}"`, problem);
}

function checkSpec(spec: CellSpec<string, string, string>): void {
  if (!spec || typeof spec !== 'object') throw new InvalidArgumentError('defineCell', 'expects a cell specification object');
  const name = spec.name;
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('defineCell', 'the cell needs a non-empty string `name`');
  if (!Array.isArray(spec.state) || spec.state.length === 0) fail(name, '`state` must be a non-empty array of state variable names, e.g. [\'v\', \'u\']');
  const seen = new Set<string>();
  for (const s of spec.state) {
    if (typeof s !== 'string' || !identifier.test(s)) fail(name, `state variable name ${JSON.stringify(s)} is not a valid identifier`);
    if (seen.has(s)) fail(name, `state variable "${s}" is listed twice`);
    seen.add(s);
  }
  for (const [p, ps] of Object.entries(spec.parameters ?? {})) {
    if (reservedParameterNames.includes(p)) {
      fail(name, `parameter name "${p}" is taken by the layer's own parameters (${reservedParameterNames.join(', ')}); rename it (e.g. "${p}_${name.replace(/[^A-Za-z0-9]/g, '')}")`);
    }
    if (!identifier.test(p)) fail(name, `parameter name ${JSON.stringify(p)} is not a valid identifier`);
    const init = (ps as ParameterSpec | undefined)?.init;
    if (typeof init !== 'function' && !(typeof init === 'number' && Number.isFinite(init))) {
      fail(name, `parameter "${p}" needs \`init\`: a finite number or a function (random) => number`);
    }
  }
  for (const [c, v] of Object.entries(spec.constants ?? {})) {
    if (c === 'surrogate') fail(name, '"surrogate" is reserved (it is the surrogate option); rename the constant');
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, `constant "${c}" must have a finite number default, got ${String(v)}`);
  }
  const output = spec.output as Record<string, unknown> | undefined;
  if (!output || typeof output !== 'object') fail(name, 'missing `output`: give { spike: (s, p, k, math) => ..., surrogate? } or { smooth: (s, p, k, math) => ... }');
  const hasSpike = typeof output.spike === 'function';
  const hasSmooth = typeof output.smooth === 'function';
  if (hasSpike === hasSmooth) fail(name, '`output` needs exactly one of `spike` or `smooth`, a function (s, p, k, math) => value');
  if (typeof spec.step !== 'function') fail(name, 'missing `step`: a function (s, I, p, k, yPrev, math) => ({ ...new state })');
}

/** The traced dynamics of one layer (constants fixed) and every derivative the protocol needs. */
interface Derived {
  graph: Graph;
  d: number;
  nP: number;
  /** F_j(S, I, Y, P) */
  next: Value[];
  /** Output function (spike argument or smooth value) of the new state N and P, and of the previous state S. */
  outNew: Value;
  outPrev: Value;
  dF: (j: number, variable: string) => Value;
  /** dy/dN_j, dy/dP_q at the new state; dy/dS_k at the previous state. */
  C: Value[];
  CP: Value[];
  Cprev: Value[];
  CPprev: Value[];
}

function trace(spec: CellSpec<string, string, string>, constants: Record<string, number>, hasSurrogate: boolean): Derived {
  const name = spec.name;
  const stateNames = spec.state;
  const paramNames = Object.keys(spec.parameters ?? {});
  const graph = new Graph(name, hasSurrogate);
  const math = createMath(graph);
  const named = (names: readonly string[], prefix: string, paramOnly: boolean) =>
    Object.freeze(Object.fromEntries(names.map((n, i) => [n, graph.variable(`${prefix}${i}`, paramOnly)])));
  const S = named(stateNames, 'S', false);
  const N = named(stateNames, 'N', false);
  const P = named(paramNames, 'P', true);
  const I = graph.variable('I', false);
  const Y = graph.variable('Y', false);
  const k = Object.freeze({ ...constants });
  const result = spec.step(S, I, P, k, Y, math) as Record<string, Operand> | undefined;
  if (!result || typeof result !== 'object') fail(name, `step must return an object with the new state { ${stateNames.join(', ')} }, got ${String(result)}`);
  for (const key of Object.keys(result)) {
    if (!stateNames.includes(key)) fail(name, `step returned unknown state variable "${key}"; the state is [${stateNames.join(', ')}]`);
  }
  const next = stateNames.map((s) => {
    if (!(s in result)) fail(name, `step did not return state variable "${s}"; it must return every one of [${stateNames.join(', ')}]`);
    return graph.lift(result[s]!, `step's "${s}"`);
  });
  const output = spec.output as { spike?: OutputFunction<string, string, string>; smooth?: OutputFunction<string, string, string> };
  const spiking = typeof output.spike === 'function';
  const outFn = (output.spike ?? output.smooth)!;
  const outNew = graph.lift(outFn(N, P, k, math), 'output');
  const outPrev = graph.lift(outFn(S, P, k, math), 'output');
  const memos = new Map<string, Map<number, Value>>();
  const derive = (node: Value, variable: string) => {
    let memo = memos.get(variable);
    if (!memo) memos.set(variable, (memo = new Map()));
    return graph.derive(node, variable, memo);
  };
  const outDerivative = (out: Value, variable: string) => (spiking ? graph.mul(graph.unary('psi', out), derive(out, variable)) : derive(out, variable));
  return {
    graph,
    d: stateNames.length,
    nP: paramNames.length,
    next,
    outNew,
    outPrev,
    dF: (j, variable) => derive(next[j]!, variable),
    C: stateNames.map((_, j) => outDerivative(outNew, `N${j}`)),
    CP: paramNames.map((_, q) => outDerivative(outNew, `P${q}`)),
    Cprev: stateNames.map((_, j) => outDerivative(outPrev, `S${j}`)),
    CPprev: paramNames.map((_, q) => outDerivative(outPrev, `P${q}`)),
  };
}

type Kernel = (...args: unknown[]) => number;

/**
 * Wraps a kernel body (per element b, h; i = b H + h) with the loops, the parameter pre-pass and the
 * finiteness check. `body` gets an emitter with the inputs bound and returns the statements that write.
 */
function compileKernel(
  cellName: string,
  signature: string[],
  H: number,
  d: number,
  nP: number,
  body: (e: Emitter) => { writes: string[]; checked: string[] },
  psi: (v: number) => number,
): { run: Kernel; hoisted: number } {
  const hoister = new Hoister(H);
  const main = new Emitter('t', (v) => hoister.slot(v));
  for (let k = 0; k < d; k++) {
    main.bind(`S${k}`, `prev[${k} * n + i]`);
    main.bind(`N${k}`, `state[${k} * n + i]`);
    main.bind(`GS${k}`, `gS[${k} * n + i]`);
  }
  main.bind('I', 'cur[i]');
  main.bind('Y', 'yPrev[i]');
  main.bind('GY', 'gY[i]');
  for (let q = 0; q < nP; q++) main.bind(`P${q}`, `pa${q}[h]`);
  const { writes, checked } = body(main);
  const pre = new Emitter('q', null);
  for (let q = 0; q < nP; q++) pre.bind(`P${q}`, `pa${q}[h]`);
  const preWrites = hoister.values.map((v, j) => `K[${j * H} + h] = ${pre.ref(v)};`);
  const preChecks = hoister.values.map((v) => `${pre.ref(v)} * 0`);
  const source = [
    `return function ${cellName.replace(/[^A-Za-z0-9_$]/g, '_')}_kernel(${signature.join(', ')}) {`,
    `const n = B * ${H};`,
    ...Array.from({ length: nP }, (_, q) => `const pa${q} = params[${q}];`),
    'let bad = 0;',
    ...(preWrites.length
      ? [`for (let h = 0; h < ${H}; h++) {`, ...pre.lines, ...preWrites, `if ((${preChecks.join(' + ')}) !== 0) return -1 - h;`, '}']
      : []),
    `for (let b = 0, i = 0; b < B; b++) {`,
    `for (let h = 0; h < ${H}; h++, i++) {`,
    ...main.lines,
    ...writes,
    checked.length ? `bad += ${checked.map((c) => `${c} * 0`).join(' + ')};` : '',
    '}',
    '}',
    'return bad === 0 ? 0 : 1;',
    '}',
  ].join('\n');
  const run = new Function('psi', source)(psi) as Kernel;
  return { run, hoisted: hoister.values.length };
}

interface Kernels {
  step: Kernel;
  vjp: Kernel;
  jacobians: Kernel;
  scratch: { step: Float64Array; vjp: Float64Array; jacobians: Float64Array };
  diagonal: boolean;
}

function compile(spec: CellSpec<string, string, string>, t: Derived, H: number, spiking: boolean, psi: (v: number) => number): Kernels {
  const { graph, d, nP } = t;
  const name = spec.name;
  const stepK = compileKernel(name, ['B', 'prev', 'cur', 'yPrev', 'state', 'out', 'params', 'K'], H, d, nP, (e) => {
    const values = t.next.map((v) => e.ref(v));
    // The output reads the new state from the values just computed.
    values.forEach((v, k) => e.bind(`N${k}`, v));
    const out = e.ref(t.outNew);
    const writes = values.map((v, k) => `state[${k} * n + i] = ${v};`);
    writes.push(spiking ? `out[i] = ${out} > 0 ? 1 : 0;` : `out[i] = ${out};`);
    return { writes, checked: [...values, out] };
  }, psi);

  const vjpK = compileKernel(name, ['B', 'prev', 'cur', 'yPrev', 'state', 'gS', 'gY', 'gPrev', 'gPrevY', 'gI', 'params', 'gParams', 'K'], H, d, nP, (e) => {
    const GY = graph.variable('GY', false);
    // dL/ds_t in total: through s_{t+1} and through y_t.
    const g = t.C.map((c, j) => graph.add(graph.variable(`GS${j}`, false), graph.mul(GY, c)));
    const vjpOf = (variable: string) => g.reduce<Value>((acc, gj, j) => graph.add(acc, graph.mul(gj, t.dF(j, variable))), graph.zero);
    const writes: string[] = [];
    for (let k = 0; k < d; k++) writes.push(`gPrev[${k} * n + i] = ${e.ref(vjpOf(`S${k}`))};`);
    writes.push(`gI[i] = ${e.ref(vjpOf('I'))};`);
    const gY = vjpOf('Y');
    if (!(gY.op === 'const' && gY.num === 0)) writes.push(`gPrevY[i] += ${e.ref(gY)};`);
    for (let q = 0; q < nP; q++) {
      const gp = graph.add(vjpOf(`P${q}`), graph.mul(GY, t.CP[q]!));
      if (!(gp.op === 'const' && gp.num === 0)) writes.push(`gParams[${q}][h] += ${e.ref(gp)};`);
    }
    return { writes, checked: [] };
  }, psi);

  let diagonal = true;
  const jacK = compileKernel(name, ['B', 'prev', 'cur', 'yPrev', 'state', 'J', 'D', 'C', 'CI', 'P', 'CP', 'params', 'K'], H, d, nP, (e) => {
    const writes: string[] = [];
    for (let j = 0; j < d; j++) {
      const viaY = t.dF(j, 'Y');
      for (let k = 0; k < d; k++) {
        // J = dF/ds + dF/dy_{t-1} C_{t-1}: the neuron's own previous output is a function of s_{t-1}.
        const Jjk = graph.add(t.dF(j, `S${k}`), graph.mul(viaY, t.Cprev[k]!));
        if (j !== k && !(Jjk.op === 'const' && Jjk.num === 0)) diagonal = false;
        writes.push(`J[(i * ${d} + ${j}) * ${d} + ${k}] = ${e.ref(Jjk)};`);
      }
      writes.push(`D[i * ${d} + ${j}] = ${e.ref(t.dF(j, 'I'))};`);
      writes.push(`C[i * ${d} + ${j}] = ${e.ref(t.C[j]!)};`);
      // Like J, P includes the neuron's own y_{t-1}, which depends on the parameters directly too.
      for (let q = 0; q < nP; q++) {
        const Pjq = graph.add(t.dF(j, `P${q}`), graph.mul(viaY, t.CPprev[q]!));
        writes.push(`P[(i * ${d} + ${j}) * ${nP} + ${q}] = ${e.ref(Pjq)};`);
      }
    }
    writes.push('CI[i] = 0;');
    for (let q = 0; q < nP; q++) writes.push(`CP[i * ${nP} + ${q}] = ${e.ref(t.CP[q]!)};`);
    return { writes, checked: [] };
  }, psi);

  return {
    step: stepK.run,
    vjp: vjpK.run,
    jacobians: jacK.run,
    scratch: {
      step: new Float64Array(Math.max(1, stepK.hoisted * H)),
      vjp: new Float64Array(Math.max(1, vjpK.hoisted * H)),
      jacobians: new Float64Array(Math.max(1, jacK.hoisted * H)),
    },
    diagonal,
  };
}

/** A cell made by `defineCell`: a CellV1 whose step, VJP and Jacobians are compiled from the traced step. */
export class DefinedCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  readonly stateSize: number;
  readonly stateNames: readonly string[];
  readonly gates = 1;
  readonly spiking: boolean;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters: readonly { name: string; description: string }[];
  readonly tapeSize = 0;
  readonly capabilities: CellCapabilities;
  readonly options: Readonly<Record<string, unknown>>;
  private readonly kernels: Kernels;
  private readonly paramNames: string[];
  private readonly spec: CellSpec<string, string, string>;
  private readonly paramArrays: RealArray[];
  private readonly gradArrays: RealArray[];

  constructor(
    spec: CellSpec<string, string, string>,
    readonly neurons: number,
    options: Record<string, unknown> = {},
  ) {
    const name = spec.name;
    if (!Number.isInteger(neurons) || neurons < 1) throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    const constants: Record<string, number> = { ...(spec.constants ?? {}) };
    const known = [...Object.keys(constants), 'surrogate'];
    for (const [key, value] of Object.entries(options ?? {})) {
      if (!known.includes(key)) throw new InvalidArgumentError(`${name} option "${key}"`, `unknown option; valid options: ${known.join(', ')}`);
      if (key === 'surrogate') continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} option "${key}"`, `must be a finite number, got ${String(value)}`);
      constants[key] = value;
    }
    const output = spec.output as { spike?: unknown; surrogate?: SurrogateSpec | string };
    this.spiking = typeof output.spike === 'function';
    const surrogateSpec = (options.surrogate as SurrogateSpec | string | undefined) ?? output.surrogate ?? (this.spiking ? defaultSurrogate : undefined);
    const surrogate: Surrogate | null = surrogateSpec === undefined ? null : createSurrogate(surrogateSpec);
    this.spec = spec;
    this.name = name;
    this.stateNames = Object.freeze([...spec.state]);
    this.stateSize = spec.state.length;
    this.paramNames = Object.keys(spec.parameters ?? {});
    this.neuronParameters = Object.freeze(
      this.paramNames.map((p) => ({ name: p, description: spec.parameters![p]!.description ?? `neuron-wise parameter ${p} of ${name}` })),
    );
    this.options = Object.freeze(surrogateSpec === undefined ? constants : { ...constants, surrogate: surrogateSpec });
    const t = trace(spec, constants, surrogate !== null);
    const psi = surrogate ? (v: number) => surrogate.derivative(v) : () => 0;
    this.kernels = compile(spec, t, neurons, this.spiking, psi);
    this.capabilities = Object.freeze({ vjp: true, jacobians: true, diagonalJacobian: this.kernels.diagonal });
    this.paramArrays = new Array(this.paramNames.length);
    this.gradArrays = new Array(this.paramNames.length);
  }

  private gather(params: Readonly<Record<string, RealArray>>, into: RealArray[], what: string): RealArray[] {
    for (let q = 0; q < this.paramNames.length; q++) {
      const p = params[this.paramNames[q]!];
      if (!p) throw new InvalidArgumentError(`${this.name} ${what}`, `missing neuron parameter "${this.paramNames[q]}"`);
      into[q] = p;
    }
    return into;
  }

  private preFailed(code: number, params: Readonly<Record<string, RealArray>>): never {
    const h = -1 - code;
    const values = this.paramNames.map((p) => `${p} = ${params[p]![h]}`).join(', ');
    throw new InvalidArgumentError(
      `${this.name} neuron ${h}`,
      `an expression of its parameters (${values || 'none'}) is not finite (e.g. sqrt or log of a negative number, or a division by 0); keep the parameters in their domain`,
    );
  }

  step(args: CellStepArgs): void {
    const params = this.gather(args.params, this.paramArrays, 'step');
    const code = this.kernels.step(args.batch, args.prevState, args.inputCurrent, args.prevOutput, args.state, args.output, params, this.kernels.scratch.step);
    if (code < 0) this.preFailed(code, args.params);
    if (code > 0) this.nonFinite(args);
  }

  private nonFinite(args: CellStepArgs): never {
    const n = args.batch * this.neurons;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < this.stateSize; k++) {
        const v = args.state[k * n + i]!;
        if (!Number.isFinite(v)) this.throwNonFinite(`state "${this.stateNames[k]}"`, i, v, k * n + i);
      }
      const y = args.output[i]!;
      if (!Number.isFinite(y)) this.throwNonFinite('output', i, y, i);
    }
    throw new NonFiniteError(`cell "${this.name}" step`, 0, NaN);
  }

  private throwNonFinite(what: string, i: number, value: number, index: number): never {
    const b = Math.floor(i / this.neurons);
    const h = i % this.neurons;
    throw new NonFiniteError(`cell "${this.name}": ${what} computed by step() for [batch ${b}, neuron ${h}] (the dynamics diverged or hit a domain error)`, index, value);
  }

  vjp(args: CellVjpArgs): void {
    const params = this.gather(args.params, this.paramArrays, 'vjp');
    const grads = this.gather(args.gradParams, this.gradArrays, 'vjp gradParams');
    const code = this.kernels.vjp(
      args.batch, args.prevState, args.inputCurrent, args.prevOutput, args.state,
      args.gradState, args.gradOutput, args.gradPrevState, args.gradPrevOutput, args.gradInputCurrent,
      params, grads, this.kernels.scratch.vjp,
    );
    if (code < 0) this.preFailed(code, args.params);
  }

  jacobians(args: CellJacobianArgs): void {
    const params = this.gather(args.params, this.paramArrays, 'jacobians');
    const code = this.kernels.jacobians(
      args.batch, args.prevState, args.inputCurrent, args.prevOutput, args.state,
      args.J, args.D, args.C, args.CI, args.P, args.CP, params, this.kernels.scratch.jacobians,
    );
    if (code < 0) this.preFailed(code, args.params);
  }

  initNeuronParameters(dtype: DType, random: () => number): Record<string, RealArray> {
    const H = this.neurons;
    const out: Record<string, RealArray> = {};
    for (const p of this.paramNames) out[p] = dtype === 'float64' ? new Float64Array(H) : new Float32Array(H);
    // Neuron by neuron, parameters in declaration order (the draw order of the hand-written cells).
    for (let h = 0; h < H; h++) {
      for (const p of this.paramNames) {
        const init = this.spec.parameters![p]!.init;
        const v = typeof init === 'function' ? init(random) : init;
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${this.name} parameter "${p}" init`, `gave ${String(v)} for neuron ${h}; it must give finite numbers`);
        out[p]![h] = v;
      }
    }
    return out;
  }
}

/**
 * Defines a cell from its dynamics, written once over traced values. The result is a registry entry:
 * `registerCell(defineCell({...}))` from @snn/core makes it available by name in layer specs.
 *
 * The step is traced once per layer (constants fixed); J, D, C, P, CP and the VJP are the exact
 * symbolic derivatives of the traced graph, compiled with the forward step into straight-line loops
 * over the batch (no allocation per step or per neuron). The definition is checked (traced with the
 * default constants) right away, so mistakes surface at `defineCell`.
 */
export function defineCell<const S extends string, P extends string = never, K extends string = never>(
  spec: CellSpec<S, P, K>,
): CellDefinition<DefinedCellOptions<K>> & { readonly spec: CellSpec<S, P, K> } {
  const generic = spec as unknown as CellSpec<string, string, string>;
  checkSpec(generic);
  // Trace (and compile) with the defaults now, so a bad definition fails here rather than at the first layer.
  const probe = new DefinedCell(generic, 1);
  return Object.freeze({
    kind: 'cell' as const,
    specificationVersion: 'v1' as const,
    name: spec.name,
    description: spec.description ?? `user-defined cell "${spec.name}" (defineCell), state [${spec.state.join(', ')}]`,
    capabilities: probe.capabilities,
    spec,
    create: (neurons: number, options?: Partial<DefinedCellOptions<K>>) => new DefinedCell(generic, neurons, options as Record<string, unknown>),
  });
}
