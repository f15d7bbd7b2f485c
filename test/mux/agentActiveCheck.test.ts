// AgentSession checks "may it take a lease" by reading the machine's state (the hot path) instead of
// asking `can(lease.granted)`; this holds only while exactly the `active` state takes that event, with
// no guard. Checked on the definition itself, so a machine change that breaks it fails here.
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

describe("the agent session machine takes lease.granted only while active", () => {
  it("has one unguarded lease.granted transition, on the top-level active state", () => {
    const taking = nodes(agentSessionMachine.root as unknown as Node).filter((n) => n.on["lease.granted"]);
    expect(taking.map((n) => n.key)).toEqual(["active"]);
    expect(taking[0]!.on["lease.granted"]!.every((t) => t.guard === undefined)).toBe(true);
  });
});
