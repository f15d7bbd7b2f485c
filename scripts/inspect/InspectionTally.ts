import type { StatelyInspectionEvent } from "@statelyai/inspect";

/** Inspection events of one kind of actor, by inspection event type. */
export interface KindCounts {
  /** Distinct actors of this kind seen (`@xstate.actor` registrations). */
  actors: number;
  actor: number;
  snapshot: number;
  event: number;
  /** State values seen in snapshots (`"ready"`, `{"open":"cooling"}` as JSON). */
  states: Set<string>;
  /** Event types seen delivered to actors of this kind. */
  eventTypes: Set<string>;
}

/**
 * Counts what an inspector received, per kind of actor. The kind of a machine actor is its machine id
 * (`connection`, `circuitBreaker`, `agentSession`); actors a machine invokes (the connect, ping, reset
 * promises) count as `<parent kind>.invoked`.
 */
export class InspectionTally {
  readonly kinds = new Map<string, KindCounts>();
  readonly #kindOf = new Map<string, string>();
  total = 0;

  add(event: StatelyInspectionEvent): void {
    this.total++;
    if (event.type === "@xstate.actor") {
      const kind = event.parentId
        ? `${this.#kindOf.get(event.parentId) ?? "unknown"}.invoked`
        : (definitionId(event.definition) ?? event.name);
      this.#kindOf.set(event.sessionId, kind);
      const counts = this.#counts(kind);
      counts.actors++;
      counts.actor++;
      return;
    }
    const counts = this.#counts(this.#kindOf.get(event.sessionId) ?? "unknown");
    if (event.type === "@xstate.snapshot") {
      counts.snapshot++;
      const value = (event.snapshot as { value?: unknown } | undefined)?.value;
      if (value !== undefined) counts.states.add(typeof value === "string" ? value : JSON.stringify(value));
    } else {
      counts.event++;
      const type = (event.event as { type?: unknown } | undefined)?.type;
      if (typeof type === "string") counts.eventTypes.add(type);
    }
  }

  /** One row per kind, for console.table. */
  rows(): Record<
    string,
    { actors: number; "@xstate.actor": number; "@xstate.snapshot": number; "@xstate.event": number }
  > {
    const rows: ReturnType<InspectionTally["rows"]> = {};
    for (const [kind, c] of [...this.kinds].sort(([a], [b]) => a.localeCompare(b))) {
      rows[kind] = {
        actors: c.actors,
        "@xstate.actor": c.actor,
        "@xstate.snapshot": c.snapshot,
        "@xstate.event": c.event,
      };
    }
    return rows;
  }

  #counts(kind: string): KindCounts {
    let c = this.kinds.get(kind);
    if (!c) {
      c = { actors: 0, actor: 0, snapshot: 0, event: 0, states: new Set(), eventTypes: new Set() };
      this.kinds.set(kind, c);
    }
    return c;
  }
}

/** The machine id out of the serialized definition the inspector sends with each new actor. */
function definitionId(definition: string | undefined): string | undefined {
  if (!definition) return undefined;
  try {
    const id = (JSON.parse(definition) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
