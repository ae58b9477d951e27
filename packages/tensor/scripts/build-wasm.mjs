#!/usr/bin/env node
/**
 * Compiles src/simd/kernels.wat (WebAssembly text, SIMD + shared memory) with the `wabt` npm package
 * and writes src/simd/kernels.generated.ts, which embeds the module bytes as a base64 string.
 *
 * The generated file is checked in, so consumers (and CI) never need wabt. Re-run this script by
 * hand whenever kernels.wat changes:
 *
 *     cd packages/tensor && pnpm build:wasm      # = node scripts/build-wasm.mjs
 *
 * The generated file records the SHA-256 of the .wat text it was built from; the test
 * src/simd/kernels.test.ts fails when the two drift apart.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watPath = join(root, 'src', 'simd', 'kernels.wat');
const outPath = join(root, 'src', 'simd', 'kernels.generated.ts');

// Line endings are normalised so a Windows checkout hashes and compiles the same text.
const text = (await readFile(watPath, 'utf8')).replace(/\r\n/g, '\n');
const sha256 = createHash('sha256').update(text).digest('hex');

const wabt = await require('wabt')();
const module = wabt.parseWat('kernels.wat', text, { simd: true, threads: true });
let bytes;
try {
  module.resolveNames();
  module.validate({ simd: true, threads: true });
  bytes = Buffer.from(module.toBinary({}).buffer);
} finally {
  module.destroy();
}

// Sanity check with the engine running this script (Node >= 20 has SIMD and shared memory).
const memory = new WebAssembly.Memory({ initial: 16, maximum: 64, shared: true });
new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });

const base64 = bytes.toString('base64');
const lines = base64.match(/.{1,100}/g) ?? [];
const source = `// GENERATED FILE - DO NOT EDIT.
// Built from kernels.wat by scripts/build-wasm.mjs (wabt); re-run \`pnpm build:wasm\` in packages/tensor
// after changing kernels.wat, and check in the result.

/** SHA-256 of the kernels.wat text (LF line endings) this module was compiled from. */
export const KERNELS_WAT_SHA256 = '${sha256}';

/** Size of the compiled module in bytes. */
export const KERNELS_WASM_BYTE_LENGTH = ${bytes.length};

/** The compiled WebAssembly module (SIMD, imported shared memory env.memory), base64-encoded. */
export const KERNELS_WASM_BASE64 =
${lines.map((l) => `  '${l}'`).join(' +\n')};
`;
await writeFile(outPath, source);
console.log(`wrote ${outPath} (${bytes.length} bytes, sha256(wat) ${sha256.slice(0, 12)})`);
