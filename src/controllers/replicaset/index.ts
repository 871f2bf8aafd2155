export {
  ReplicaSetController,
  newReplicaSetController,
  newReplicationControllerController,
  replicaSetKind,
  replicationControllerKind,
  type ReplicaSetKind,
  type ReplicaSetControllerOptions,
} from "./controller.js";
export * from "./core.js";
export { Expectations } from "./expectations.js";
