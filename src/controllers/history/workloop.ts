/**
 * The worker loop the statefulset and daemonset controllers share over src/client's work queue:
 * each key is synced by one worker at a time, failures are retried with the queue's backoff.
 */
import type { WorkQueue } from "../../client/types.js";

/** Runs `workers` loops over the queue until it shuts down; failures are retried with backoff. */
export async function runWorkers(queue: WorkQueue, workers: number, sync: (key: string) => Promise<void>, onError: (key: string, err: unknown) => void): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        onError(key, err);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
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
  signal.addEventListener("abort", () => queue.shutDown(), { once: true });
  try {
    await waitForSync(signal);
  } catch {
    return queue.shutDown();
  }
  await runWorkers(queue, workers, sync, onError);
}
