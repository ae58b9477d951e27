import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { failpoint } from './failpoints';

/** Temporary files of `writeFileAtomic` start with this, so a resume can tell them from real ones. */
export const TEMPORARY_PREFIX = '.tmp-';

function fsyncFolder(folder: string): void {
  // Makes the rename itself durable. Some file systems refuse to fsync a folder; the rename is then as
  // durable as that file system makes it, which is the best available.
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` to `path` so that `path` holds either its old content or all of the new one, whatever
 * happens meanwhile: a temporary file in the same folder, fsync, rename over `path`, fsync the folder.
 * `checkpoint: true` passes the checkpoint failpoints (crash tests).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { checkpoint?: boolean } = {}): void {
  const folder = dirname(path);
  const temporary = join(folder, `${TEMPORARY_PREFIX}${basename(path)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(temporary, 'wx');
  try {
    const half = options.checkpoint ? bytes.length >> 1 : bytes.length;
    let written = 0;
    while (written < half) written += writeSync(fd, bytes, written, half - written);
    if (options.checkpoint) failpoint('checkpoint-mid-write');
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw e;
  }
  closeSync(fd);
  if (options.checkpoint) failpoint('checkpoint-before-rename');
  try {
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
  fsyncFolder(folder);
  if (options.checkpoint) failpoint('checkpoint-after-rename');
}
