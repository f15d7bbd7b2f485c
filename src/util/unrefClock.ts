/** An XState clock whose delays do not keep the process alive (`pool.allowExitOnIdle`). */
export const unrefClock = {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown {
    const timer = setTimeout(fn, timeout);
    timer.unref();
    return timer;
  },
  clearTimeout(id: unknown): void {
    clearTimeout(id as ReturnType<typeof setTimeout>);
  },
};
