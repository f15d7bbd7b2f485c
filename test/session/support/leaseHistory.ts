// A history of what agents' leases did to their sessions and what each of their calls saw, and a checker:
// no call may see another lease's namespace/database, variables or auth, and every write lands where its
// own lease's session was. Each lease's values are unique (its namespace `ns_<lease>`, its variable
// `<lease>#<n>`), so a violation names the lease whose state leaked.

/** What a call can see of its session. */
export interface SessionView {
  ns: string;
  db: string;
  /** The session variable `$v`, or null when unset. */
  v: string | null;
  /** False once the lease signed its session out (`invalidate()`): its queries are refused. */
  authed: boolean;
}

export type LeaseOp =
  | { kind: "acquire" }
  | { kind: "use"; ns: string; db: string }
  | { kind: "set"; v: string }
  | { kind: "unset" }
  | { kind: "invalidate" }
  /** What one query saw: its session, or "refused" (not signed in). */
  | { kind: "observe"; saw: SessionView | "refused" }
  /** A write of mark `mark`; where it landed is read back after the run (`landed`). */
  | { kind: "write"; mark: string }
  | { kind: "release" };

export interface HistoryEntry {
  /** Global order of recording (completion order of the call). */
  index: number;
  at: number;
  agent: string;
  lease: string;
  op: LeaseOp;
}

export interface Violation {
  entry: HistoryEntry;
  message: string;
}

export class LeaseHistory {
  readonly entries: HistoryEntry[] = [];
  /** Each agent's own namespace/database: where every lease of it starts. */
  readonly #home = new Map<string, { ns: string; db: string }>();
  /** Where each mark landed, filled after the run. */
  readonly landed = new Map<string, { ns: string; db: string }>();

  agent(agent: string, ns: string, db: string): void {
    this.#home.set(agent, { ns, db });
  }

  record(agent: string, lease: string, op: LeaseOp): void {
    this.entries.push({ index: this.entries.length, at: performance.now(), agent, lease, op });
  }

  /** Replays each lease against its own model (its home, then only its own changes). */
  check(): Violation[] {
    const violations: Violation[] = [];
    const models = new Map<string, SessionView>();
    const owners = this.#owners();
    for (const entry of this.entries) {
      const { op, lease, agent } = entry;
      if (op.kind === "acquire") {
        const home = this.#home.get(agent)!;
        models.set(lease, { ...home, v: null, authed: true });
        continue;
      }
      const model = models.get(lease);
      if (!model) {
        violations.push({ entry, message: `lease ${lease} used before its acquire was recorded` });
        continue;
      }
      switch (op.kind) {
        case "use":
          model.ns = op.ns;
          model.db = op.db;
          break;
        case "set":
          model.v = op.v;
          break;
        case "unset":
          model.v = null;
          break;
        case "invalidate":
          model.authed = false;
          break;
        case "observe": {
          const wrong = differs(model, op.saw);
          if (wrong) violations.push({ entry, message: `${wrong}${blame(op.saw, lease, owners)}` });
          break;
        }
        case "write": {
          const where = this.landed.get(op.mark);
          if (!model.authed) {
            if (where)
              violations.push({
                entry,
                message: `a signed-out lease's write landed in ${where.ns}/${where.db}`,
              });
          } else if (!where) {
            violations.push({ entry, message: `acknowledged write ${op.mark} is nowhere` });
          } else if (where.ns !== model.ns || where.db !== model.db) {
            violations.push({
              entry,
              message: `write ${op.mark} landed in ${where.ns}/${where.db}, its lease was in ${model.ns}/${model.db}${blame({ ...model, ...where }, lease, owners)}`,
            });
          }
          break;
        }
        case "release":
          models.delete(lease);
          break;
      }
    }
    return violations;
  }

  /** The entries of `violation`'s agent around it, for the report. */
  around(violation: Violation, before = 8, after = 3): string {
    const same = this.entries.filter((e) => e.agent === violation.entry.agent);
    const at = same.indexOf(violation.entry);
    return same
      .slice(Math.max(0, at - before), at + after + 1)
      .map((e) => `${e === violation.entry ? ">>" : "  "} #${e.index} ${e.lease} ${JSON.stringify(e.op)}`)
      .join("\n");
  }

  /** Which lease set each namespace and each variable value. */
  #owners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const { op, lease } of this.entries) {
      if (op.kind === "use") owners.set(`ns:${op.ns}`, lease);
      if (op.kind === "set") owners.set(`v:${op.v}`, lease);
    }
    return owners;
  }
}

function differs(model: SessionView, saw: SessionView | "refused"): string | undefined {
  if (saw === "refused")
    return model.authed ? "refused (signed out) although its lease never signed out" : undefined;
  if (!model.authed) return "answered although its lease signed out";
  if (saw.ns !== model.ns || saw.db !== model.db)
    return `saw ${saw.ns}/${saw.db}, expected ${model.ns}/${model.db}`;
  if (saw.v !== model.v) return `saw $v = ${saw.v}, expected ${model.v}`;
  return undefined;
}

function blame(saw: SessionView | "refused", lease: string, owners: Map<string, string>): string {
  if (saw === "refused") return "";
  const from = [owners.get(`ns:${saw.ns}`), saw.v === null ? undefined : owners.get(`v:${saw.v}`)].filter(
    (owner): owner is string => owner !== undefined && owner !== lease,
  );
  return from.length > 0 ? ` (state of lease ${[...new Set(from)].join(", ")})` : "";
}
