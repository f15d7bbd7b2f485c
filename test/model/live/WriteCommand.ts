import type fc from "fast-check";
import type { LiveModel, LiveReal } from "./model.js";

const IDS = ["a", "b", "c"];

/** Writes (upserts or deletes) one record of both tables, through a client of its own. */
export class WriteCommand implements fc.AsyncCommand<LiveModel, LiveReal> {
  constructor(
    readonly record: number,
    readonly remove: boolean,
  ) {}

  check(): boolean {
    return true;
  }

  async run(m: LiveModel, r: LiveReal): Promise<void> {
    const id = IDS[this.record % IDS.length]!;
    const { fed, plain } = r.tables;
    if (this.remove) {
      if (!m.existing.has(id)) return;
      await r.direct.query(`DELETE ${fed}:${id}; DELETE ${plain}:${id}`);
      m.existing.delete(id);
      m.committed.push({ id, what: "delete" });
      return;
    }
    const seq = ++m.seq;
    await r.direct.query(`UPSERT ${fed}:${id} SET seq = ${seq}; UPSERT ${plain}:${id} SET seq = ${seq}`);
    m.existing.add(id);
    m.committed.push({ id, what: seq });
  }

  toString(): string {
    return this.remove ? `delete(${this.record})` : `upsert(${this.record})`;
  }
}
