/**
 * A fold's cases by event type: for each type of the union `E`, how one event of it changes the totals
 * `T`, in place. A table of these names each event type once, in the case that counts it; the metrics
 * fold looks the case up by the event's type.
 */
export type FoldCases<T, E extends { type: string }> = {
  readonly [K in E["type"]]: (totals: T, event: Extract<E, { type: K }>) => void;
};
