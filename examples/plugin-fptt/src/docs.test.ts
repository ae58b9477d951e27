// The guides' code is real: every ts/json/js block of docs/writing-a-rule.md, docs/writing-a-cell.md
// and this README is preceded by `<!-- from: FILE -->` and appears, line by line (indentation aside),
// in FILE, a file that is built and tested; `// ...` inside a block skips lines of FILE. Shell blocks
// name the test that runs the same command (`<!-- tested by: FILE -->`).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const docs = ['docs/writing-a-rule.md', 'docs/writing-a-cell.md', 'examples/plugin-fptt/README.md'];

interface Block {
  lang: string;
  code: string;
  marker: { kind: 'from' | 'tested by'; file: string } | null;
  line: number;
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  for (const m of text.matchAll(/(?:<!-- (from|tested by): (\S+) -->\n)?```(\w*)\n([\s\S]*?)```/g)) {
    out.push({ lang: m[3]!, code: m[4]!, marker: m[1] ? { kind: m[1] as 'from' | 'tested by', file: m[2]! } : null, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** Whether the block's lines occur in order in the source; `// ...` skips any number of lines. */
function occursIn(code: string, source: string): boolean {
  const src = source.split('\n').map((l) => l.trim());
  const segments: string[][] = [[]];
  for (const l of code.trimEnd().split('\n').map((x) => x.trim())) {
    if (l === '// ...') segments.push([]);
    else segments[segments.length - 1]!.push(l);
  }
  let from = 0;
  for (const seg of segments.filter((s) => s.length)) {
    let found = -1;
    for (let i = from; i + seg.length <= src.length && found < 0; i++) if (seg.every((l, j) => src[i + j] === l)) found = i;
    if (found < 0) return false;
    from = found + seg.length;
  }
  return true;
}

describe.each(docs)('%s', (doc) => {
  const text = readFileSync(join(root, doc), 'utf8');
  const all = blocks(text);
  it('has code blocks', () => expect(all.length).toBeGreaterThan(1));
  it.each(all.map((b) => [b.line, b] as const))('block at line %i is real', (_line, b) => {
    expect(b.marker, `the block needs a <!-- from: FILE --> or <!-- tested by: FILE --> line above it`).not.toBeNull();
    const file = join(root, b.marker!.file);
    expect(existsSync(file), `${b.marker!.file} does not exist`).toBe(true);
    if (b.marker!.kind === 'from') expect(occursIn(b.code, readFileSync(file, 'utf8')), `block is not in ${b.marker!.file}:\n${b.code}`).toBe(true);
    else expect(b.lang).toMatch(/^(sh|bash)$/);
  });
});

describe('the snippet check itself', () => {
  it('finds blocks in order, with elisions, and rejects changed or unmarked ones', () => {
    const source = 'a\n  b\nc\nd\ne';
    expect(occursIn('b\nc', source)).toBe(true);
    expect(occursIn('a\n// ...\nd\ne', source)).toBe(true);
    expect(occursIn('a\nc', source)).toBe(false);
    expect(occursIn('d\n// ...\na', source)).toBe(false);
    expect(blocks('```ts\nx\n```')[0]!.marker).toBeNull();
    expect(blocks('<!-- from: f.ts -->\n```ts\nx\n```')[0]!.marker).toEqual({ kind: 'from', file: 'f.ts' });
  });
});
