// The pure machine definitions (`surreal-pool/machines`): draw them, inspect them, or test against
// them without any I/O. The runtime supplies their effects with `.provide()`.
export { agentSessionMachine } from "./agentSession.machine.js";
export { circuitBreakerMachine } from "./circuitBreaker.machine.js";
export { connectionMachine } from "./connection.machine.js";
export { liveSubscriptionMachine } from "./liveSubscription.machine.js";
export { syncMachine } from "./sync.machine.js";
