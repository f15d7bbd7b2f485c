// Properties over random command sequences on agent sessions (fc.commands, model-based).
import { modelProperty } from "./modelProperty.js";
import { sessionCommands } from "./sessionCommands.js";
import { createSessionWorld, finishSessions } from "./sessionWorld.js";

const world = { create: createSessionWorld, finish: finishSessions };

/** Valid calls in any order on agent sessions, shutdown and close in between. */
export const sessionMisuseProperty = () => modelProperty(world, sessionCommands(false));
/** The same, mixed with bad arguments to every session function. */
export const sessionBadArgumentsProperty = () => modelProperty(world, sessionCommands(true));
