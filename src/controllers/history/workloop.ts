/** The statefulset and daemonset controllers' worker loop: the shared one (src/controllers/util/workers.ts). */
export { runWorkers, runController } from "../util/workers.js";
