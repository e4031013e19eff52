/**
 * Runs `task` after the microtasks queued now: `setImmediate` where the host has it (Node; a zero
 * timeout there waits 1 ms), else a zero timeout.
 */
export function nextTurn(task: () => void): void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate;
  if (immediate) immediate(task);
  else setTimeout(task, 0);
}
