/** The job controllers' worker loop: the shared one. */
export { runWorkers } from "../util/workers.js";
