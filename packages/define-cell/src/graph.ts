/**
 * The traced expression graph behind `defineCell`: a user's step runs once on symbolic `Value`s,
 * which record (hash-consed, constant-folded) nodes; exact first derivatives are new nodes built by
 * symbolic forward-mode differentiation of that graph.
 */
import { InvalidArgumentError } from '@snn/errors';

export type Op =
  | 'const'
  | 'var'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'tanh'
  | 'sigmoid'
  | 'abs'
  | 'sign'
  | 'pow'
  | 'where'
  | 'spike'
  | 'psi'
  | 'detach';

/** A number or a traced value: what every `math` function accepts. */
export type Operand = Value | number;

/**
 * A traced scalar (one neuron's value). Combine values with the `math` functions or the methods
 * `.add .sub .mul .div .neg`; JS operators (`+`, `*`, `<`) cannot be traced and throw.
 */
export class Value {
  /** @internal */
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly op: Op,
    readonly args: readonly Value[],
    /** The constant of 'const', the exponent of 'pow'. */
    readonly num: number,
    /** The variable name of 'var'. */
    readonly name: string,
    /** True when the value depends on neuron parameters and constants only (hoisted out of the batch loop). */
    readonly paramOnly: boolean,
  ) {}
  add(other: Operand): Value {
    return this.graph.add(this, other);
  }
  sub(other: Operand): Value {
    return this.graph.sub(this, other);
  }
  mul(other: Operand): Value {
    return this.graph.mul(this, other);
  }
  div(other: Operand): Value {
    return this.graph.div(this, other);
  }
  neg(): Value {
    return this.graph.neg(this);
  }
  valueOf(): never {
    throw new InvalidArgumentError(
      `defineCell "${this.graph.cellName}"`,
      'a traced value was used with a JS operator (+, -, *, /, <, >, ...) or converted to a number; ' +
        'write arithmetic with math.add/sub/mul/div (or value.add(...)), and choices with math.where(condition, ifPositive, otherwise)',
    );
  }
  toString(): string {
    return this.op === 'var' ? this.name : this.op === 'const' ? String(this.num) : `<${this.op} #${this.id}>`;
  }
}

export class Graph {
  private readonly nodes = new Map<string, Value>();
  private count = 0;
  readonly zero: Value;
  readonly one: Value;

  constructor(
    readonly cellName: string,
    /** Whether `spike` may be used (the cell has a surrogate). */
    readonly hasSurrogate: boolean,
  ) {
    this.zero = this.constant(0);
    this.one = this.constant(1);
  }

  private make(op: Op, args: readonly Value[], num = 0, name = '', paramOnly?: boolean): Value {
    const key = `${op}|${num}|${name}|${args.map((a) => a.id).join(',')}`;
    const known = this.nodes.get(key);
    if (known) return known;
    const value = new Value(this, this.count++, op, args, num, name, paramOnly ?? args.every((a) => a.paramOnly));
    this.nodes.set(key, value);
    return value;
  }

  constant(x: number): Value {
    // -0 and 0 are distinct keys through String(); fold them together (they behave alike here).
    return this.make('const', [], x === 0 ? 0 : x, '', true);
  }

  variable(name: string, paramOnly: boolean): Value {
    return this.make('var', [], 0, name, paramOnly);
  }

  lift(x: Operand, where: string): Value {
    if (x instanceof Value) {
      if (x.graph !== this) throw new InvalidArgumentError(`defineCell "${this.cellName}"`, `${where}: a value traced for another cell was used`);
      return x;
    }
    if (typeof x !== 'number') {
      throw new InvalidArgumentError(`defineCell "${this.cellName}"`, `${where}: expected a number or a traced value, got ${x === null ? 'null' : typeof x}`);
    }
    return this.constant(x);
  }

  private isConst(v: Value, x?: number): boolean {
    return v.op === 'const' && (x === undefined || v.num === x);
  }

  add(a0: Operand, b0: Operand): Value {
    const a = this.lift(a0, 'add');
    const b = this.lift(b0, 'add');
    if (this.isConst(a) && this.isConst(b)) return this.constant(a.num + b.num);
    if (this.isConst(a, 0)) return b;
    if (this.isConst(b, 0)) return a;
    return this.make('add', [a, b]);
  }
  sub(a0: Operand, b0: Operand): Value {
    const a = this.lift(a0, 'sub');
    const b = this.lift(b0, 'sub');
    if (this.isConst(a) && this.isConst(b)) return this.constant(a.num - b.num);
    if (this.isConst(b, 0)) return a;
    if (this.isConst(a, 0)) return this.neg(b);
    return this.make('sub', [a, b]);
  }
  mul(a0: Operand, b0: Operand): Value {
    const a = this.lift(a0, 'mul');
    const b = this.lift(b0, 'mul');
    if (this.isConst(a) && this.isConst(b)) return this.constant(a.num * b.num);
    if (this.isConst(a, 0) || this.isConst(b, 0)) return this.zero;
    if (this.isConst(a, 1)) return b;
    if (this.isConst(b, 1)) return a;
    if (this.isConst(a, -1)) return this.neg(b);
    if (this.isConst(b, -1)) return this.neg(a);
    return this.make('mul', [a, b]);
  }
  div(a0: Operand, b0: Operand): Value {
    const a = this.lift(a0, 'div');
    const b = this.lift(b0, 'div');
    if (this.isConst(a) && this.isConst(b)) return this.constant(a.num / b.num);
    if (this.isConst(a, 0)) return this.zero;
    if (this.isConst(b, 1)) return a;
    return this.make('div', [a, b]);
  }
  neg(a0: Operand): Value {
    const a = this.lift(a0, 'neg');
    if (this.isConst(a)) return this.constant(-a.num);
    if (a.op === 'neg') return a.args[0]!;
    return this.make('neg', [a]);
  }
  unary(op: 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid' | 'abs' | 'sign' | 'detach' | 'psi', a0: Operand): Value {
    const a = this.lift(a0, op);
    if (this.isConst(a)) {
      const x = a.num;
      const f: Record<string, (x: number) => number> = {
        exp: Math.exp,
        log: Math.log,
        sqrt: Math.sqrt,
        tanh: Math.tanh,
        sigmoid: (v) => 1 / (1 + Math.exp(-v)),
        abs: Math.abs,
        sign: Math.sign,
        detach: (v) => v,
      };
      if (f[op]) return this.constant(f[op]!(x));
    }
    if (op === 'detach' && (a.op === 'detach' || a.op === 'sign')) return a;
    return this.make(op, [a]);
  }
  pow(a0: Operand, exponent: number): Value {
    const a = this.lift(a0, 'pow');
    if (typeof exponent !== 'number' || !Number.isFinite(exponent)) {
      throw new InvalidArgumentError(`defineCell "${this.cellName}"`, `pow: the exponent must be a finite number (a constant), got ${String(exponent)}`);
    }
    if (exponent === 0) return this.one;
    if (exponent === 1) return a;
    if (this.isConst(a)) return this.constant(Math.pow(a.num, exponent));
    if (exponent === 2) return this.make('mul', [a, a]);
    return this.make('pow', [a], exponent);
  }
  /** `condition > 0 ? ifPositive : otherwise`; no derivative through the condition. */
  where(c0: Operand, a0: Operand, b0: Operand): Value {
    const c = this.lift(c0, 'where');
    const a = this.lift(a0, 'where');
    const b = this.lift(b0, 'where');
    if (this.isConst(c)) return c.num > 0 ? a : b;
    if (a === b) return a;
    return this.make('where', [c, a, b]);
  }
  spike(a0: Operand): Value {
    if (!this.hasSurrogate) {
      throw new InvalidArgumentError(`defineCell "${this.cellName}"`, 'math.spike needs a surrogate: give the cell a spike output, or output.surrogate');
    }
    const a = this.lift(a0, 'spike');
    if (this.isConst(a)) return this.constant(a.num > 0 ? 1 : 0);
    return this.make('spike', [a]);
  }

  /**
   * d node / d variable, as a node (exact, symbolic forward mode). `memo` caches per variable.
   * `spike` differentiates to the surrogate psi, `detach`, `sign` and `where`'s condition to 0.
   */
  derive(node: Value, variable: string, memo: Map<number, Value>): Value {
    const known = memo.get(node.id);
    if (known) return known;
    const d = (v: Value) => this.derive(v, variable, memo);
    const [a, b, c] = node.args;
    let r: Value;
    switch (node.op) {
      case 'const':
      case 'sign':
      case 'detach':
        r = this.zero;
        break;
      case 'var':
        r = node.name === variable ? this.one : this.zero;
        break;
      case 'add':
        r = this.add(d(a!), d(b!));
        break;
      case 'sub':
        r = this.sub(d(a!), d(b!));
        break;
      case 'mul':
        r = this.add(this.mul(d(a!), b!), this.mul(a!, d(b!)));
        break;
      case 'div': {
        const da = d(a!);
        const db = d(b!);
        // (da - (a / b) db) / b
        r = this.div(this.sub(da, this.mul(node, db)), b!);
        break;
      }
      case 'neg':
        r = this.neg(d(a!));
        break;
      case 'exp':
        r = this.mul(d(a!), node);
        break;
      case 'log':
        r = this.div(d(a!), a!);
        break;
      case 'sqrt':
        r = this.div(d(a!), this.mul(2, node));
        break;
      case 'tanh':
        r = this.mul(d(a!), this.sub(1, this.mul(node, node)));
        break;
      case 'sigmoid':
        r = this.mul(d(a!), this.mul(node, this.sub(1, node)));
        break;
      case 'abs':
        r = this.mul(d(a!), this.unary('sign', a!));
        break;
      case 'pow':
        r = this.mul(d(a!), this.mul(node.num, this.pow(a!, node.num - 1)));
        break;
      case 'where':
        r = this.where(a!, d(b!), d(c!));
        break;
      case 'spike':
        r = this.mul(d(a!), this.unary('psi', a!));
        break;
      case 'psi':
        throw new InvalidArgumentError(`defineCell "${this.cellName}"`, 'second derivatives through a surrogate are not supported');
    }
    memo.set(node.id, r);
    return r;
  }
}

/** The operations a cell's `step` and `output` functions build their values with. */
export interface CellMath {
  /** Sum of all arguments, left to right. */
  add(...xs: Operand[]): Value;
  sub(a: Operand, b: Operand): Value;
  /** Product of all arguments, left to right. */
  mul(...xs: Operand[]): Value;
  div(a: Operand, b: Operand): Value;
  neg(a: Operand): Value;
  exp(a: Operand): Value;
  log(a: Operand): Value;
  sqrt(a: Operand): Value;
  tanh(a: Operand): Value;
  sigmoid(a: Operand): Value;
  abs(a: Operand): Value;
  /** -1, 0 or 1; derivative 0. */
  sign(a: Operand): Value;
  square(a: Operand): Value;
  /** a^exponent for a constant exponent. */
  pow(a: Operand, exponent: number): Value;
  max(a: Operand, b: Operand): Value;
  min(a: Operand, b: Operand): Value;
  relu(a: Operand): Value;
  /** `condition > 0 ? ifPositive : otherwise`; the gradient flows into the chosen branch only. */
  where(condition: Operand, ifPositive: Operand, otherwise: Operand): Value;
  /** Stop-gradient: the value of `a`, with derivative 0 (e.g. SE-adLIF's reset factor). */
  detach(a: Operand): Value;
  /** A spike H(a) (H(0) = 0) inside the dynamics, differentiated with the cell's surrogate psi(a). */
  spike(a: Operand): Value;
}

export function createMath(graph: Graph): CellMath {
  const g = graph;
  const fold = (xs: Operand[], f: (a: Operand, b: Operand) => Value, unit: number): Value =>
    xs.length === 0 ? g.constant(unit) : xs.length === 1 ? g.lift(xs[0]!, 'math') : (xs.slice(1).reduce<Value>((acc, x) => f(acc, x), g.lift(xs[0]!, 'math')));
  return {
    add: (...xs) => fold(xs, (a, b) => g.add(a, b), 0),
    sub: (a, b) => g.sub(a, b),
    mul: (...xs) => fold(xs, (a, b) => g.mul(a, b), 1),
    div: (a, b) => g.div(a, b),
    neg: (a) => g.neg(a),
    exp: (a) => g.unary('exp', a),
    log: (a) => g.unary('log', a),
    sqrt: (a) => g.unary('sqrt', a),
    tanh: (a) => g.unary('tanh', a),
    sigmoid: (a) => g.unary('sigmoid', a),
    abs: (a) => g.unary('abs', a),
    sign: (a) => g.unary('sign', a),
    square: (a) => g.pow(a, 2),
    pow: (a, e) => g.pow(a, e),
    max: (a, b) => g.where(g.sub(a, b), a, b),
    min: (a, b) => g.where(g.sub(b, a), a, b),
    relu: (a) => g.where(a, a, 0),
    where: (c, a, b) => g.where(c, a, b),
    detach: (a) => g.unary('detach', a),
    spike: (a) => g.spike(a),
  };
}
