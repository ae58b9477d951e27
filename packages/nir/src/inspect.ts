import { isArray, type NirDocument, type NirField, type NirNode } from './graph';

function describeField(f: NirField): string {
  if (!isArray(f)) return JSON.stringify(f.length > 60 ? `${f.slice(0, 57)}...` : f);
  const n = f.data.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of f.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const shape = `[${f.shape.join(', ')}]`;
  if (n === 0) return `${shape} (empty)`;
  if (n <= 4) return `${shape} ${[...f.data].map((v) => +v.toPrecision(6)).join(' ')}`;
  return lo === hi ? `${shape} all ${+lo.toPrecision(6)}` : `${shape} in [${+lo.toPrecision(4)}, ${+hi.toPrecision(4)}]`;
}

/** One screen describing a NIR document: nodes with their type and fields, edges, nested graphs indented. */
export function describeNir(doc: NirDocument): string {
  const lines: string[] = [`NIR version ${doc.version || '(none)'}`];
  const walk = (g: NirNode, indent: string) => {
    for (const [name, node] of Object.entries(g.nodes ?? {})) {
      if (node.type === 'NIRGraph') {
        lines.push(`${indent}${name}: NIRGraph (${Object.keys(node.nodes ?? {}).length} nodes)`);
        walk(node, `${indent}  `);
        continue;
      }
      const fields = Object.entries(node.fields).map(([k, f]) => `${k} ${describeField(f)}`);
      lines.push(`${indent}${name}: ${node.type}${fields.length ? `  ${fields.join(', ')}` : ''}`);
    }
    if (g.edges?.length) lines.push(`${indent}edges: ${g.edges.map(([s, t]) => `${s} -> ${t}`).join(', ')}`);
    if (g.metadata && Object.keys(g.metadata).length) {
      lines.push(`${indent}metadata: ${Object.entries(g.metadata).map(([k, f]) => `${k} ${describeField(f)}`).join(', ')}`);
    }
  };
  walk(doc.graph, '  ');
  return lines.join('\n');
}
