import type { AnyStateMachine, AnyStateNode } from "xstate";

/**
 * A machine definition reduced to what a diagram needs: the tree of states and labelled transitions.
 * Read from `machine.root` (the parsed definition), so a diagram can never drift from the machine
 * except by not being regenerated, which test/visual/diagrams.test.ts catches.
 */

export interface StateBox {
  /** XState's state id, e.g. `circuitBreaker.open.cooling`; unique in the machine. */
  id: string;
  /** The state's own key (`cooling`); the machine id for the root. */
  key: string;
  kind: "atomic" | "compound" | "parallel" | "final" | "history";
  /** Child states, in definition order. */
  children: StateBox[];
  /** Id of the initial child, for compound states. */
  initial?: string;
  /** Promise/callback actors the state invokes (their `src`). */
  invokes: string[];
  /** Transitions without a target (handled in place), labelled like edges. */
  internal: string[];
}

export type EdgeKind = "event" | "after" | "done" | "error" | "always";

export interface Edge {
  from: string;
  to: string;
  label: string;
  kind: EdgeKind;
}

export interface MachineGraph {
  id: string;
  root: StateBox;
  edges: Edge[];
}

/** Reads a machine's states and transitions, in definition order. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const edges: Edge[] = [];
  const root = visit(machine.root, edges);
  return { id: machine.root.id, root, edges: dedupe(edges) };
}

function visit(node: AnyStateNode, edges: Edge[]): StateBox {
  const internal: string[] = [];
  const invokes = node.invoke.map((i) => srcName(i.src));
  for (const [eventType, transitions] of node.transitions) {
    for (const t of transitions) {
      const { label, kind } = describe(node, eventType, t.guard);
      if (!t.target || t.target.length === 0) internal.push(label);
      else for (const target of t.target) edges.push({ from: node.id, to: target.id, label, kind });
    }
  }
  for (const t of node.always ?? []) {
    const label = withGuard("always", t.guard);
    if (!t.target || t.target.length === 0) internal.push(label);
    else for (const target of t.target) edges.push({ from: node.id, to: target.id, label, kind: "always" });
  }
  const children = Object.values(node.states).map((child) => visit(child as AnyStateNode, edges));
  const box: StateBox = {
    id: node.id,
    key: node.path.length === 0 ? node.id : node.key,
    kind: node.type,
    children,
    invokes,
    internal: unique(internal),
  };
  const initial = node.type === "compound" ? node.initial?.target?.[0]?.id : undefined;
  if (initial) box.initial = initial;
  return box;
}

/** Turns XState's internal event names back into what the definition says. */
function describe(node: AnyStateNode, eventType: string, guard: unknown): { label: string; kind: EdgeKind } {
  const after = "xstate.after.";
  if (eventType.startsWith(after)) {
    // `xstate.after.<delay>.<state id>`: the delay is a named delay or a number of milliseconds.
    const delay = eventType.slice(after.length, eventType.length - node.id.length - 1);
    const named = /^\d+$/.test(delay) ? `${delay}ms` : delay;
    return { label: withGuard(`after ${named}`, guard), kind: "after" };
  }
  for (const [prefix, kind, word] of [
    ["xstate.done.actor.", "done", "onDone"],
    ["xstate.error.actor.", "error", "onError"],
  ] as const) {
    if (eventType.startsWith(prefix)) {
      const invokeId = eventType.slice(prefix.length);
      const invoke = node.invoke.find((i) => i.id === invokeId);
      const src = invoke ? srcName(invoke.src) : invokeId;
      return { label: withGuard(`${word} (${src})`, guard), kind };
    }
  }
  if (eventType.startsWith("xstate.done.state.")) return { label: withGuard("onDone", guard), kind: "done" };
  return { label: withGuard(eventType, guard), kind: "event" };
}

function withGuard(label: string, guard: unknown): string {
  const name = guardName(guard);
  return name ? `${label} [${name}]` : label;
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === "string") return guard;
  if (typeof guard === "function") return guard.name || "guard";
  if (typeof guard === "object" && "type" in guard) return String((guard as { type: unknown }).type);
  return "guard";
}

function srcName(src: unknown): string {
  if (typeof src === "string") return src;
  const id = (src as { id?: string } | undefined)?.id;
  return id ?? "actor";
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function dedupe(edges: Edge[]): Edge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const key = `${e.from}\u0000${e.to}\u0000${e.label}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every state box of the tree, depth first, the root included. */
export function allStates(root: StateBox): StateBox[] {
  const out: StateBox[] = [];
  const walk = (b: StateBox) => {
    out.push(b);
    for (const c of b.children) walk(c);
  };
  walk(root);
  return out;
}
