/**
 * The browser build's stand-in for node:fs: a page has no file system, so checkpoint files are
 * refused with a typed error (the error's message becomes the CheckpointError's reason).
 */
import { UnsupportedError } from '@snn/errors';

function noFiles(): never {
  throw new UnsupportedError('checkpoint files in a browser', 'use serializeNetwork / deserializeNetwork and store the JSON yourself');
}

export function readFileSync(_path: string, _encoding: 'utf8'): string {
  return noFiles();
}

export function writeFileSync(_path: string, _data: string): void {
  noFiles();
}
