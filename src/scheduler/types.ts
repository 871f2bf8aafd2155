/**
 * The shapes the scheduler reads from pods and nodes (core/v1 as JSON, only the fields it
 * uses), and the framework's vocabulary: statuses with kube's codes, per-node info, plugins.
 */
import type { KObject } from "../client/types.js";

export type ResourceList = Record<string, string | number>;

export interface ContainerPort {
  containerPort?: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface Container {
  name?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
  ports?: ContainerPort[];
  restartPolicy?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal" | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" | string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[] | null;
  matchFields?: NodeSelectorRequirement[] | null;
}

export interface MetaLabelSelectorJSON {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

export interface PodAffinityTermJSON {
  labelSelector?: MetaLabelSelectorJSON | null;
  namespaces?: string[] | null;
  namespaceSelector?: MetaLabelSelectorJSON | null;
  topologyKey: string;
  matchLabelKeys?: string[] | null;
  mismatchLabelKeys?: string[] | null;
}

export interface WeightedPodAffinityTermJSON {
  weight: number;
  podAffinityTerm: PodAffinityTermJSON;
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] | null } | null;
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[] | null;
  } | null;
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermJSON[] | null;
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTermJSON[] | null;
  } | null;
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermJSON[] | null;
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTermJSON[] | null;
  } | null;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway" | string;
  labelSelector?: MetaLabelSelectorJSON | null;
  minDomains?: number;
  nodeAffinityPolicy?: "Honor" | "Ignore";
  nodeTaintsPolicy?: "Honor" | "Ignore";
  matchLabelKeys?: string[] | null;
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string> | null;
  schedulerName?: string;
  priority?: number;
  preemptionPolicy?: "PreemptLowerPriority" | "Never";
  containers?: Container[];
  initContainers?: Container[];
  overhead?: ResourceList | null;
  tolerations?: Toleration[] | null;
  affinity?: Affinity | null;
  topologySpreadConstraints?: TopologySpreadConstraint[] | null;
  schedulingGates?: { name: string }[] | null;
}

export interface Pod extends KObject {
  spec?: PodSpec;
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string | null; lastTransitionTime?: string }[]; nominatedNodeName?: string };
}

export interface Node extends KObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] | null };
  status?: { allocatable?: ResourceList; capacity?: ResourceList };
}

/** kube's framework.Code values that matter here. */
export type Code = "Unschedulable" | "UnschedulableAndUnresolvable";

/** A plugin's verdict on one node (or on the pod as a whole at PreFilter). */
export interface Status {
  code: Code;
  reasons: string[];
  plugin: string;
}

/** Requested amounts: cpu in millicores, memory and storage in bytes, others as integers. */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and hugepages resources, by name. */
  scalar: Map<string, number>;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod as the scheduler keeps it: the object plus what is derived once. */
export interface PodInfo {
  pod: Pod;
  key: string;
  namespace: string;
  labels: Record<string, string>;
  priority: number;
  requests: Resources;
  /** Requests with kube's defaults (100m cpu, 200Mi memory) for containers that name none: for scoring. */
  nonZeroCPU: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  /** Required affinity / anti-affinity terms (parsed); empty when none. */
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
  terminating: boolean;
}

/** A pod affinity term with its selectors parsed (kube's framework.AffinityTerm). */
export interface AffinityTerm {
  /** Matches a pod's labels; undefined selects nothing. */
  matches: (labels: Record<string, string>) => boolean;
  namespaces: Set<string>;
  /** Matches a namespace's labels; undefined when the term has no namespaceSelector. */
  namespaceSelector?: (labels: Record<string, string>) => boolean;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** Everything the scheduler knows about one node (kube's framework.NodeInfo). */
export interface NodeInfo {
  name: string;
  node: Node;
  labels: Record<string, string>;
  taints: Taint[];
  allocatable: Resources & { pods: number };
  requested: Resources;
  nonZeroCPU: number;
  nonZeroMemory: number;
  pods: PodInfo[];
  /** Pods with any pod (anti-)affinity, for InterPodAffinity. */
  podsWithAffinity: PodInfo[];
  podsWithRequiredAntiAffinity: PodInfo[];
  usedPorts: HostPort[];
  /**
   * Copies of what the per-node filter and score pass reads most, on the NodeInfo itself: every
   * cycle visits hundreds of nodes, and one object per node costs fewer cache misses than five
   * (the Node, allocatable, requested, the pods array). cache.ts keeps them equal to
   * node.spec.unschedulable, allocatable, requested and pods.length.
   */
  unschedulable: boolean;
  allocMilliCPU: number;
  allocMemory: number;
  allocPods: number;
  reqMilliCPU: number;
  reqMemory: number;
  podCount: number;
  /**
   * Changes whenever `pods` does (unique across all NodeInfos): per-node counts derived from the
   * pods are memoized against it. Absent on hand-built infos, which are then never memoized.
   */
  generation?: number;
  /** Matching-pod counts by (namespace, selector key), valid while their generation is the node's. */
  matchCounts?: Map<string, { generation: number; count: number }>;
}

/** The view of the cluster one scheduling cycle uses. */
export interface Snapshot {
  /** Nodes in kube's node-tree order (zones round-robin). */
  nodes: NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Labels of a namespace (for namespaceSelector); undefined when unknown. */
  namespaceLabels(ns: string): Record<string, string> | undefined;
  /** Nodes that hold at least one pod with (anti-)affinity. */
  havePodsWithAffinity(): NodeInfo[];
  havePodsWithRequiredAntiAffinity(): NodeInfo[];
  /**
   * Per value of `topologyKey` (a node without it counts under ""), the sum of `count(node)` over
   * every node that has all of `requiredKeys`. Kept across cycles under `key` and brought up to
   * date by recounting only the nodes whose pods changed, so a cycle does not visit every node.
   * `count` must depend only on the node's pods, and the same `key` must always come with the
   * same `count`. Absent on snapshots that cannot keep totals (callers then count themselves).
   */
  domainTotals?(key: string, topologyKey: string, requiredKeys: readonly string[], count: (n: NodeInfo) => number): ReadonlyMap<string, number>;
}

export type NodeFilter = (node: NodeInfo) => Status | undefined;

/** What a filter plugin's PreFilter answers for one pod. */
export type PreFilterResult =
  | { kind: "skip" }
  | { kind: "filter"; filter: NodeFilter; nodeNames?: Set<string> }
  | { kind: "reject"; status: Status };

export interface FilterPlugin {
  name: string;
  preFilter(pod: PodInfo, snapshot: Snapshot): PreFilterResult;
}

/** A score plugin prepares per pod (given the feasible nodes) and answers a raw scorer, or undefined to skip. */
export interface ScorePlugin {
  name: string;
  weight: number;
  preScore(pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): Scorer | undefined;
}

export interface Scorer {
  score(node: NodeInfo): number;
  /** Rewrites raw scores into 0..100, in place (aligned with the nodes given to preScore). */
  normalize?(scores: number[], nodes: NodeInfo[]): void;
}

export const MAX_NODE_SCORE = 100;
