// Layered (Sugiyama-style) left-to-right layout of the chain graph, hand-rolled.
// Why not a library: general layout libraries (@dagrejs/dagre, elkjs) take many times the
// first-render budget on a 10,000-job chain (docs/benchmarks.md). This does longest-path
// layering, two barycenter ordering sweeps and centred rows, in O((V + E) log V).

import type { Graph } from './chain-graph';

export const NODE_W = 188;
export const NODE_H = 38;
export const GAP_X = 56;
export const GAP_Y = 10;

export interface Layout {
  /** top-left of every node, by node index */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly width: number;
  readonly height: number;
  /** node indexes per layer, sorted by y (for hit testing) */
  readonly layers: number[][];
}

export function layoutGraph(graph: Graph): Layout {
  const n = graph.nodes.length;
  if (n === 0) return { x: new Float64Array(0), y: new Float64Array(0), width: 0, height: 0, layers: [] };
  const out: number[][] = Array.from({ length: n }, () => []);
  const inc: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of graph.edges) {
    out[a]?.push(b);
    inc[b]?.push(a);
  }

  // Longest-path layering over a topological order (Kahn). Nodes on a cycle (never in a
  // valid chain) fall into the last layer rather than being lost.
  const layer = new Int32Array(n);
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) indeg[i] = inc[i]?.length ?? 0;
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let visited = 0;
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi] as number;
    visited++;
    for (const w of out[v] ?? []) {
      if ((layer[w] ?? 0) < (layer[v] ?? 0) + 1) layer[w] = (layer[v] ?? 0) + 1;
      indeg[w] = (indeg[w] ?? 0) - 1;
      if (indeg[w] === 0) queue.push(w);
    }
  }
  let maxLayer = 0;
  for (const v of queue) maxLayer = Math.max(maxLayer, layer[v] ?? 0);
  if (visited < n) {
    maxLayer++;
    for (let i = 0; i < n; i++) if ((indeg[i] ?? 0) > 0) layer[i] = maxLayer;
  }

  // Initial order: topological (queue) order, which keeps a parent's children together.
  const layers: number[][] = Array.from({ length: maxLayer + 1 }, () => []);
  const order = queue.length === n ? queue : [...queue, ...range(n).filter((i) => (indeg[i] ?? 0) > 0)];
  for (const v of order) layers[layer[v] ?? 0]?.push(v);
  const pos = new Float64Array(n);
  const setPos = () => {
    for (const l of layers) l.forEach((v, i) => (pos[v] = i));
  };
  setPos();

  // Barycenter sweeps: down by parents, up by children, down again.
  const sweep = (useParents: boolean, from: number, to: number, step: number) => {
    for (let li = from; li !== to; li += step) {
      const l = layers[li];
      if (!l || l.length < 2) continue;
      const key = new Float64Array(n);
      for (const v of l) {
        const nb = (useParents ? inc[v] : out[v]) ?? [];
        if (nb.length === 0) key[v] = pos[v] ?? 0;
        else {
          let s = 0;
          for (const u of nb) s += pos[u] ?? 0;
          key[v] = s / nb.length;
        }
      }
      l.sort((a, b) => (key[a] ?? 0) - (key[b] ?? 0) || (pos[a] ?? 0) - (pos[b] ?? 0));
      l.forEach((v, i) => (pos[v] = i));
    }
  };
  sweep(true, 1, layers.length, 1);
  sweep(false, layers.length - 2, -1, -1);
  sweep(true, 1, layers.length, 1);

  // Coordinates: columns by layer, rows centred on the widest layer.
  let widest = 0;
  for (const l of layers) widest = Math.max(widest, l.length);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const rowH = NODE_H + GAP_Y;
  layers.forEach((l, li) => {
    const offset = ((widest - l.length) * rowH) / 2;
    l.forEach((v, i) => {
      x[v] = li * (NODE_W + GAP_X);
      y[v] = offset + i * rowH;
    });
  });
  return {
    x,
    y,
    width: layers.length * (NODE_W + GAP_X) - GAP_X,
    height: widest * rowH - GAP_Y,
    layers,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The node under a world point, or -1. */
export function hitTest(layout: Layout, wx: number, wy: number): number {
  const li = Math.floor(wx / (NODE_W + GAP_X));
  const l = layout.layers[li];
  if (!l || wx - li * (NODE_W + GAP_X) > NODE_W) return -1;
  let lo = 0;
  let hi = l.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = l[mid] as number;
    const top = layout.y[v] ?? 0;
    if (wy < top) hi = mid - 1;
    else if (wy > top + NODE_H) lo = mid + 1;
    else return v;
  }
  return -1;
}
