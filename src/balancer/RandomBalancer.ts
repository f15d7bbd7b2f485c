import type { EndpointSlot } from "../pool/EndpointSlot.js";
import type { Balancer } from "./Balancer.js";

/** A uniformly random candidate. */
export class RandomBalancer implements Balancer {
  readonly name = "random";
  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly EndpointSlot[]): EndpointSlot | undefined {
    return candidates[Math.floor(this.random() * candidates.length)];
  }
}
