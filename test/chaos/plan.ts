// The nemesis's plan: which faults, on which nodes, for how long, in what order, all drawn from a seed.
// The plan replays exactly from its seed; the interleaving with the workers' calls does not (timing).
import type { Cluster } from "../support/cluster.js";
import type { FaultProxy } from "../support/faultProxy.js";
import type { Random } from "./prng.js";

export type Fault =
  /** SIGKILL these nodes; restart them (same port) after `downMs`. */
  | { kind: "kill"; nodes: number[]; downMs: number }
  /** SIGSTOP a node for `ms`: its sockets stay open and nothing answers, then SIGCONT. */
  | { kind: "freeze"; node: number; ms: number }
  /** The node's proxy holds every byte for `ms` (a partition), then heals. */
  | { kind: "blackhole"; node: number; ms: number }
  /** The node's proxy resets every connection, and each new one, for `ms`. */
  | { kind: "reset"; node: number; ms: number }
  /** The node's proxy delays every chunk by `delayMs` for `ms`. */
  | { kind: "latency"; node: number; delayMs: number; ms: number }
  /** Every node's proxy holds every byte for `ms`: the client is cut off from the whole cluster. */
  | { kind: "partition"; ms: number };

export interface Step {
  fault: Fault;
  /** Quiet time before the fault. */
  calmMs: number;
}

const KINDS = ["kill1", "kill2", "kill3", "freeze", "blackhole", "reset", "latency", "partition"] as const;

/**
 * `rounds` rounds over 3 nodes; each round has every kind of fault once, in a seeded order: one node
 * killed, two killed, all three killed (2 s), a frozen node, a blackhole, resets, latency, and a
 * partition from every node lasting `partitionMs` plus up to 2 s (longer than a call's whole deadline,
 * so a call that waits past its deadline for a connection shows).
 */
export function planNemesis(random: Random, rounds: number, partitionMs: number, nodes = 3): Step[] {
  const steps: Step[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const kind of random.sample(KINDS, KINDS.length)) {
      const node = random.int(0, nodes - 1);
      const fault: Fault =
        kind === "kill1"
          ? { kind: "kill", nodes: [node], downMs: random.int(800, 2_000) }
          : kind === "kill2"
            ? {
                kind: "kill",
                nodes: random.sample([...Array(nodes).keys()], 2),
                downMs: random.int(800, 2_000),
              }
            : kind === "kill3"
              ? { kind: "kill", nodes: [...Array(nodes).keys()], downMs: 2_000 }
              : kind === "freeze"
                ? { kind: "freeze", node, ms: random.int(800, 2_000) }
                : kind === "blackhole"
                  ? { kind: "blackhole", node, ms: random.int(800, 2_000) }
                  : kind === "reset"
                    ? { kind: "reset", node, ms: random.int(100, 600) }
                    : kind === "latency"
                      ? { kind: "latency", node, delayMs: random.int(50, 300), ms: random.int(1_000, 2_500) }
                      : { kind: "partition", ms: partitionMs + random.int(0, 2_000) };
      steps.push({ fault, calmMs: random.int(500, 1_000) });
    }
  }
  return steps;
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case "kill":
      return `kill node ${fault.nodes.join("+")} for ${fault.downMs} ms`;
    case "freeze":
      return `freeze node ${fault.node} for ${fault.ms} ms`;
    case "blackhole":
      return `blackhole node ${fault.node} for ${fault.ms} ms`;
    case "reset":
      return `reset node ${fault.node}'s sockets for ${fault.ms} ms`;
    case "latency":
      return `delay node ${fault.node} by ${fault.delayMs} ms for ${fault.ms} ms`;
    case "partition":
      return `partition every node for ${fault.ms} ms`;
  }
}

/** Counts per kind, `kill` split by how many nodes died together. */
export function faultCounts(steps: readonly Step[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { fault } of steps) {
    const key = fault.kind === "kill" ? `kill${fault.nodes.length}` : fault.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Applies one fault to the cluster and heals it (each kind bounded by its own duration). */
export async function applyFault(fault: Fault, cluster: Cluster, proxies: FaultProxy[]): Promise<void> {
  switch (fault.kind) {
    case "kill": {
      const victims = fault.nodes.map((i) => cluster.nodes[i]!);
      await Promise.all(victims.map((n) => n.kill()));
      await sleep(fault.downMs);
      await Promise.all(victims.map((n) => n.restart()));
      return;
    }
    case "freeze": {
      const node = cluster.nodes[fault.node]!;
      node.pause();
      await sleep(fault.ms);
      node.resume();
      return;
    }
    case "partition":
      for (const p of proxies) p.setMode("blackhole");
      await sleep(fault.ms);
      for (const p of proxies) p.setMode("pass");
      return;
    default: {
      const proxy = proxies[fault.node]!;
      proxy.setMode(
        fault.kind === "latency"
          ? { kind: "latency", ms: fault.delayMs }
          : fault.kind === "reset"
            ? "reset"
            : "blackhole",
      );
      await sleep(fault.ms);
      proxy.setMode("pass");
    }
  }
}
