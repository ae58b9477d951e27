// Runs every ```ts block of every package README, so the examples people copy keep working.
// Blocks are compiled with esbuild (types stripped) and run from this package, which depends on all
// @snn packages. A block that needs files outside the repository can opt out with `// readme-check: skip`.
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const require = createRequire(import.meta.url);
const { transformSync } = require('esbuild');
const packagesDir = join(root, 'packages');
const outDir = mkdtempSync(join(here, '..', '.readme-'));
let ran = 0;
let failed = 0;
for (const pkg of readdirSync(packagesDir).sort()) {
  const readme = join(packagesDir, pkg, 'README.md');
  if (!existsSync(readme)) continue;
  const blocks = [...readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  blocks.forEach((code, i) => {
    if (code.includes('readme-check: skip')) return;
    const js = transformSync(code, { loader: 'ts', format: 'esm', target: 'node20' }).code;
    const file = join(outDir, `${pkg}-${i}.mjs`);
    writeFileSync(file, js);
    try {
      execFileSync(process.execPath, [file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
      console.log(`ok   packages/${pkg}/README.md block ${i + 1}`);
    } catch (e) {
      failed++;
      console.log(`FAIL packages/${pkg}/README.md block ${i + 1}\n${String(e.stderr ?? e.message).split('\n').slice(0, 8).join('\n')}`);
    }
    ran++;
  });
}
console.log(`readme examples: ${ran - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
