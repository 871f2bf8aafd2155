export { newScheduler, Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerOptions } from "./scheduler.js";
export { SchedulingQueue, activeLess, mayHelp, type ClusterEvent, type QueuedPod, type QueueOptions } from "./queue.js";
export {
  defaultProfile,
  fitErrorMessage,
  numFeasibleNodesToFind,
  preemptionMessage,
  schedulePod,
  scoreNodes,
  seededRandom,
  selectHost,
  type CycleResult,
  type Diagnosis,
  type Profile,
} from "./framework.js";
export { SchedulerCache, newPodInfo, newNodeInfo } from "./cache.js";
export { podRequests, nodeAllocatable, milliValue, unitValue } from "./resources.js";
export type * from "./types.js";
