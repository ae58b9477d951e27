/**
 * A minimal HDF5 writer (no dependencies) for the few structures the spike datasets need:
 * groups, and 1-D contiguous datasets of integers, floats (16/32/64 bit), fixed-length strings
 * and variable-length sequences of numbers (the SHD/SSC `spikes/times` layout, which h5wasm
 * cannot write). It produces a version-0 superblock, version-1 object headers, "new-style"
 * compact groups (Link Info + Group Info + Link messages) and global heap collections for the
 * variable-length data, which any HDF5 >= 1.8 reader (h5py, h5wasm) opens.
 */

/** Element type of an HDF5 dataset written by {@link encodeHdf5}. */
export type H5Type =
  | { readonly kind: 'int'; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean }
  | { readonly kind: 'float'; readonly size: 2 | 4 | 8 }
  | { readonly kind: 'string'; readonly size: number }
  | { readonly kind: 'vlen'; readonly base: H5Type & { kind: 'int' | 'float' } };

/** A dataset: 1-D, `data.length` elements (arrays of numbers for vlen, strings for string). */
export interface H5DatasetNode {
  readonly type: H5Type;
  readonly data: ArrayLike<number> | readonly string[] | readonly ArrayLike<number>[];
}

/** A group: its members by name. */
export interface H5GroupNode {
  readonly [name: string]: H5GroupNode | H5DatasetNode;
}

const UNDEF = 0xffffffffffffffffn;

class Buffer8 {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  length = 0;
  /** Reserves `size` bytes (8-aligned start) and returns their address. */
  alloc(size: number): number {
    const at = (this.length + 7) & ~7;
    const end = at + size;
    if (end > this.bytes.length) {
      let cap = this.bytes.length;
      while (cap < end) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
      this.view = new DataView(next.buffer);
    }
    this.length = end;
    return at;
  }
}

function isDataset(node: H5GroupNode | H5DatasetNode): node is H5DatasetNode {
  return typeof (node as H5DatasetNode).type === 'object' && (node as H5DatasetNode).type !== null && 'kind' in (node as H5DatasetNode).type;
}

function elementSize(type: H5Type): number {
  return type.kind === 'vlen' ? 16 : type.size;
}

/** Writes the datatype message body. */
function encodeType(type: H5Type): Uint8Array {
  if (type.kind === 'vlen') {
    const base = encodeType(type.base);
    const out = new Uint8Array(8 + base.length);
    out[0] = 0x19;
    new DataView(out.buffer).setUint32(4, 16, true);
    out.set(base, 8);
    return out;
  }
  if (type.kind === 'string') {
    const out = new Uint8Array(8);
    out[0] = 0x13;
    new DataView(out.buffer).setUint32(4, type.size, true);
    return out;
  }
  if (type.kind === 'int') {
    const out = new Uint8Array(12);
    const v = new DataView(out.buffer);
    out[0] = 0x10;
    out[1] = type.signed ? 0x08 : 0;
    v.setUint32(4, type.size, true);
    v.setUint16(8, 0, true);
    v.setUint16(10, type.size * 8, true);
    return out;
  }
  const [expLoc, expSize, mantSize, bias] = type.size === 2 ? [10, 5, 10, 15] : type.size === 4 ? [23, 8, 23, 127] : [52, 11, 52, 1023];
  const out = new Uint8Array(20);
  const v = new DataView(out.buffer);
  out[0] = 0x11;
  out[1] = 0x20;
  out[2] = type.size * 8 - 1;
  v.setUint32(4, type.size, true);
  v.setUint16(8, 0, true);
  v.setUint16(10, type.size * 8, true);
  out[12] = expLoc;
  out[13] = expSize;
  out[14] = 0;
  out[15] = mantSize;
  v.setUint32(16, bias, true);
  return out;
}

/** IEEE binary16 bits of x (round to nearest even, overflow to infinity). */
export function toFloat16Bits(x: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** The value of IEEE binary16 bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function writeElement(view: DataView, at: number, type: H5Type & { kind: 'int' | 'float' }, value: number): void {
  if (type.kind === 'float') {
    if (type.size === 8) view.setFloat64(at, value, true);
    else if (type.size === 4) view.setFloat32(at, value, true);
    else view.setUint16(at, toFloat16Bits(value), true);
    return;
  }
  switch (type.size) {
    case 1:
      if (type.signed) view.setInt8(at, value);
      else view.setUint8(at, value);
      break;
    case 2:
      if (type.signed) view.setInt16(at, value, true);
      else view.setUint16(at, value, true);
      break;
    case 4:
      if (type.signed) view.setInt32(at, value, true);
      else view.setUint32(at, value, true);
      break;
    default:
      if (type.signed) view.setBigInt64(at, BigInt(value), true);
      else view.setBigUint64(at, BigInt(value), true);
  }
}

interface Message {
  type: number;
  body: Uint8Array;
}

function writeObjectHeader(buf: Buffer8, messages: Message[]): number {
  const padded = messages.map((m) => (m.body.length + 7) & ~7);
  const size = padded.reduce((s, p) => s + 8 + p, 0);
  const at = buf.alloc(16 + size);
  const v = buf.view;
  buf.bytes[at] = 1;
  v.setUint16(at + 2, messages.length, true);
  v.setUint32(at + 4, 1, true);
  v.setUint32(at + 8, size, true);
  let p = at + 16;
  messages.forEach((m, i) => {
    v.setUint16(p, m.type, true);
    v.setUint16(p + 2, padded[i]!, true);
    buf.bytes.set(m.body, p + 8);
    p += 8 + padded[i]!;
  });
  return at;
}

const HEAP_LIMIT = 1 << 20;

/** Writes vlen sequences into global heap collections; returns their heap ids. */
function writeVlen(buf: Buffer8, type: H5Type & { kind: 'vlen' }, rows: readonly ArrayLike<number>[]): Uint8Array {
  const raw = new Uint8Array(rows.length * 16);
  const rv = new DataView(raw.buffer);
  const esize = type.base.size;
  let start = 0;
  while (start < rows.length) {
    // One collection for rows [start, end) of at most ~1 MiB (at least one row).
    let end = start;
    let used = 16;
    while (end < rows.length && (end === start || used + 16 + ((rows[end]!.length * esize + 7) & ~7) <= HEAP_LIMIT) && end - start < 65000) {
      used += 16 + ((rows[end]!.length * esize + 7) & ~7);
      end++;
    }
    const size = Math.max(4096, used + (used + 16 <= 4096 ? 0 : 0));
    const at = buf.alloc(size);
    const v = buf.view;
    buf.bytes.set([0x47, 0x43, 0x4f, 0x4c, 1, 0, 0, 0], at);
    v.setBigUint64(at + 8, BigInt(size), true);
    let p = at + 16;
    let index = 1;
    for (let r = start; r < end; r++) {
      const row = rows[r]!;
      rv.setUint32(r * 16, row.length, true);
      if (row.length === 0) continue;
      v.setUint16(p, index, true);
      v.setUint16(p + 2, 1, true);
      v.setBigUint64(p + 8, BigInt(row.length * esize), true);
      for (let k = 0; k < row.length; k++) writeElement(v, p + 16 + k * esize, type.base, row[k]!);
      rv.setBigUint64(r * 16 + 4, BigInt(at), true);
      rv.setUint32(r * 16 + 12, index, true);
      p += 16 + ((row.length * esize + 7) & ~7);
      index++;
    }
    const free = at + size - p;
    if (free >= 16) {
      v.setUint16(p, 0, true);
      v.setBigUint64(p + 8, BigInt(free), true);
    }
    start = end;
  }
  return raw;
}

function writeDataset(buf: Buffer8, node: H5DatasetNode, path: string): number {
  const { type, data } = node;
  const n = data.length;
  let raw: Uint8Array;
  if (type.kind === 'vlen') {
    raw = writeVlen(buf, type, data as readonly ArrayLike<number>[]);
  } else if (type.kind === 'string') {
    raw = new Uint8Array(n * type.size);
    const encoder = new TextEncoder();
    (data as readonly string[]).forEach((s, i) => {
      const bytes = encoder.encode(s);
      if (bytes.length >= type.size) throw new RangeError(`${path}: string "${s}" needs more than ${type.size - 1} bytes`);
      raw.set(bytes, i * type.size);
    });
  } else {
    raw = new Uint8Array(n * type.size);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) writeElement(v, i * type.size, type, (data as ArrayLike<number>)[i]!);
  }
  const address = raw.length > 0 ? buf.alloc(raw.length) : 0;
  buf.bytes.set(raw, address);

  const space = new Uint8Array(16);
  space[0] = 1;
  space[1] = 1;
  new DataView(space.buffer).setBigUint64(8, BigInt(n), true);
  const layout = new Uint8Array(18);
  layout[0] = 3;
  layout[1] = 1;
  const lv = new DataView(layout.buffer);
  lv.setBigUint64(2, raw.length > 0 ? BigInt(address) : UNDEF, true);
  lv.setBigUint64(10, BigInt(raw.length), true);
  const fill = Uint8Array.of(2, 1, 2, 0);
  return writeObjectHeader(buf, [
    { type: 0x0001, body: space },
    { type: 0x0003, body: encodeType(type) },
    { type: 0x0005, body: fill },
    { type: 0x0008, body: layout },
  ]);
  void elementSize;
}

function writeGroup(buf: Buffer8, group: H5GroupNode, path: string): number {
  const links: Message[] = [];
  for (const [name, child] of Object.entries(group)) {
    const address = isDataset(child) ? writeDataset(buf, child, `${path}/${name}`) : writeGroup(buf, child, `${path}/${name}`);
    const nameBytes = new TextEncoder().encode(name);
    if (nameBytes.length === 0 || nameBytes.length > 255) throw new RangeError(`${path}: link name "${name}" must have 1..255 bytes`);
    const body = new Uint8Array(3 + nameBytes.length + 8);
    body[0] = 1;
    body[1] = 0;
    body[2] = nameBytes.length;
    body.set(nameBytes, 3);
    new DataView(body.buffer).setBigUint64(3 + nameBytes.length, BigInt(address), true);
    links.push({ type: 0x0006, body });
  }
  const linfo = new Uint8Array(18);
  const lv = new DataView(linfo.buffer);
  lv.setBigUint64(2, UNDEF, true);
  lv.setBigUint64(10, UNDEF, true);
  return writeObjectHeader(buf, [{ type: 0x0002, body: linfo }, { type: 0x000a, body: new Uint8Array(2) }, ...links]);
}

/**
 * Encodes a tree of groups and 1-D datasets as the bytes of an HDF5 file.
 * @example encodeHdf5({ labels: { type: { kind: 'int', size: 2, signed: false }, data: [0, 1] } })
 */
export function encodeHdf5(root: H5GroupNode): Uint8Array {
  const buf = new Buffer8();
  const superblock = buf.alloc(96);
  const rootAddress = writeGroup(buf, root, '');
  const end = buf.length;
  const b = buf.bytes;
  const v = buf.view;
  b.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], superblock);
  b.set([0, 0, 0, 0, 0, 8, 8, 0], superblock + 8);
  v.setUint16(superblock + 16, 4, true);
  v.setUint16(superblock + 18, 16, true);
  v.setUint32(superblock + 20, 0, true);
  v.setBigUint64(superblock + 24, 0n, true);
  v.setBigUint64(superblock + 32, UNDEF, true);
  v.setBigUint64(superblock + 40, BigInt(end), true);
  v.setBigUint64(superblock + 48, UNDEF, true);
  v.setBigUint64(superblock + 56, 0n, true);
  v.setBigUint64(superblock + 64, BigInt(rootAddress), true);
  return b.slice(0, end);
}
