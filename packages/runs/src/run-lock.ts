import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@snn/errors';

const LOCK = 'run.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks `runDir` as being trained by this process, so that a second `snn train --resume` of the same
 * folder is refused instead of interleaving two writers. A lock left by a killed process (its pid is
 * gone) is taken over. Returns the release function.
 */
export function acquireRunLock(runDir: string): () => void {
  const file = join(runDir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new InvalidArgumentError('run folder', `${runDir} is being trained by process ${pid} right now; wait for it or stop it before resuming`);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new InvalidArgumentError('run folder', `cannot lock ${runDir}`);
}
