import { runCli } from './cli';

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`snn: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
