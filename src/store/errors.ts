// Errors the store reports to clients. Each kind maps, at the API edge only, to etcd's gRPC code
// and exact message (src/store/api/errors.ts): clients match on both.

export type StoreErrorKind =
  | "emptyKey" | "keyNotFound" | "valueProvided" | "leaseProvided" | "tooManyOps" | "duplicateKey"
  | "invalidSortOption" | "requestTooLarge" | "compacted" | "futureRev" | "leaseNotFound"
  | "leaseExists" | "leaseTTLTooLarge" | "noSpace" | "tooManyRequests" | "noLeader" | "notLeader"
  | "stopped" | "timeout" | "corrupt" | "memberNotFound" | "notCapable" | "authNotEnabled"
  | "permissionDenied" | "invalidAuthToken" | "badLeaderTransferee";

export class StoreError extends Error {
  constructor(readonly kind: StoreErrorKind, detail?: string) {
    super(detail ?? kind);
  }
}
