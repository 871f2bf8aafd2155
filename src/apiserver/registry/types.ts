import type { FieldError, KObject } from "../api/types.js";

/**
 * What discovery, OpenAPI, the handlers and storage need to know about one served resource.
 * The catalog (`catalog.ts`) holds one of these per group/version/resource as data.
 */
export interface ResourceInfo {
  group: string; // "" for core
  version: string;
  /** Plural, lower case: "deployments". */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  /** The etcd key prefix below /registry (kube's own: "services/specs", "minions", ...). */
  etcdPrefix: string;
  /**
   * For a resource served in several versions of a group (autoscaling v1 and v2), the version
   * objects are stored in; the others are converted. Absent = this version.
   */
  storageVersion?: string;
}

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";

export interface SubresourceInfo {
  name: string; // "status", "scale", "binding", "eviction", "token", "log", ...
  /** The kind the subresource takes and returns (Scale is autoscaling/v1 Scale). */
  group: string;
  version: string;
  kind: string;
  verbs: Verb[];
}

/** Context a strategy sees: the request's namespace and user, and time. */
export interface StrategyContext {
  namespace?: string;
  user?: { name: string; groups: string[]; uid?: string };
  /** Current time (injected so tests are deterministic). */
  now: Date;
  dryRun: boolean;
}

/**
 * One resource's behaviour in the generic registry (kube's RESTCreateStrategy /
 * RESTUpdateStrategy / RESTDeleteStrategy, in plain functions). Every hook is optional; the
 * generic store does the common work (names, uid, timestamps, resourceVersion, ObjectMeta
 * validation, generation for resources without a spec).
 */
export interface Strategy {
  /** Upstream defaulting (pkg/apis/<group>/v1/defaults.go), run on every decoded body. */
  defaults?(obj: KObject): void;
  /** Before create: clear status, set generation, ... */
  prepareForCreate?(obj: KObject, ctx: StrategyContext): void;
  /** Before update of the main resource: keep status from `old`, bump generation on spec change. */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): void;
  /** Validation of the whole object on create (ObjectMeta is checked by the generic store). */
  validate?(obj: KObject, ctx: StrategyContext): FieldError[];
  /** Validation on update (immutable fields), in addition to validate(). */
  validateUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
  warningsOnCreate?(obj: KObject): string[];
  warningsOnUpdate?(obj: KObject, old: KObject): string[];
  /** Fields this resource supports in field selectors, besides metadata.name/namespace. */
  selectableFields?(obj: KObject): Record<string, string>;
  /** PUT may create when the object is missing (kube: false for most, true for a few). */
  allowCreateOnUpdate?: boolean;
  /** PUT without metadata.resourceVersion is allowed (kube: true for most). */
  allowUnconditionalUpdate?: boolean;
  /** Graceful deletion: the grace period to apply, or undefined for immediate deletion. */
  gracePeriod?(obj: KObject, requested: number | undefined): number | undefined;
  /** Per-subresource strategies (status: keep spec from old, ...). */
  subresources?: Record<string, SubresourceStrategy>;
}

export interface SubresourceStrategy {
  /** Copy into `obj` what this subresource does not own (e.g. spec and metadata from `old`). */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): void;
  validateUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
}
