// The pool every bench measures: the built package, as users run it (`npm run bench` builds it first),
// not the TypeScript sources through tsx, whose transform wraps every function expression in a naming
// helper: a third of the pool's own CPU per call in a profile of query() with the database stubbed out.
import type * as Package from "../src/index.js";

const built = new URL("../dist/src/index.js", import.meta.url);
const pool = (await import(built.href)) as typeof Package;

export const { AgentSession, ConnectionManager, histogramQuantile } = pool;
export type { Lease } from "../src/index.js";
export type ConnectionManager = Package.ConnectionManager;
export type AgentSession = Package.AgentSession;
