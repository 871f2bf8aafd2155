/**
 * The worker loop every controller runs over its work queue (kube's processNextWorkItem): one
 * key at a time per worker, success forgets the key's backoff, failure re-queues it rate
 * limited (up to maxRetries, where a controller has kube's cap, e.g. endpoints' 15).
 */
import type { WorkQueue } from "../../client/types.js";

export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  sync: (key: string) => Promise<void>,
  onError: (key: string, err: unknown) => void,
  maxRetries = Infinity,
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        onError(key, err);
        if (queue.numRequeues(key) < maxRetries) queue.addRateLimited(key);
        else queue.forget(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
}

/** Shuts the queue down when the signal aborts. */
export function shutDownOnAbort(queue: WorkQueue, signal: AbortSignal): void {
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener("abort", () => queue.shutDown(), { once: true });
}

/** Waits for informers, runs the workers, and shuts the queue down when the signal aborts. */
export async function runController(
  signal: AbortSignal,
  workers: number,
  waitForSync: (s: AbortSignal) => Promise<void>,
  queue: WorkQueue,
  sync: (key: string) => Promise<void>,
  onError: (key: string, err: unknown) => void,
): Promise<void> {
  if (signal.aborted) return queue.shutDown();
  shutDownOnAbort(queue, signal);
  try {
    await waitForSync(signal);
  } catch {
    return queue.shutDown();
  }
  await runWorkers(queue, workers, sync, onError);
}
