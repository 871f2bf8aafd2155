/**
 * NodeResourcesFit (filter: requests against allocatable minus what is already requested,
 * and the pod count; score: LeastAllocated over cpu and memory) and
 * NodeResourcesBalancedAllocation, with kube's integer arithmetic.
 */
import { MAX_NODE_SCORE, type FilterPlugin, type NodeInfo, type ScorePlugin, type Status } from "../types.js";

/** The reasons a node cannot hold these requests, in kube's order (pods, cpu, memory, storage, scalars). */
export function insufficientResources(pod: { requests: NodeInfo["requested"] }, n: NodeInfo): string[] {
  const out: string[] = [];
  const req = pod.requests;
  if (n.pods.length + 1 > n.allocatable.pods) out.push("Too many pods");
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return out;
  if (req.milliCPU > 0 && req.milliCPU > n.allocatable.milliCPU - n.requested.milliCPU) out.push("Insufficient cpu");
  if (req.memory > 0 && req.memory > n.allocatable.memory - n.requested.memory) out.push("Insufficient memory");
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > n.allocatable.ephemeralStorage - n.requested.ephemeralStorage) out.push("Insufficient ephemeral-storage");
  if (req.scalar.size > 0) {
    for (const name of [...req.scalar.keys()].sort()) {
      const q = req.scalar.get(name)!;
      if (q === 0) continue;
      if (q > (n.allocatable.scalar.get(name) ?? 0) - (n.requested.scalar.get(name) ?? 0)) out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

/** The common case, decided without allocating: room for one more pod, and for its cpu and memory, and no other resources asked. */
function fitsEasily(req: NodeInfo["requested"], n: NodeInfo): boolean {
  return (
    n.pods.length + 1 <= n.allocatable.pods &&
    req.ephemeralStorage === 0 &&
    req.scalar.size === 0 &&
    req.milliCPU <= n.allocatable.milliCPU - n.requested.milliCPU &&
    req.memory <= n.allocatable.memory - n.requested.memory
  );
}

export const nodeResourcesFitFilter: FilterPlugin = {
  name: "NodeResourcesFit",
  preFilter(pod) {
    return {
      kind: "filter",
      filter(n): Status | undefined {
        // Most nodes fit: answer those without building a reasons list.
        if (fitsEasily(pod.requests, n)) return undefined;
        const reasons = insufficientResources(pod, n);
        return reasons.length ? { code: "Unschedulable", reasons, plugin: "NodeResourcesFit" } : undefined;
      },
    };
  },
};

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** LeastAllocated over cpu and memory (weight 1 each), counting kube's non-zero default requests. */
export const nodeResourcesFitScore: ScorePlugin = {
  name: "NodeResourcesFit",
  weight: 1,
  preScore(pod) {
    return {
      score(n) {
        let sum = 0;
        let weights = 0;
        if (n.allocatable.milliCPU !== 0) {
          sum += leastRequested(n.nonZeroCPU + pod.nonZeroCPU, n.allocatable.milliCPU);
          weights++;
        }
        if (n.allocatable.memory !== 0) {
          sum += leastRequested(n.nonZeroMemory + pod.nonZeroMemory, n.allocatable.memory);
          weights++;
        }
        return weights === 0 ? 0 : Math.trunc(sum / weights);
      },
    };
  },
};

/** BalancedAllocation: 100 × (1 − std of the cpu and memory fractions), on actual requests. */
export const balancedAllocationScore: ScorePlugin = {
  name: "NodeResourcesBalancedAllocation",
  weight: 1,
  preScore(pod) {
    return {
      score(n) {
        const fractions: number[] = [];
        if (n.allocatable.milliCPU !== 0) fractions.push(Math.min(1, (n.requested.milliCPU + pod.requests.milliCPU) / n.allocatable.milliCPU));
        if (n.allocatable.memory !== 0) fractions.push(Math.min(1, (n.requested.memory + pod.requests.memory) / n.allocatable.memory));
        const std = fractions.length === 2 ? Math.abs((fractions[0]! - fractions[1]!) / 2) : 0;
        return Math.trunc((1 - std) * MAX_NODE_SCORE);
      },
    };
  },
};
