/**
 * A small layered (Sugiyama-style) graph layout, top to bottom, deterministic and dependency-free:
 * break cycles by a depth-first search, rank by longest path, give every edge a chain of dummy nodes
 * (one of them the size of its label, so labels get room of their own), order each layer by
 * barycentres keeping the order with the fewest crossings, then place x by pulling nodes towards
 * their neighbours without overlap. Good enough for statecharts of a dozen states.
 */

export interface LayoutNode {
  id: string;
  w: number;
  h: number;
}

export interface LayoutEdge {
  id: string;
  from: string;
  to: string;
  /** Room for the edge's label; the edge passes through its centre. */
  label?: { w: number; h: number };
}

export interface Point {
  x: number;
  y: number;
}

export interface LayeredResult {
  /** Top-left corner of each node. */
  nodes: Map<string, Point>;
  /** Interior points of each edge, from `from` to `to`, and the centre of its label. */
  edges: Map<string, { points: Point[]; label?: Point }>;
  width: number;
  height: number;
}

const GAP_X = 22;
const GAP_Y = 14;
const SWEEPS = 8;
const PLACEMENT_PASSES = 12;

interface Slot {
  id: string;
  w: number;
  h: number;
  layer: number;
  x: number;
}

export function layeredLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): LayeredResult {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const oriented = edges.map((e) => ({ edge: e, reversed: false }));
  markBackEdges(nodes, oriented, index);
  const rank = longestPathRanks(nodes, oriented, index);

  // Slots: real nodes on even layers, dummies in between.
  const slots = new Map<string, Slot>();
  for (const n of nodes)
    slots.set(n.id, { id: n.id, w: n.w, h: n.h, layer: 2 * rank[index.get(n.id)!]!, x: 0 });
  const chains = new Map<string, { ids: string[]; labelId?: string; reversed: boolean }>();
  const links: [string, string][] = [];
  for (const { edge, reversed } of oriented) {
    const [u, v] = reversed ? [edge.to, edge.from] : [edge.from, edge.to];
    const from = slots.get(u)!.layer;
    const to = slots.get(v)!.layer;
    const ids: string[] = [];
    const count = to - from - 1;
    const labelAt = Math.floor(count / 2);
    let previous = u;
    for (let k = 0; k < count; k++) {
      const id = `${edge.id}\u0000${k}`;
      const labelled = edge.label !== undefined && k === labelAt;
      slots.set(id, {
        id,
        w: labelled ? edge.label!.w : 6,
        h: labelled ? edge.label!.h : 0,
        layer: from + 1 + k,
        x: 0,
      });
      ids.push(id);
      links.push([previous, id]);
      previous = id;
    }
    links.push([previous, v]);
    chains.set(edge.id, { ids, labelId: edge.label ? ids[labelAt] : undefined, reversed });
  }

  const layers = buildLayers(slots);
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const [a, b] of links) {
    push(succs, a, b);
    push(preds, b, a);
  }
  orderLayers(layers, preds, succs);
  placeX(layers, slots, preds, succs);

  // y: each layer as tall as its tallest member, members centred in it.
  const top: number[] = [];
  let y = 0;
  for (const layer of layers) {
    const height = Math.max(0, ...layer.map((id) => slots.get(id)!.h));
    top.push(y + height / 2);
    y += height + GAP_Y;
  }
  const height = Math.max(0, y - GAP_Y);
  let minX = Infinity;
  let maxX = -Infinity;
  for (const s of slots.values()) {
    minX = Math.min(minX, s.x - s.w / 2);
    maxX = Math.max(maxX, s.x + s.w / 2);
  }
  if (!Number.isFinite(minX)) minX = maxX = 0;
  const centre = (id: string): Point => {
    const s = slots.get(id)!;
    return { x: s.x - minX, y: top[s.layer]! };
  };

  const result: LayeredResult = { nodes: new Map(), edges: new Map(), width: maxX - minX, height };
  for (const n of nodes) {
    const c = centre(n.id);
    result.nodes.set(n.id, { x: c.x - n.w / 2, y: c.y - n.h / 2 });
  }
  for (const [edgeId, chain] of chains) {
    const points = chain.ids.map(centre);
    if (chain.reversed) points.reverse();
    result.edges.set(edgeId, {
      points,
      ...(chain.labelId === undefined ? {} : { label: centre(chain.labelId) }),
    });
  }
  return result;
}

/** Depth-first from each node in order; an edge back to a node on the stack is laid out reversed. */
function markBackEdges(
  nodes: readonly LayoutNode[],
  oriented: { edge: LayoutEdge; reversed: boolean }[],
  index: Map<string, number>,
): void {
  const out = new Map<string, { edge: LayoutEdge; reversed: boolean }[]>();
  for (const o of oriented) push(out, o.edge.from, o);
  const state = new Array<number>(nodes.length).fill(0); // 0 new, 1 on stack, 2 done
  const visit = (id: string) => {
    const i = index.get(id)!;
    state[i] = 1;
    for (const o of out.get(id) ?? []) {
      const j = index.get(o.edge.to)!;
      if (state[j] === 1) o.reversed = true;
      else if (state[j] === 0) visit(o.edge.to);
    }
    state[i] = 2;
  };
  for (const n of nodes) if (state[index.get(n.id)!] === 0) visit(n.id);
}

function longestPathRanks(
  nodes: readonly LayoutNode[],
  oriented: { edge: LayoutEdge; reversed: boolean }[],
  index: Map<string, number>,
): number[] {
  const rank = new Array<number>(nodes.length).fill(0);
  const indegree = new Array<number>(nodes.length).fill(0);
  const out: number[][] = nodes.map(() => []);
  for (const { edge, reversed } of oriented) {
    const u = index.get(reversed ? edge.to : edge.from)!;
    const v = index.get(reversed ? edge.from : edge.to)!;
    out[u]!.push(v);
    indegree[v]!++;
  }
  const ready = nodes.map((_, i) => i).filter((i) => indegree[i] === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const u = ready.shift()!;
    for (const v of out[u]!) {
      rank[v] = Math.max(rank[v]!, rank[u]! + 1);
      if (--indegree[v]! === 0) ready.push(v);
    }
  }
  return rank;
}

function buildLayers(slots: Map<string, Slot>): string[][] {
  const count = Math.max(-1, ...[...slots.values()].map((s) => s.layer)) + 1;
  const layers: string[][] = Array.from({ length: count }, () => []);
  for (const s of slots.values()) layers[s.layer]!.push(s.id);
  return layers;
}

/** Barycentre sweeps down and up; keeps the ordering with the fewest crossings seen. */
function orderLayers(layers: string[][], preds: Map<string, string[]>, succs: Map<string, string[]>): void {
  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(layers, succs);
  for (let sweep = 0; sweep < SWEEPS && bestCrossings > 0; sweep++) {
    const down = sweep % 2 === 0;
    const range = down
      ? layers.map((_, i) => i).slice(1)
      : layers
          .map((_, i) => i)
          .slice(0, -1)
          .reverse();
    for (const i of range) {
      const reference = layers[down ? i - 1 : i + 1]!;
      const position = new Map(reference.map((id, p) => [id, p]));
      const current = new Map(layers[i]!.map((id, p) => [id, p]));
      const key = (id: string) => {
        const neighbours = ((down ? preds : succs).get(id) ?? []).filter((n) => position.has(n));
        if (neighbours.length === 0) return current.get(id)!;
        return neighbours.reduce((sum, n) => sum + position.get(n)!, 0) / neighbours.length;
      };
      const keys = new Map(layers[i]!.map((id) => [id, key(id)]));
      layers[i]!.sort((a, b) => keys.get(a)! - keys.get(b)! || current.get(a)! - current.get(b)!);
    }
    const c = crossings(layers, succs);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
  }
  for (let i = 0; i < layers.length; i++) layers[i] = best[i]!;
}

function crossings(layers: string[][], succs: Map<string, string[]>): number {
  let total = 0;
  for (let i = 0; i + 1 < layers.length; i++) {
    const below = new Map(layers[i + 1]!.map((id, p) => [id, p]));
    const segments: [number, number][] = [];
    layers[i]!.forEach((id, p) => {
      for (const s of succs.get(id) ?? []) if (below.has(s)) segments.push([p, below.get(s)!]);
    });
    for (let a = 0; a < segments.length; a++) {
      for (let b = a + 1; b < segments.length; b++) {
        const [a1, a2] = segments[a]!;
        const [b1, b2] = segments[b]!;
        if ((a1 - b1) * (a2 - b2) < 0) total++;
      }
    }
  }
  return total;
}

/** Pulls each node towards the mean of its neighbours, keeping order and spacing. */
function placeX(
  layers: string[][],
  slots: Map<string, Slot>,
  preds: Map<string, string[]>,
  succs: Map<string, string[]>,
): void {
  for (const layer of layers) {
    let x = 0;
    for (const id of layer) {
      const s = slots.get(id)!;
      s.x = x + s.w / 2;
      x += s.w + GAP_X;
    }
  }
  for (let pass = 0; pass < PLACEMENT_PASSES; pass++) {
    const down = pass % 2 === 0;
    const both = pass >= PLACEMENT_PASSES - 2;
    const order = down ? layers : [...layers].reverse();
    for (const layer of order) {
      const desired = layer.map((id) => {
        const neighbours = both
          ? [...(preds.get(id) ?? []), ...(succs.get(id) ?? [])]
          : ((down ? preds : succs).get(id) ?? []);
        if (neighbours.length === 0) return slots.get(id)!.x;
        return neighbours.reduce((sum, n) => sum + slots.get(n)!.x, 0) / neighbours.length;
      });
      const placed = spread(
        layer.map((id) => slots.get(id)!.w),
        desired,
      );
      layer.forEach((id, i) => {
        slots.get(id)!.x = placed[i]!;
      });
    }
  }
}

/** Positions as close to `desired` as the widths allow, in the given order, at least GAP_X apart. */
function spread(widths: number[], desired: number[]): number[] {
  const n = widths.length;
  const sep = (i: number) => widths[i]! / 2 + GAP_X + widths[i + 1]! / 2;
  const right = [...desired];
  for (let i = 1; i < n; i++) right[i] = Math.max(desired[i]!, right[i - 1]! + sep(i - 1));
  const left = [...desired];
  for (let i = n - 2; i >= 0; i--) left[i] = Math.min(desired[i]!, left[i + 1]! - sep(i));
  const x = desired.map((_, i) => (left[i]! + right[i]!) / 2);
  for (let i = 1; i < n; i++) x[i] = Math.max(x[i]!, x[i - 1]! + sep(i - 1));
  return x;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
