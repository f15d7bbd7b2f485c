const RESOLVED = Promise.resolve();

/**
 * Settles when `work` does (either way) or when `deadline` (a performance.now() time) passes,
 * whichever is first; never rejects. For waits that give up quietly: a drain, a close frame.
 */
export function withinDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  const left = deadline - performance.now();
  if (left <= 0) return RESOLVED;
  return new Promise<void>((resolve) => {
    const timer = setTimeout(settle, left);
    function settle() {
      clearTimeout(timer);
      resolve();
    }
    work.then(settle, settle);
  });
}
