// The fuzz properties by name, with how many runs each gets in `npm test` (FUZZ_RUNS_SCALE=10 for a
// longer hunt; every run of the suite draws a new seed, so CI explores further over time).
import { configProperty } from "./properties/config.js";
import { badArgumentsProperty, hostileThrowProperty, leaseMisuseProperty } from "./properties/leases.js";
import { sessionBadArgumentsProperty, sessionMisuseProperty } from "./properties/sessions.js";

export const PROPERTIES = {
  config: { make: configProperty, runs: 60 },
  leaseMisuse: { make: leaseMisuseProperty, runs: 25 },
  badArguments: { make: badArgumentsProperty, runs: 30 },
  hostileThrows: { make: hostileThrowProperty, runs: 20 },
  sessionMisuse: { make: sessionMisuseProperty, runs: 20 },
  sessionBadArguments: { make: sessionBadArgumentsProperty, runs: 25 },
};

export type PropertyName = keyof typeof PROPERTIES;
