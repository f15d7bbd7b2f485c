// Properties over random command sequences on a live manager (fc.commands, model-based).
import { badArgCommands } from "./badArgCommands.js";
import { hostileCommands } from "./hostileCommands.js";
import { leaseCommands } from "./leaseCommands.js";
import { createLeaseWorld, finish } from "./leaseWorld.js";
import { modelProperty } from "./modelProperty.js";

const world = { create: createLeaseWorld, finish };

/** Valid calls in any order: double release, use after release, discard, fns that throw, shutdown in between. */
export const leaseMisuseProperty = () => modelProperty(world, leaseCommands());
/** The same, mixed with bad arguments to acquire, executeWithRetry and executeHedged. */
export const badArgumentsProperty = () => modelProperty(world, leaseCommands(badArgCommands));
/** The same, mixed with fns that throw objects whose getters throw. */
export const hostileThrowProperty = () => modelProperty(world, leaseCommands(hostileCommands));
