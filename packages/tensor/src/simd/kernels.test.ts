import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS_WASM_BASE64, KERNELS_WASM_BYTE_LENGTH, KERNELS_WAT_SHA256 } from './kernels.generated';
import { decodeBase64, kernelsModule } from './module';

describe('embedded kernels module', () => {
  it('was generated from the current kernels.wat (else run `pnpm build:wasm` in packages/tensor)', () => {
    const text = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8').replace(/\r\n/g, '\n');
    expect(createHash('sha256').update(text).digest('hex')).toBe(KERNELS_WAT_SHA256);
  });

  it('decodes to a valid module of the recorded size', () => {
    const bytes = decodeBase64(KERNELS_WASM_BASE64);
    expect(bytes.length).toBe(KERNELS_WASM_BYTE_LENGTH);
    expect(Buffer.from(bytes).equals(Buffer.from(KERNELS_WASM_BASE64, 'base64'))).toBe(true);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x00, 0x61, 0x73, 0x6d]);
    expect(kernelsModule()).not.toBeNull();
  });

  it('decodeBase64 handles padding and every alphabet character', () => {
    for (let len = 0; len < 70; len++) {
      const data = Buffer.from(Array.from({ length: len }, (_, i) => (i * 37 + len) & 0xff));
      expect(Buffer.from(decodeBase64(data.toString('base64'))).equals(data)).toBe(true);
    }
  });
});
