/** A machine's emitted event as published on `events$`: the same fields plus `ts` (epoch ms). */
export type Stamped<E> = E & { ts: number };
