/** The endpoints, endpointslice and nodelifecycle controllers' worker loop: the shared one, with kube's endpoints retry cap. */
import type { WorkQueue } from "../../client/types.js";
import { runWorkers as run } from "../util/workers.js";

export { shutDownOnAbort } from "../util/workers.js";

export const MAX_RETRIES = 15;

/** A key is dropped after MAX_RETRIES failures, as kube's endpoints controller does. */
export const runWorkers = (queue: WorkQueue, workers: number, sync: (key: string) => Promise<void>, onError: (key: string, err: unknown) => void): Promise<void> =>
  run(queue, workers, sync, onError, MAX_RETRIES);
