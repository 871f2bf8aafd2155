// A fixed piece of single-threaded work (JSON parse and stringify of a pod-sized object, with
// a bounded Map of results: the API server's kind of work) timed in CPU ms. This machine's speed
// drifts: on 2026-11-22 every process of bench:cluster used ~30 % more CPU for the same work in
// some runs than in others, minutes apart. The benches print this figure before and after a run
// so that runs can be compared with the machine's speed in mind (lower = faster machine).
//   node bench/calibrate.mjs
import { fileURLToPath } from "node:url";

const pod = {
  apiVersion: "v1", kind: "Pod",
  metadata: {
    name: "web-7d4b9c8f5-x2x9q", namespace: "default", uid: "0a1b2c3d-0000-4000-8000-000000000000",
    labels: { app: "web", "pod-template-hash": "7d4b9c8f5" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7d4b9c8f5", uid: "x", controller: true, blockOwnerDeletion: true }],
    managedFields: ["kube-controller-manager", "default-scheduler", "kubelet"].map((manager) => ({
      manager, operation: "Update", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {}, "f:name": {} } } } },
    })),
  },
  spec: {
    containers: [{ name: "app", image: "nginx", resources: {}, terminationMessagePath: "/dev/termination-log", imagePullPolicy: "Always" }],
    restartPolicy: "Always", dnsPolicy: "ClusterFirst", schedulerName: "default-scheduler",
    tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
  },
  status: { phase: "Running", conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" })) },
};

/** CPU milliseconds this process spends on the reference work (median of `reps`). */
export function referenceWorkMs(reps = 3) {
  const text = JSON.stringify(pod);
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.cpuUsage();
    const kept = new Map();
    for (let i = 0; i < 20000; i++) {
      const o = JSON.parse(text);
      o.metadata.name = `p${i}`;
      kept.set(o.metadata.name, JSON.stringify(o));
      if (kept.size > 2000) kept.delete(kept.keys().next().value);
    }
    const c = process.cpuUsage(t0);
    times.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`reference work: ${referenceWorkMs()} ms CPU (lower = faster machine)`);
