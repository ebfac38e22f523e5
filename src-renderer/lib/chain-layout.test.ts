// Where the chain's nodes are drawn: one column per layer (a job right of all its parents, as
// far left as that allows), rows centred on the widest column, the order within a column
// following the parents' rows so that edges cross less; and which node a point is on.

import { describe, expect, it } from 'vitest';
import type { Graph } from './chain-graph';
import { GAP_X, GAP_Y, NODE_H, NODE_W, hitTest, layoutGraph } from './chain-layout';

const COL = NODE_W + GAP_X;
const ROW = NODE_H + GAP_Y;

/** A graph of the named nodes and `a>b` edges. */
function graph(names: string[], edges: string[]): Graph {
  const at = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`no node ${name}`);
    return i;
  };
  return {
    nodes: names.map((id) => ({ id, label: id, jobs: [id], group: null })),
    edges: edges.map((e): [number, number] => {
      const [a = '', b = ''] = e.split('>');
      return [at(a), at(b)];
    }),
    groups: new Map(),
  };
}

/** Each node's top-left, by name. */
function positions(g: Graph): Record<string, [number, number]> {
  const layout = layoutGraph(g);
  return Object.fromEntries(g.nodes.map((n, i) => [n.id, [layout.x[i]!, layout.y[i]!]]));
}

/** Pairs of edges between adjacent columns that cross. */
function crossings(g: Graph, layout: ReturnType<typeof layoutGraph>): number {
  const column = (i: number) => Math.round(layout.x[i]! / COL);
  const spans = g.edges.filter(([a, b]) => column(b) === column(a) + 1);
  let n = 0;
  for (const [a, b] of spans)
    for (const [c, d] of spans)
      if (column(a) === column(c) && layout.y[a]! < layout.y[c]! && layout.y[b]! > layout.y[d]!) n++;
  return n;
}

describe('layoutGraph', () => {
  it('a line: one column per job, one row', () => {
    const g = graph(['a', 'b', 'c'], ['a>b', 'b>c']);
    expect(positions(g)).toEqual({ a: [0, 0], b: [COL, 0], c: [2 * COL, 0] });
    const layout = layoutGraph(g);
    expect([layout.width, layout.height]).toEqual([3 * NODE_W + 2 * GAP_X, NODE_H]);
    expect(layout.layers).toEqual([[0], [1], [2]]);
  });

  it('a fan-out and fan-in: the single jobs centred on the widest column', () => {
    const g = graph(['start', 'b', 'c', 'd', 'end'], ['start>b', 'start>c', 'start>d', 'b>end', 'c>end', 'd>end']);
    expect(positions(g)).toEqual({
      start: [0, ROW],
      b: [COL, 0],
      c: [COL, ROW],
      d: [COL, 2 * ROW],
      end: [2 * COL, ROW],
    });
    const layout = layoutGraph(g);
    expect([layout.width, layout.height]).toEqual([3 * NODE_W + 2 * GAP_X, 3 * NODE_H + 2 * GAP_Y]);
  });

  it('a job goes right of its furthest parent (longest path)', () => {
    const g = graph(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'a>c', 'c>d']);
    expect(Object.values(positions(g)).map(([x]) => x / COL)).toEqual([0, 1, 2, 3]);
  });

  it('orders a column by where each job’s parents are, so that edges do not cross', () => {
    // s -> p, q, r, t; x's one parent is r, y's are p and t. x becomes ready first (topological
    // order puts it above y, its edge from r crossing t's), the sweeps put y above it.
    const g = graph(
      ['s', 'p', 'q', 'r', 't', 'x', 'y', 'z'],
      ['s>p', 's>q', 's>r', 's>t', 'p>y', 'r>x', 't>y', 'q>z', 'x>z', 'y>z'],
    );
    const layout = layoutGraph(g);
    const name = (i: number) => g.nodes[i]!.id;
    expect(layout.layers.map((l) => l.map(name))).toEqual([['s'], ['p', 'q', 't', 'r'], ['y', 'x'], ['z']]);
    expect(crossings(g, layout)).toBe(0);
    // Each column top to bottom, as the hit test reads it.
    for (const l of layout.layers)
      for (let k = 1; k < l.length; k++) expect(layout.y[l[k]!]).toBe(layout.y[l[k - 1]!]! + ROW);
  });

  it('every node is placed once, even on a cycle (never in a valid chain): those go last', () => {
    const g = graph(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'c>b', 'c>d']);
    const layout = layoutGraph(g);
    expect(layout.layers.flat().sort()).toEqual([0, 1, 2, 3]);
    expect(layout.x[0]).toBe(0);
    expect([layout.x[1], layout.x[2], layout.x[3]]).toEqual([COL, COL, COL]);
  });

  it('an empty graph takes no room', () => {
    const layout = layoutGraph(graph([], []));
    expect([layout.width, layout.height, layout.layers]).toEqual([0, 0, []]);
  });
});

describe('hitTest', () => {
  const g = graph(['start', 'b', 'c', 'end'], ['start>b', 'start>c', 'b>end', 'c>end']);
  const layout = layoutGraph(g);
  const [bx, by] = [layout.x[1]!, layout.y[1]!];
  const [cx, cy] = [layout.x[2]!, layout.y[2]!];

  it('finds the node under a point, edges included', () => {
    expect(hitTest(layout, bx + NODE_W / 2, by + NODE_H / 2)).toBe(1);
    expect(hitTest(layout, bx, by)).toBe(1);
    expect(hitTest(layout, bx + NODE_W, by + NODE_H)).toBe(1);
    expect(hitTest(layout, cx + 1, cy + 1)).toBe(2);
    expect(hitTest(layout, layout.x[0]! + 1, layout.y[0]! + 1)).toBe(0);
    expect(hitTest(layout, layout.x[3]! + NODE_W - 1, layout.y[3]! + NODE_H - 1)).toBe(3);
  });

  it('finds nothing between rows, between columns, or outside', () => {
    expect(hitTest(layout, bx + 10, by + NODE_H + GAP_Y / 2)).toBe(-1);
    expect(hitTest(layout, bx + NODE_W + GAP_X / 2, by + 1)).toBe(-1);
    expect(hitTest(layout, -1, by + 1)).toBe(-1);
    expect(hitTest(layout, bx + 1, -1)).toBe(-1);
    expect(hitTest(layout, layout.width + GAP_X + 1, by + 1)).toBe(-1);
    expect(hitTest(layout, bx + 1, layout.height + 1)).toBe(-1);
  });
});
