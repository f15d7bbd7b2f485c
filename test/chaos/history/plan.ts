// The history run's faults: those of the nemesis on the cluster's nodes, and the hybrid remote's own
// (killed and restarted, blackholed, its sockets reset), in a seeded order.
import type { Cluster } from "../../support/cluster.js";
import type { EndpointHandle } from "../../support/endpoint.js";
import type { FaultProxy } from "../../support/faultProxy.js";
import { applyFault as applyNodeFault, describeFault as describeNodeFault, type Fault } from "../plan.js";
import type { Random } from "../prng.js";

export type HistoryFault = Fault | { kind: "remote"; action: "kill" | "blackhole" | "reset"; ms: number };

export interface HistoryStep {
  fault: HistoryFault;
  calmMs: number;
}

const KINDS = ["kill1", "kill2", "freeze", "blackhole", "reset", "latency", "remote"] as const;
const TOTAL = ["kill3", "partition"] as const;

/** `count` faults, every kind once before any twice; `total` adds those that cut off every node. */
export function planFaults(
  random: Random,
  count: number,
  calmMs: [number, number],
  total: boolean,
): HistoryStep[] {
  const kinds: string[] = total ? [...KINDS, ...TOTAL] : [...KINDS];
  const steps: HistoryStep[] = [];
  while (steps.length < count) {
    for (const kind of random.sample(kinds, kinds.length)) {
      if (steps.length >= count) break;
      steps.push({ fault: faultOf(kind, random), calmMs: random.int(calmMs[0], calmMs[1]) });
    }
  }
  return steps;
}

function faultOf(kind: string, random: Random): HistoryFault {
  const node = random.int(0, 2);
  switch (kind) {
    case "kill1":
      return { kind: "kill", nodes: [node], downMs: random.int(800, 2_000) };
    case "kill2":
      return { kind: "kill", nodes: random.sample([0, 1, 2], 2), downMs: random.int(800, 2_000) };
    case "kill3":
      return { kind: "kill", nodes: [0, 1, 2], downMs: 2_000 };
    case "freeze":
      return { kind: "freeze", node, ms: random.int(800, 2_000) };
    case "blackhole":
      return { kind: "blackhole", node, ms: random.int(800, 2_000) };
    case "reset":
      return { kind: "reset", node, ms: random.int(100, 600) };
    case "latency":
      return { kind: "latency", node, delayMs: random.int(50, 300), ms: random.int(1_000, 2_500) };
    case "partition":
      return { kind: "partition", ms: random.int(3_000, 6_000) };
    default:
      return {
        kind: "remote",
        action: random.pick(["kill", "blackhole", "reset"] as const),
        ms: random.int(800, 2_500),
      };
  }
}

export function describeFault(fault: HistoryFault): string {
  return fault.kind === "remote"
    ? `${fault.action} the hybrid remote for ${fault.ms} ms`
    : describeNodeFault(fault);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function applyFault(
  fault: HistoryFault,
  at: { cluster: Cluster; proxies: FaultProxy[]; remote: EndpointHandle; remoteProxy: FaultProxy },
): Promise<void> {
  if (fault.kind !== "remote") {
    await applyNodeFault(fault, at.cluster, at.proxies);
    return;
  }
  if (fault.action === "kill") {
    await at.remote.kill();
    await sleep(fault.ms);
    await at.remote.restart();
  } else {
    at.remoteProxy.setMode(fault.action);
    await sleep(fault.ms);
    at.remoteProxy.setMode("pass");
  }
}
