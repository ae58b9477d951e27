/**
 * Straight-line JS for traced values: one `const` per graph node, in dependency order, emitted
 * lazily from the values a kernel writes. Values of the neuron parameters only are hoisted into a
 * per-neuron pre-pass (`K[j*H + h]`) so they are computed H times per call, not B*H times.
 */
import type { Value } from './graph';

function literal(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '(-Infinity)';
  const s = String(x);
  return x < 0 ? `(${s})` : s;
}

export class Emitter {
  readonly lines: string[] = [];
  private readonly names = new Map<number, string>();
  private readonly reads = new Map<string, string>();
  private counter = 0;

  constructor(
    /** Prefix of temporaries, unique per emitter sharing a function body. */
    private readonly prefix: string,
    /** Hoisting: called for a non-trivial parameter-only value, returns the expression that reads it; null: no hoisting. */
    private readonly hoist: ((v: Value) => string) | null,
  ) {}

  /** Declares that variable `name` is read by `expression` (emitted as a `const` at its first use). */
  bind(name: string, expression: string): void {
    this.reads.set(name, expression);
  }

  ref(v: Value): string {
    if (v.op === 'const') return literal(v.num);
    const known = this.names.get(v.id);
    if (known) return known;
    let expr: string;
    if (v.op === 'var') {
      const read = this.reads.get(v.name);
      if (read === undefined) throw new Error(`internal: variable ${v.name} has no binding`);
      expr = read;
    } else if (this.hoist && v.paramOnly) {
      expr = this.hoist(v);
    } else {
      const a = v.args.map((x) => this.ref(x));
      switch (v.op) {
        case 'add':
          expr = `${a[0]} + ${a[1]}`;
          break;
        case 'sub':
          expr = `${a[0]} - ${a[1]}`;
          break;
        case 'mul':
          expr = `${a[0]} * ${a[1]}`;
          break;
        case 'div':
          expr = `${a[0]} / ${a[1]}`;
          break;
        case 'neg':
          expr = `-${a[0]}`;
          break;
        case 'exp':
        case 'log':
        case 'sqrt':
        case 'tanh':
        case 'abs':
        case 'sign':
          expr = `Math.${v.op}(${a[0]})`;
          break;
        case 'sigmoid':
          expr = `1 / (1 + Math.exp(-${a[0]}))`;
          break;
        case 'pow':
          expr = `Math.pow(${a[0]}, ${literal(v.num)})`;
          break;
        case 'where':
          expr = `${a[0]} > 0 ? ${a[1]} : ${a[2]}`;
          break;
        case 'spike':
          expr = `${a[0]} > 0 ? 1 : 0`;
          break;
        case 'psi':
          expr = `psi(${a[0]})`;
          break;
        case 'detach':
          expr = a[0]!;
          break;
        default:
          throw new Error(`internal: cannot emit ${v.op}`);
      }
    }
    const name = `${this.prefix}${this.counter++}`;
    this.lines.push(`const ${name} = ${expr};`);
    this.names.set(v.id, name);
    return name;
  }
}

/** Collects the parameter-only values a kernel needs, and emits their per-neuron pre-pass. */
export class Hoister {
  readonly values: Value[] = [];
  private readonly slots = new Map<number, number>();

  constructor(private readonly neurons: number) {}

  slot(v: Value): string {
    let j = this.slots.get(v.id);
    if (j === undefined) {
      j = this.values.length;
      this.values.push(v);
      this.slots.set(v.id, j);
    }
    return `K[${j * this.neurons} + h]`;
  }
}
