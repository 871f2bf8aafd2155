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

export const nodeResourcesFitFilter: FilterPlugin = {
  name: "NodeResourcesFit",
  preFilter(pod) {
    const req = pod.requests;
    // The common case, decided per node without allocating: only cpu and memory asked.
    const simple = req.ephemeralStorage === 0 && req.scalar.size === 0;
    const cpu = req.milliCPU;
    const memory = req.memory;
    return {
      kind: "filter",
      filter(n): Status | undefined {
        // Most nodes fit: answer those without building a reasons list (from the NodeInfo's own copies).
        if (simple && n.podCount < n.allocPods && cpu <= n.allocMilliCPU - n.reqMilliCPU && memory <= n.allocMemory - n.reqMemory) return undefined;
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
        if (n.allocMilliCPU !== 0) {
          sum += leastRequested(n.nonZeroCPU + pod.nonZeroCPU, n.allocMilliCPU);
          weights++;
        }
        if (n.allocMemory !== 0) {
          sum += leastRequested(n.nonZeroMemory + pod.nonZeroMemory, n.allocMemory);
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
    const podCPU = pod.requests.milliCPU;
    const podMemory = pod.requests.memory;
    return {
      score(n) {
        // With one of the two resources unallocatable there is one fraction and no spread.
        if (n.allocMilliCPU === 0 || n.allocMemory === 0) return MAX_NODE_SCORE;
        const cpu = Math.min(1, (n.reqMilliCPU + podCPU) / n.allocMilliCPU);
        const memory = Math.min(1, (n.reqMemory + podMemory) / n.allocMemory);
        return Math.trunc((1 - Math.abs((cpu - memory) / 2)) * MAX_NODE_SCORE);
      },
    };
  },
};
