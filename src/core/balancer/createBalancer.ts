import type { LoadBalancingStrategy } from "../../config/options.js";
import type { Balancer } from "./Balancer.js";
import { HealthBasedBalancer } from "./HealthBasedBalancer.js";
import { LeastConnectionsBalancer } from "./LeastConnectionsBalancer.js";
import { PowerOfTwoChoicesBalancer } from "./PowerOfTwoChoicesBalancer.js";
import { RandomBalancer } from "./RandomBalancer.js";
import { RoundRobinBalancer } from "./RoundRobinBalancer.js";

export function createBalancer(strategy: LoadBalancingStrategy): Balancer {
  switch (strategy) {
    case "round-robin":
      return new RoundRobinBalancer();
    case "least-connections":
      return new LeastConnectionsBalancer();
    case "random":
      return new RandomBalancer();
    case "health-based":
      return new HealthBasedBalancer();
    case "power-of-two-choices":
      return new PowerOfTwoChoicesBalancer();
  }
}
