// Figures for the README (kplane's store in this process): create throughput through the etcd3
// store, then the watch cache over N realistic pods (~2.9 KiB each as item JSON): its ingest, its
// memory, and reads of all N, as objects and as item JSON. Prints JSON and a table; no timed
// assertions. STORAGE_MEASURE_N=100000 for the large figures (about a minute);
// STORAGE_MEASURE_PRINT=1 also prints to stdout.
import { create } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { TxnRequestSchema } from "../../store/api/gen/rpc_pb.js";
import type { KObject } from "../api/types.js";
import { cacher } from "./cacher.js";
import { encodeObject } from "./codec.js";
import { etcd3Storage } from "./etcd3.js";
import { Packer } from "./delta.js";
import { encodeItem } from "./item.js";
import { pod, startBackend } from "./testutil.js";

const N = Number(process.env["STORAGE_MEASURE_N"] ?? 10_000);
/** Objects created one by one through the store (the rest go in batches). */
const CREATES = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** This process's CPU time in ms: on a shared, loaded machine wall time says little. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
/** Live JS heap plus ArrayBuffers (item JSON lives in those), after a full GC. */
const liveBytes = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Runs `fn` `n` times; the median wall time and the mean CPU time of one run, in ms. */
async function timeIt(n: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const c0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    walls.push(performance.now() - s);
  }
  return { wall: +median(walls).toFixed(3), cpu: +((cpuMs() - c0) / n).toFixed(3) };
}

/** A pod as the API server stores one: defaults, a projected token volume, managedFields. */
function benchPod(i: number): KObject {
  const name = `pod-${String(i).padStart(6, "0")}`;
  const ns = `ns${i % 10}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name, namespace: ns, uid: `6d1c9a2e-0b7f-4e55-8c3a-${String(i).padStart(12, "0")}`, creationTimestamp: "2026-11-21T16:00:00Z",
      labels: { app: `a${i % 7}`, tier: "backend", "pod-template-hash": "7d9c6b5f4d", "app.kubernetes.io/instance": `bench-${i % 100}` },
      annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9090" },
      managedFields: [{
        manager: "kubectl-create", operation: "Update", apiVersion: "v1", time: "2026-11-21T16:00:00Z", fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {}, "f:tier": {} } }, "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {}, "f:name": {} } } } },
      }],
    },
    spec: {
      containers: [{
        name: "app", image: "registry.example.com/team/app:1.4.2", imagePullPolicy: "IfNotPresent", command: ["/bin/app"],
        args: ["--listen=:8080", "--metrics=:9090"],
        ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }, { name: "metrics", containerPort: 9090, protocol: "TCP" }],
        env: [{ name: "MODE", value: "production" }, { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/readyz", port: 8080, scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }, { name: "kube-api-access-x1b2c", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }],
        terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
      }],
      volumes: [
        { name: "config", configMap: { name: "app-config", defaultMode: 420 } },
        { name: "kube-api-access-x1b2c", projected: { defaultMode: 420, sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ] } },
      ],
      restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", serviceAccountName: "default", serviceAccount: "default",
      securityContext: {}, schedulerName: "default-scheduler", enableServiceLinks: true, preemptionPolicy: "PreemptLowerPriority", priority: 0,
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
    status: { phase: "Pending", qosClass: "Burstable" },
  };
}

test(`measurement: ${N} pods, created in-process, held and read by the watch cache`, { timeout: 600_000 }, async (t) => {
  const b = await startBackend("kplane");
  const store = etcd3Storage(b.client);
  const p = "/registry/pods/";
  const keyOf = (i: number) => `${p}ns${i % 10}/pod-${String(i).padStart(6, "0")}`;
  try {
    // Warm up (JIT, the store's first WAL segment), then 64 creates in flight at a time.
    await Promise.all(Array.from({ length: 256 }, (_, i) => store.create(`/registry/warm/default/w${i}`, pod(`w${i}`))));
    const t0 = performance.now();
    const cpu0 = cpuMs();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < CREATES) {
        const i = next++;
        await store.create(keyOf(i), benchPod(i));
      }
    }));
    const createMs = performance.now() - t0;
    const createCpu = cpuMs() - cpu0;
    // The rest in transactions of 100 puts (the measure is of the cache from here on).
    const put = (i: number, o: KObject) => ({ request: { case: "requestPut" as const, value: { key: Buffer.from(keyOf(i)), value: Buffer.from(encodeObject(o)) } } });
    for (let i = CREATES; i < N; i += 100) {
      await b.client.txn(create(TxnRequestSchema, { success: Array.from({ length: Math.min(100, N - i) }, (_, j) => put(i + j, benchPod(i + j))) }));
    }

    // Ingest alone: the stored bytes to item JSON, packed (what the cache does per object and event).
    const values = Array.from({ length: 1000 }, (_, i) => Buffer.from(encodeObject(benchPod(i))));
    const packer = new Packer();
    const kept: unknown[] = [];
    const ingest = await timeIt(30, async () => {
      for (const v of values) kept.push(packer.pack(encodeItem("/k", v, 123456n).item));
    });
    kept.length = 0;

    const before = liveBytes();
    const t1 = performance.now();
    const cpu1 = cpuMs();
    // STORAGE_MEASURE_HOT: bytes kept as they are (hotBytes); 0 by default, every object packed.
    const hotBytes = Number(process.env["STORAGE_MEASURE_HOT"] ?? 0);
    const c = cacher(store, b.client, p, { hotBytes, attrs: (o) => ({ labels: o.metadata.labels ?? {}, fields: { "metadata.name": o.metadata.name ?? "" } }) });
    await c.ready();
    const ready = { wall: Math.round(performance.now() - t1), cpu: Math.round(cpuMs() - cpu1) };
    const held = liveBytes() - before;
    const stats = c.stats();
    assert.equal(stats.objects, N);

    // Events: updates in transactions of 100 while the cache follows (and 10 watchers that use
    // the item JSON); the time the cache spent on them, by its own count.
    // Each watcher frames the event as the HTTP handler does (item JSON behind a type header).
    const updates = Math.min(N, 4000);
    const [evHead, typeHead, tail] = [Buffer.from('{"type":"MODIFIED","object":'), Buffer.from('{"kind":"Pod","apiVersion":"v1",'), Buffer.from("}\n")];
    let framed = 0;
    const watchers = Array.from({ length: 10 }, () => {
      const w = c.watch(p, { resourceVersion: String(c.resourceVersion), recursive: true });
      w.onEvent((ev) => void (framed += Buffer.concat([evHead, typeHead, ev.encoded!.subarray(1), tail]).length));
      return w;
    });
    const s0 = c.stats();
    const updated = (i: number): KObject => ({ ...benchPod(i), status: { phase: "Running", qosClass: "Burstable" } });
    const writes = Array.from({ length: updates / 100 }, (_, k) => create(TxnRequestSchema, { success: Array.from({ length: 100 }, (_, j) => put(k * 100 + j, updated(k * 100 + j))) }));
    const cpuW = cpuMs();
    for (const w of writes) await b.client.txn(w);
    const target = await store.currentRevision(); // the last write was to the cache's prefix
    while (c.resourceVersion < target || framed === 0) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 20));
    const phaseUs = +(((cpuMs() - cpuW) * 1000) / updates).toFixed(1);
    const s1 = c.stats();
    assert.equal(s1.events - s0.events, updates);
    const eventUs = +(((s1.eventMs - s0.eventMs) * 1000) / updates).toFixed(1);
    for (const w of watchers) w.stop();
    assert.equal(c.stats().decoded, 0); // nobody asked for an object

    await c.getList(p, { resourceVersion: "0" }); // warm-up
    const reps = N > 20_000 ? 3 : 10;
    const listEncoded = await timeIt(reps, async () => assert.equal((await c.getListEncoded(p, { resourceVersion: "0" })).items.length, N));
    const listEncodedJoined = await timeIt(reps, async () => Buffer.concat((await c.getListEncoded(p, { resourceVersion: "0" })).items));
    const listEncodedConsistent = await timeIt(reps, async () => assert.equal((await c.getListEncoded(p)).items.length, N));
    const listObjects = await timeIt(reps, async () => assert.equal((await c.getList(p, { resourceVersion: "0" })).items.length, N));
    const listStringified = await timeIt(reps, async () => Buffer.from(JSON.stringify((await c.getList(p, { resourceVersion: "0" })).items)));
    const page = await timeIt(10, async () => assert.equal((await c.getListEncoded(p, { limit: 500 })).remainingItemCount, N - 500));
    const selector = { matches: (o: KObject) => o.metadata.labels?.["app"] === "a3", matchesAttrs: (a: { labels: Readonly<Record<string, string>> }) => a.labels["app"] === "a3" };
    await c.getListEncoded(p, { resourceVersion: "0", predicate: selector }); // attributes computed once
    const listSel = await timeIt(reps, () => c.getListEncoded(p, { resourceVersion: "0", predicate: selector }));
    const gets = 10_000;
    let i = 0;
    const getEnc = await timeIt(gets, () => c.getEncoded(keyOf(i++ % N), { resourceVersion: "0" }));
    i = 0;
    const get = await timeIt(gets, () => c.get(keyOf(i++ % 100), { resourceVersion: "0" })); // recently used: no decode
    await c.close();

    const us = (x: { wall: number; cpu: number }) => ({ wall: +(x.wall * 1000).toFixed(1), cpu: +(x.cpu * 1000).toFixed(1) });
    const fig = {
      objects: N,
      itemBytesAvg: Math.round(stats.itemBytes / N),
      packedBytesAvg: Math.round(stats.heldBytes / N),
      createsPerSec: Math.round((CREATES / createMs) * 1000),
      createCpuUs: +((createCpu * 1000) / CREATES).toFixed(1),
      ingestUsPerObject: +((ingest.wall * 1000) / values.length).toFixed(2),
      eventUs,
      eventPhaseCpuUs: phaseUs,
      cacheInitialList: ready,
      heldBytesPerObject: Math.round(held / N),
      listEncodedRV0: listEncoded,
      listEncodedJoined,
      listEncodedConsistent,
      listObjectsRV0: listObjects,
      listObjectsStringified: listStringified,
      listLimit500: page,
      listEncodedSelector: listSel,
      getEncodedRV0Us: us(getEnc),
      getRV0HotUs: us(get),
    };
    const row = (what: string, x: { wall: number; cpu: number }, unit = "ms") => `${what.padEnd(52)} ${String(x.wall).padStart(8)} ${unit} wall  ${String(x.cpu).padStart(8)} ${unit} CPU`;
    const lines = [
      JSON.stringify(fig),
      `create (etcd3 store, in-process, 64 in flight)   ${fig.createsPerSec} objects/s, ${fig.createCpuUs} µs CPU each (store included)`,
      `ingest: stored bytes -> item JSON, packed         ${fig.ingestUsPerObject} µs wall per object (${fig.itemBytesAvg} bytes, ${fig.packedBytesAvg} packed; median)`,
      `cache: an update event, 10 watchers (cache's count) ${fig.eventUs} µs wall`,
      `   ... process CPU per update (store write, cache, 10 watchers framing it) ${fig.eventPhaseCpuUs} µs`,
      `cache: memory held                                ${fig.heldBytesPerObject} bytes per object (JS heap + ArrayBuffers)`,
      row(`cache: initial list of ${N}`, ready),
      row(`cache: list ${N} encoded, resourceVersion=0`, listEncoded),
      row(`cache: ... joined into one Buffer`, listEncodedJoined),
      row(`cache: list ${N} encoded, consistent`, listEncodedConsistent),
      row(`cache: list ${N} objects (decoded), rv=0`, listObjects),
      row(`cache: ... + JSON.stringify + Buffer.from`, listStringified),
      row(`cache: first page of 500 encoded, consistent`, page),
      row(`cache: list ${N} encoded with a label selector`, listSel),
      row(`cache: getEncoded, resourceVersion=0`, fig.getEncodedRV0Us, "µs"),
      row(`cache: get, resourceVersion=0, recently used`, fig.getRV0HotUs, "µs"),
    ];
    for (const l of lines) t.diagnostic(l);
    if (process.env["STORAGE_MEASURE_PRINT"]) console.log(lines.join("\n"));
  } finally {
    await b.stop();
  }
});
