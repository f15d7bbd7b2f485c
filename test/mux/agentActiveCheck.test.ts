// A lease is no transition of the agent session machine: AgentSession hands one out only while the
// machine is `active` (reading its state), counts its leases itself, and tells the machine of a lease
// only while closing waits for them (`lease.returned`, sent when the state is a closing one). This holds
// only while exactly the `closing` state takes `lease.returned` and no state takes a lease when it is
// handed out. Checked on the definition itself, so a machine change that breaks it fails here.
import { describe, expect, it } from "vitest";
import { agentSessionMachine } from "../../machines/agentSession.machine.js";

interface Node {
  key: string;
  states: Record<string, Node>;
  on: Record<string, { guard?: unknown }[]>;
}

function nodes(node: Node): Node[] {
  return [node, ...Object.values(node.states).flatMap(nodes)];
}

describe("the agent session machine hears of leases only while closing", () => {
  it("takes lease.returned on the closing state alone, unguarded, and no event when a lease is handed out", () => {
    const all = nodes(agentSessionMachine.root as unknown as Node);
    const taking = all.filter((n) => n.on["lease.returned"]);
    expect(taking.map((n) => n.key)).toEqual(["closing"]);
    expect(taking[0]!.on["lease.returned"]!.every((t) => t.guard === undefined)).toBe(true);
    const leaseEvents = all.flatMap((n) => Object.keys(n.on)).filter((type) => type.startsWith("lease."));
    expect(new Set(leaseEvents)).toEqual(new Set(["lease.returned"]));
  });
});
