import { InvalidArgumentError, ShapeError } from '@snn/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimdWorkspace, type SimdBuffer } from './workspace';
import { blockCarry } from '../kernels/block';

/** Deterministic pseudo-random values in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
}

function workspace(options?: { initialMiB?: number; maximumMiB?: number }): SimdWorkspace {
  const ws = SimdWorkspace.create(options);
  if (ws === null) throw new Error('SIMD workspace unavailable (Node >= 20 supports WebAssembly SIMD and shared memory)');
  return ws;
}

type Variant = 'nn' | 'tn' | 'nt';

interface GemmCase {
  variant: Variant;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** element offsets and extra row padding (ld = cols + pad) */
  offset: number;
  pad: number;
}

const SENTINEL = 12345.5;

/** Runs one GEMM case against a float64 reference; returns the worst error relative to its bound. */
function runGemmCase(ws: SimdWorkspace, tc: GemmCase, seed: number): number {
  const { variant, m, n, k, alpha, beta, offset, pad } = tc;
  const random = rng(seed);
  // Stored shapes.
  const [aRows, aCols] = variant === 'tn' ? [k, m] : [m, k];
  const [bRows, bCols] = variant === 'nt' ? [n, k] : [k, n];
  const lda = Math.max(1, aCols + pad);
  const ldb = Math.max(1, bCols + pad);
  const ldc = Math.max(1, n + pad);
  const size = (rows: number, ld: number): number => offset + rows * ld + 3;
  ws.release();
  const a = ws.allocate(size(aRows, lda));
  const b = ws.allocate(size(bRows, ldb));
  const c = ws.allocate(size(m, ldc));
  for (let i = 0; i < a.length; i++) a.view[i] = random();
  for (let i = 0; i < b.length; i++) b.view[i] = random();
  // C: the m x n block gets values (NaN when beta = 0: it must not be read), the rest a sentinel.
  c.view.fill(SENTINEL);
  const c0 = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = beta === 0 ? NaN : random();
      c.view[offset + i * ldc + j] = v;
      c0[i * n + j] = Math.fround(v);
    }
  }
  const A = (i: number, p: number): number =>
    variant === 'tn' ? a.view[offset + p * lda + i] : a.view[offset + i * lda + p];
  const B = (p: number, j: number): number =>
    variant === 'nt' ? b.view[offset + j * ldb + p] : b.view[offset + p * ldb + j];

  const call = variant === 'nn' ? ws.gemm : variant === 'tn' ? ws.gemmTransA : ws.gemmTransB;
  call.call(ws, m, n, k, alpha, a, offset, lda, b, offset, ldb, beta, c, offset, ldc);

  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const prod = A(i, p) * B(p, j);
        sum += prod;
        abs += Math.abs(prod);
      }
      const prior = beta === 0 ? 0 : beta * c0[i * n + j];
      const expected = alpha * sum + prior;
      const bound = 1e-5 * (Math.abs(alpha) * abs + Math.abs(prior)) + 1e-30;
      const got = c.view[offset + i * ldc + j];
      if (!Number.isFinite(got)) return Infinity;
      worst = Math.max(worst, Math.abs(got - expected) / bound);
    }
  }
  // Everything outside the m x n block of C is untouched.
  for (let idx = 0; idx < c.length; idx++) {
    const rel = idx - offset;
    const inBlock = rel >= 0 && Math.floor(rel / ldc) < m && rel % ldc < n;
    if (!inBlock && c.view[idx] !== SENTINEL) return Infinity;
  }
  return worst;
}

describe('SimdWorkspace availability', () => {
  it('is supported on Node >= 20', () => {
    expect(SimdWorkspace.isSupported()).toBe(true);
    expect(SimdWorkspace.create()).toBeInstanceOf(SimdWorkspace);
  });

  it('createAsync also yields a workspace', async () => {
    const ws = await SimdWorkspace.createAsync({ initialMiB: 1 });
    expect(ws).toBeInstanceOf(SimdWorkspace);
  });

  describe('without shared memory', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      vi.resetModules();
    });

    it('create() returns null so callers fall back to the JS kernels', async () => {
      vi.resetModules();
      vi.stubGlobal('SharedArrayBuffer', undefined);
      const fresh = await import('./workspace');
      expect(fresh.SimdWorkspace.isSupported()).toBe(false);
      expect(fresh.SimdWorkspace.create()).toBeNull();
      expect(await fresh.SimdWorkspace.createAsync()).toBeNull();
    });
  });
});

describe('SimdWorkspace.gemm', () => {
  const ws = workspace({ initialMiB: 8 });
  const sizes = [1, 3, 5, 7, 9, 17, 31, 33, 65, 130];

  it('matches a float64 reference for every m, n in {1..130} and several k', () => {
    let seed = 1;
    for (const m of sizes) {
      for (const n of sizes) {
        for (const k of [1, 7, 33, 130]) {
          const err = runGemmCase(ws, { variant: 'nn', m, n, k, alpha: 1, beta: 0, offset: 0, pad: 0 }, seed++);
          expect(err, `nn m=${m} n=${n} k=${k}`).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('handles alpha/beta variants, offsets, ld > cols and all three layouts', () => {
    const scalars: Array<[number, number]> = [
      [1, 0],
      [1, 1],
      [0.5, 1],
      [-1.25, 0.75],
      [2, -1],
      [0, 0.5],
      [0, 0],
    ];
    const shapes: Array<[number, number, number]> = [
      [1, 1, 1],
      [3, 5, 7],
      [4, 8, 16],
      [9, 17, 31],
      [33, 65, 9],
      [65, 33, 130],
      [130, 9, 65],
      [32, 256, 256],
    ];
    let seed = 1000;
    for (const variant of ['nn', 'tn', 'nt'] as const) {
      for (const [m, n, k] of shapes) {
        for (const [alpha, beta] of scalars) {
          for (const [offset, pad] of [
            [0, 0],
            [5, 3],
          ]) {
            const tc = { variant, m, n, k, alpha, beta, offset, pad };
            expect(runGemmCase(ws, tc, seed++), JSON.stringify(tc)).toBeLessThanOrEqual(1);
          }
        }
      }
    }
  });

  it('crosses every blocking boundary (MC = 64, KC = 256, NC = 512)', () => {
    let seed = 5000;
    for (const variant of ['nn', 'tn', 'nt'] as const) {
      for (const [m, n, k] of [
        [70, 530, 300],
        [129, 20, 513],
        [5, 1030, 257],
      ] as const) {
        const tc = { variant, m, n, k, alpha: 0.75, beta: 0.5, offset: 2, pad: 1 };
        expect(runGemmCase(ws, tc, seed++), JSON.stringify(tc)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('k = 0 or alpha = 0 scales C by beta (beta = 0 clears NaNs)', () => {
    ws.release();
    const a = ws.allocate(4);
    const b = ws.allocate(4);
    const c = ws.allocate(6);
    c.view.set([NaN, NaN, NaN, 1, 2, 3]);
    ws.gemm(1, 3, 0, 1, a, 0, 1, b, 0, 3, 0, c, 0, 3);
    expect(Array.from(c.view.subarray(0, 3))).toEqual([0, 0, 0]);
    ws.gemm(1, 3, 1, 0, a, 0, 1, b, 0, 3, 2, c, 3, 3);
    expect(Array.from(c.view.subarray(3, 6))).toEqual([2, 4, 6]);
    // m = 0 / n = 0 touch nothing
    ws.gemm(0, 3, 1, 1, a, 0, 1, b, 0, 3, 0, c, 0, 3);
    ws.gemm(1, 0, 1, 1, a, 0, 1, b, 0, 1, 0, c, 0, 1);
    expect(Array.from(c.view)).toEqual([0, 0, 0, 2, 4, 6]);
  });
});

describe('SimdWorkspace.scatterAxpy', () => {
  const ws = workspace({ initialMiB: 4 });

  function runScatter(count: number, n: number, srcRowsN: number, dstRowsN: number, offset: number, pad: number, seed: number): void {
    const random = rng(seed);
    const ldSrc = n + pad;
    const ldDst = n + pad;
    ws.release();
    const src = ws.allocate(offset + srcRowsN * ldSrc);
    const dst = ws.allocate(offset + dstRowsN * ldDst);
    const dstRows = ws.allocateIndices(count);
    const srcRows = ws.allocateIndices(count);
    const scales = ws.allocate(count);
    for (let i = 0; i < src.length; i++) src.view[i] = random();
    for (let i = 0; i < dst.length; i++) dst.view[i] = random();
    for (let e = 0; e < count; e++) {
      // few destination rows, so rows repeat
      dstRows.view[e] = Math.floor(((random() + 1) / 2) * dstRowsN) % dstRowsN;
      srcRows.view[e] = Math.floor(((random() + 1) / 2) * srcRowsN) % srcRowsN;
      scales.view[e] = e % 3 === 0 ? 1 : random();
    }
    const expected = Float64Array.from(dst.view);
    const bound = new Float64Array(dst.length).map((_, i) => Math.abs(dst.view[i]));
    for (let e = 0; e < count; e++) {
      for (let j = 0; j < n; j++) {
        const d = offset + dstRows.view[e] * ldDst + j;
        const prod = scales.view[e] * src.view[offset + srcRows.view[e] * ldSrc + j];
        expected[d] += prod;
        bound[d] += Math.abs(prod);
      }
    }
    ws.scatterAxpy(count, n, dstRows, srcRows, scales, src, offset, ldSrc, dst, offset, ldDst);
    for (let i = 0; i < dst.length; i++) {
      const err = Math.abs(dst.view[i] - expected[i]);
      if (err > 1e-5 * bound[i] + 1e-30) {
        throw new Error(`count=${count} n=${n}: dst[${i}] = ${dst.view[i]}, expected ${expected[i]}`);
      }
    }
  }

  it('matches a sequential reference, with repeated destination rows and any n', () => {
    let seed = 7;
    for (const n of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 63, 64, 65, 130, 256, 259]) {
      for (const count of [0, 1, 5, 64, 448]) {
        runScatter(count, n, 40, 3, 0, 0, seed++);
        runScatter(count, n, 40, 32, 7, 5, seed++);
      }
    }
  });

  it('repeated events on one row accumulate exactly like the scalar loop', () => {
    ws.release();
    const src = ws.allocate(2 * 5);
    const dst = ws.allocate(5);
    const dstRows = ws.allocateIndices(3);
    const srcRows = ws.allocateIndices(3);
    const scales = ws.allocate(3);
    src.view.set([1, 2, 3, 4, 5, 10, 20, 30, 40, 50]);
    srcRows.view.set([0, 1, 0]);
    scales.view.set([1, 0.5, -2]);
    ws.scatterAxpy(3, 5, dstRows, srcRows, scales, src, 0, 5, dst, 0, 5);
    expect(Array.from(dst.view)).toEqual([4, 8, 12, 16, 20]);
  });
});

describe('SimdWorkspace.blockCarry', () => {
  // Against the typed-array reference (float64) for block sizes 1..8, row lengths with and without a
  // SIMD tail, padded row strides and offsets.
  const cases = [
    { rows: 3, e: 1, n: 4 }, { rows: 5, e: 2, n: 13 }, { rows: 2, e: 3, n: 7 }, { rows: 4, e: 4, n: 16 },
    { rows: 1, e: 5, n: 3 }, { rows: 3, e: 8, n: 9 },
  ];
  it.each(cases)('rows $rows, e $e, n $n', ({ rows, e, n }) => {
    const ws = workspace();
    const r = rng(rows * 100 + e * 10 + n);
    const ldx = e * n + 3;
    const ldg = n + 2;
    const off = 5;
    const fill = (b: SimdBuffer) => { for (let i = 0; i < b.length; i++) b.view[i] = r(); };
    const x = ws.allocate(off + rows * ldx);
    const g = ws.allocate(off + rows * ldg);
    const m = ws.allocate(off + e * e * n);
    const q = ws.allocate(off + e * n);
    for (const b of [x, g, m, q]) fill(b);
    const x64 = Float64Array.from(x.view);
    const g64 = Float64Array.from(g.view);
    blockCarry(rows, e, n, x64, off, ldx, g64, off, ldg, Float64Array.from(m.view), off, Float64Array.from(q.view), off);
    ws.blockCarry(rows, e, n, x, off, ldx, g, off, ldg, m, off, q, off);
    let worst = 0;
    for (let i = 0; i < x64.length; i++) worst = Math.max(worst, Math.abs(x.view[i]! - x64[i]!));
    for (let i = 0; i < g64.length; i++) worst = Math.max(worst, Math.abs(g.view[i]! - g64[i]!));
    expect(worst).toBeLessThan(1e-5);
    // Padding between rows is left alone.
    expect(x.view[off + e * n]).toBe(Math.fround(x64[off + e * n]!));
  });
  it('rejects a block size over 8 and too-short operands', () => {
    const ws = workspace();
    const b = ws.allocate(64);
    expect(() => ws.blockCarry(1, 9, 1, b, 0, 9, b, 0, 1, b, 0, b, 0)).toThrow(InvalidArgumentError);
    expect(() => ws.blockCarry(5, 2, 8, b, 0, 16, b, 0, 8, b, 0, b, 0)).toThrow(ShapeError);
  });
});

describe('SimdWorkspace memory', () => {
  it('allocations are zeroed, 16-byte aligned and disjoint', () => {
    const ws = workspace({ initialMiB: 1 });
    const a = ws.allocate(3);
    a.view.fill(9);
    const b = ws.allocate(5);
    const i = ws.allocateIndices(7);
    for (const buf of [a, b, i]) expect(buf.offset % 16).toBe(0);
    expect(b.offset).toBeGreaterThanOrEqual(a.offset + 12);
    expect(i.offset).toBeGreaterThanOrEqual(b.offset + 20);
    expect(Array.from(b.view)).toEqual([0, 0, 0, 0, 0]);
    ws.release();
    const again = ws.allocate(3);
    expect(again.offset).toBe(a.offset);
    expect(Array.from(again.view)).toEqual([0, 0, 0]);
    expect(ws.allocate(0).length).toBe(0);
  });

  it('growing the memory keeps earlier views valid (shared memory never detaches)', () => {
    const ws = workspace({ initialMiB: 0, maximumMiB: 256 });
    const small = ws.allocate(8);
    small.view.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const capacityBefore = ws.capacityBytes;
    const big = ws.allocate(8 * 1024 * 1024); // 32 MiB: forces memory.grow
    expect(ws.capacityBytes).toBeGreaterThan(capacityBefore);
    // The old view is still attached and reads the same memory...
    expect(small.view.length).toBe(8);
    expect(small.view.byteLength).toBe(32);
    expect(Array.from(small.view)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // ...and writes through it reach the kernels, and kernel writes reach it.
    small.view[0] = 10;
    big.view.fill(0.5, 0, 8);
    const out = ws.allocate(1);
    ws.gemm(1, 1, 8, 1, small, 0, 8, big, 0, 1, 0, out, 0, 1); // dot(small, 0.5) = (10+2+...+8)/2
    expect(out.view[0]).toBe(22.5);
    ws.gemm(1, 8, 1, 1, out, 0, 1, big, 0, 8, 0, small, 0, 8); // small = 22.5 * 0.5
    expect(Array.from(small.view)).toEqual(new Array(8).fill(11.25));
    // A view taken after growth sees the same bytes as one taken before.
    expect(big.view[0]).toBe(0.5);
  });

  it('refuses to grow beyond maximumMiB', () => {
    const ws = workspace({ initialMiB: 0, maximumMiB: 2 });
    ws.allocate(256 * 1024); // 1 MiB
    expect(() => ws.allocate(512 * 1024)).toThrow(InvalidArgumentError);
    ws.release();
    expect(ws.allocate(512 * 1024).length).toBe(512 * 1024);
  });
});

describe('SimdWorkspace argument validation', () => {
  const ws = workspace({ initialMiB: 1 });
  const other = workspace({ initialMiB: 1 });
  ws.release();
  const a = ws.allocate(12); // 3 x 4
  const b = ws.allocate(20); // 4 x 5
  const c = ws.allocate(15); // 3 x 5
  const idx = ws.allocateIndices(4);
  const idx2 = ws.allocateIndices(4);
  const sc = ws.allocate(4);
  const gemm = (overrides: Partial<Record<string, unknown>> = {}): void => {
    const v = { m: 3, n: 5, k: 4, alpha: 1, a, aOff: 0, lda: 4, b, bOff: 0, ldb: 5, beta: 0, c, cOff: 0, ldc: 5, ...overrides };
    ws.gemm(
      v.m as number, v.n as number, v.k as number, v.alpha as number,
      v.a as SimdBuffer, v.aOff as number, v.lda as number,
      v.b as SimdBuffer, v.bOff as number, v.ldb as number,
      v.beta as number, v.c as SimdBuffer, v.cOff as number, v.ldc as number,
    );
  };

  it('accepts the valid call', () => {
    expect(() => gemm()).not.toThrow();
  });

  it('rejects bad sizes, scalars, strides and offsets with InvalidArgumentError', () => {
    expect(() => gemm({ m: -1 })).toThrow(InvalidArgumentError);
    expect(() => gemm({ n: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => gemm({ k: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => gemm({ alpha: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => gemm({ beta: Infinity })).toThrow(InvalidArgumentError);
    expect(() => gemm({ lda: 3 })).toThrow(InvalidArgumentError);
    expect(() => gemm({ ldc: 0, n: 0 })).toThrow(InvalidArgumentError);
    expect(() => gemm({ bOff: -1 })).toThrow(InvalidArgumentError);
    expect(() => ws.allocate(-1)).toThrow(InvalidArgumentError);
    expect(() => ws.allocateIndices(1.5)).toThrow(InvalidArgumentError);
    expect(() => SimdWorkspace.create({ initialMiB: -1 })).toThrow(InvalidArgumentError);
    expect(() => SimdWorkspace.create({ initialMiB: 8, maximumMiB: 4 })).toThrow(InvalidArgumentError);
  });

  it('rejects buffers too small for m/n/k/ld/offset with ShapeError', () => {
    expect(() => gemm({ m: 4 })).toThrow(ShapeError);
    expect(() => gemm({ aOff: 1 })).toThrow(ShapeError);
    expect(() => gemm({ ldc: 6 })).toThrow(ShapeError);
    expect(() => ws.gemmTransA(4, 5, 3, 1, a, 0, 4, b, 0, 5, 0, c, 0, 5)).toThrow(ShapeError); // A stored [3,4] and B fit, C [4,5] does not
    expect(() => ws.gemmTransB(3, 5, 4, 1, a, 0, 4, b, 0, 4, 0, c, 0, 5)).not.toThrow(); // B stored [5,4]
    expect(() => ws.gemmTransB(3, 6, 4, 1, a, 0, 4, b, 0, 4, 0, c, 0, 6)).toThrow(ShapeError);
  });

  it('rejects foreign, released and wrongly typed buffers', () => {
    const foreign = other.allocate(20);
    expect(() => gemm({ b: foreign })).toThrow(InvalidArgumentError);
    expect(() => gemm({ a: { offset: a.offset, length: a.length, view: a.view } })).toThrow(InvalidArgumentError);
    expect(() => gemm({ c: idx })).toThrow(InvalidArgumentError);
    expect(() => ws.scatterAxpy(1, 5, sc as never, idx, sc, b, 0, 5, c, 0, 5)).toThrow(InvalidArgumentError);
    const scratch = workspace({ initialMiB: 1 });
    const x = scratch.allocate(4);
    scratch.release();
    const y = scratch.allocate(4);
    expect(() => scratch.gemm(2, 2, 1, 1, x, 0, 1, y, 0, 2, 0, y, 0, 2)).toThrow(/release/);
  });

  it('scatterAxpy checks counts, strides and every row index', () => {
    idx.view.set([0, 1, 2, 0]);
    idx2.view.set([3, 2, 1, 0]);
    sc.view.fill(1);
    // src = b as 4 rows x 5, dst = c as 3 rows x 5
    expect(() => ws.scatterAxpy(4, 5, idx, idx2, sc, b, 0, 5, c, 0, 5)).not.toThrow();
    expect(() => ws.scatterAxpy(5, 5, idx, idx2, sc, b, 0, 5, c, 0, 5)).toThrow(ShapeError);
    expect(() => ws.scatterAxpy(-1, 5, idx, idx2, sc, b, 0, 5, c, 0, 5)).toThrow(InvalidArgumentError);
    expect(() => ws.scatterAxpy(4, 5, idx, idx2, sc, b, 0, 4, c, 0, 5)).toThrow(InvalidArgumentError);
    const before = Array.from(c.view);
    idx.view[3] = 3; // dst has only 3 rows
    expect(() => ws.scatterAxpy(4, 5, idx, idx2, sc, b, 0, 5, c, 0, 5)).toThrow(InvalidArgumentError);
    idx.view[3] = 0;
    idx2.view[0] = -1;
    expect(() => ws.scatterAxpy(4, 5, idx, idx2, sc, b, 0, 5, c, 0, 5)).toThrow(InvalidArgumentError);
    idx2.view[0] = 3;
    expect(() => ws.scatterAxpy(4, 5, idx, idx2, sc, b, 1, 5, c, 0, 5)).toThrow(/srcRows\[0\]/); // offset 1 leaves 3 rows
    expect(Array.from(c.view)).toEqual(before); // nothing was written by the rejected calls
  });
});
