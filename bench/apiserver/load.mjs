// One workload against the API server, run as its own process so that its CPU is measured apart
// from the server's and the orchestrator's: `node load.mjs '<json>'` prints one JSON result line.
// All request bytes are built before the clock starts; connections are opened (TLS handshakes
// done) before it too.
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Conn, openWatch, rawRequest, summarize } from "./client.mjs";
import { podJSON, podName } from "./pod.mjs";
import { cpuSeconds, schedSeconds } from "./proc.mjs";

const spec = JSON.parse(process.argv[2]);
const t = spec.target;
const target = { host: t.host, port: t.port, ca: readFileSync(t.caFile), cert: readFileSync(t.certFile), key: readFileSync(t.keyFile) };
const hostHeader = `${t.host}:${t.port}`;

const openConns = (n) => Promise.all(Array.from({ length: n }, () => Conn.open(target)));

/** Measures the window of `fn`: wall time, this process's CPU and the server's. */
async function measured(fn) {
  const server0 = cpuSeconds(spec.serverPid).self;
  const sched0 = schedSeconds(spec.serverPid).wait;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { ...out, wallS: wall, clientCpuS: (cpu.user + cpu.system) / 1e6, serverCpuS: cpuSeconds(spec.serverPid).self - server0,
    serverWaitS: schedSeconds(spec.serverPid).wait - sched0 };
}

/** Sends every request in `reqs` over `conns` connections, each with one in flight. */
async function closedLoopAll(conns, reqs, okStatus) {
  const lat = [];
  let next = 0;
  let errors = 0;
  let firstError;
  await Promise.all(conns.map(async (c) => {
    while (next < reqs.length) {
      const r = reqs[next++];
      const t0 = performance.now();
      const res = await c.send(r);
      lat.push(performance.now() - t0);
      if (res.status !== okStatus) {
        errors++;
        firstError ??= res.status;
      }
    }
  }));
  return { lat, errors, firstError };
}

/** Requests from `reqs` in rotation for `durationS` seconds. */
async function closedLoopFor(conns, reqs, durationS, okStatus) {
  const lat = [];
  let next = 0;
  let errors = 0;
  let firstError;
  const deadline = performance.now() + durationS * 1000;
  await Promise.all(conns.map(async (c) => {
    while (performance.now() < deadline) {
      const r = reqs[next++ % reqs.length];
      const t0 = performance.now();
      const res = await c.send(r);
      lat.push(performance.now() - t0);
      if (res.status !== okStatus) {
        errors++;
        firstError ??= res.status;
      }
    }
  }));
  return { lat, errors, firstError };
}

const podsPath = (ns) => `/api/v1/namespaces/${ns}/pods`;

/** The items of a protobuf list (`k8s\0` + runtime.Unknown{..., raw: XList{metadata = 1, items = 2}}), counted. */
function protobufListItems(b) {
  let p = 0;
  const varint = () => {
    let v = 0;
    for (let mul = 1; ; mul *= 128) {
      const c = b[p++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
    }
  };
  /** The length-delimited fields in [from, to): [number, start, end]. */
  const fields = (from, to) => {
    const out = [];
    for (p = from; p < to; ) {
      const tag = varint();
      const n = varint();
      out.push([tag >>> 3, p, p + n]);
      p += n;
    }
    return out;
  };
  if (b.toString("latin1", 0, 4) !== "k8s\0") throw new Error("not a protobuf response");
  const raw = fields(4, b.length).find(([n]) => n === 2);
  return fields(raw[1], raw[2]).filter(([n]) => n === 2).length;
}

/** Runs each sequence of [request, expected status] in order, sequences spread over the connections. */
async function sequences(seqs) {
  const conns = await openConns(spec.conns);
  const r = await measured(async () => {
    const lat = [];
    let next = 0;
    let errors = 0;
    let firstError;
    await Promise.all(conns.map(async (c) => {
      while (next < seqs.length) {
        for (const [req, ok] of seqs[next++]) {
          const t0 = performance.now();
          const res = await c.send(req);
          lat.push(performance.now() - t0);
          if (res.status !== ok) {
            errors++;
            firstError ??= res.status;
          }
        }
      }
    }));
    return { lat, errors, firstError };
  });
  conns.forEach((c) => c.close());
  return { requests: r.lat.length, errors: r.errors, firstError: r.firstError, wallS: r.wallS, clientCpuS: r.clientCpuS, serverCpuS: r.serverCpuS, serverWaitS: r.serverWaitS, latency: summarize(r.lat) };
}

const workloads = {
  /** Creates each of `spec.objects` ({ path, body }) unless it exists. */
  async ensure() {
    const [c] = await openConns(1);
    const statuses = [];
    for (const o of spec.objects) statuses.push((await c.send(rawRequest("POST", o.path, hostHeader, JSON.stringify(o.body)))).status);
    c.close();
    return { ok: statuses.every((s) => s === 201 || s === 409), statuses };
  },

  async create() {
    const reqs = [];
    for (let i = spec.from; i < spec.to; i++) reqs.push(rawRequest("POST", podsPath(spec.ns), hostHeader, podJSON(spec.ns, podName(spec.prefix, i), i)));
    const conns = await openConns(spec.conns);
    const r = await measured(() => closedLoopAll(conns, reqs, 201));
    conns.forEach((c) => c.close());
    return { requests: reqs.length, errors: r.errors, firstError: r.firstError, wallS: r.wallS, clientCpuS: r.clientCpuS, serverCpuS: r.serverCpuS, serverWaitS: r.serverWaitS, latency: summarize(r.lat) };
  },

  /**
   * What the scheduler and a kubelet write for each pod: a pods/binding, then a strategic-merge
   * patch of pods/status to Running with the Ready conditions (`requests` counts both).
   */
  async lifecycle() {
    const reqs = [];
    for (let i = spec.from; i < spec.to; i++) {
      const name = podName(spec.prefix, i);
      const binding = { apiVersion: "v1", kind: "Binding", metadata: { name, namespace: spec.ns }, target: { apiVersion: "v1", kind: "Node", name: `node-${1 + (i % 100)}` } };
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const cond = (type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: now });
      const status = { status: { phase: "Running", podIP: `10.244.0.${1 + (i % 250)}`, podIPs: [{ ip: `10.244.0.${1 + (i % 250)}` }], hostIP: "10.0.0.1", startTime: now,
        conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(cond),
        containerStatuses: [{ name: "app", ready: true, started: true, restartCount: 0, image: "registry.example.com/team/bench-app:1.4.2", imageID: "", containerID: `containerd://${i}`, state: { running: { startedAt: now } } }] } };
      reqs.push([[rawRequest("POST", `${podsPath(spec.ns)}/${name}/binding`, hostHeader, JSON.stringify(binding)), 201],
        [rawRequest("PATCH", `${podsPath(spec.ns)}/${name}/status`, hostHeader, JSON.stringify(status), "application/strategic-merge-patch+json"), 200]]);
    }
    return sequences(reqs);
  },

  /**
   * What deleting a bound pod costs: a graceful DELETE (sets deletionTimestamp), the kubelet's
   * status patch (containers terminated), then its final DELETE with grace period 0.
   */
  async teardown() {
    const reqs = [];
    for (let i = spec.from; i < spec.to; i++) {
      const name = podName(spec.prefix, i);
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const status = { status: { phase: "Running", conditions: [{ type: "Ready", status: "False", lastProbeTime: null, lastTransitionTime: now }],
        containerStatuses: [{ name: "app", ready: false, started: false, restartCount: 0, image: "registry.example.com/team/bench-app:1.4.2", imageID: "", containerID: `containerd://${i}`,
          state: { terminated: { exitCode: 143, reason: "Error", startedAt: now, finishedAt: now } } }] } };
      const final = { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0 };
      reqs.push([[rawRequest("DELETE", `${podsPath(spec.ns)}/${name}`, hostHeader), 200],
        [rawRequest("PATCH", `${podsPath(spec.ns)}/${name}/status`, hostHeader, JSON.stringify(status), "application/strategic-merge-patch+json"), 200],
        [rawRequest("DELETE", `${podsPath(spec.ns)}/${name}`, hostHeader, JSON.stringify(final)), 200]]);
    }
    return sequences(reqs);
  },

  /**
   * Lease renewals as simulated nodes send them: `spec.count` Leases in kube-node-lease created
   * first, then PUTs with a new renewTime, `spec.conns` at a time, for `spec.durationS` seconds.
   */
  async leases() {
    const ns = "kube-node-lease";
    const path = (i) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/node-${i}`;
    const [c0] = await openConns(1);
    const rvs = [];
    for (let i = 0; i < spec.count; i++) {
      const body = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: `node-${i}`, namespace: ns }, spec: { holderIdentity: `node-${i}`, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace("Z", "000Z") } };
      const res = await c0.send(rawRequest("POST", `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, hostHeader, JSON.stringify(body)), true);
      rvs.push(JSON.parse(res.body.toString("utf8")).metadata.resourceVersion);
    }
    c0.close();
    const conns = await openConns(spec.conns);
    const lat = [];
    let i = 0;
    let errors = 0;
    const r = await measured(async () => {
      const deadline = performance.now() + spec.durationS * 1000;
      await Promise.all(conns.map(async (c) => {
        while (performance.now() < deadline) {
          const k = i++ % spec.count;
          const body = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: `node-${k}`, namespace: ns, resourceVersion: rvs[k] }, spec: { holderIdentity: `node-${k}`, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace("Z", "000Z") } };
          const t0 = performance.now();
          const res = await c.send(rawRequest("PUT", path(k), hostHeader, JSON.stringify(body)), true);
          lat.push(performance.now() - t0);
          if (res.status !== 200) errors++;
          else rvs[k] = /"resourceVersion":"(\d+)"/.exec(res.body.toString("utf8"))[1];
        }
      }));
      return {};
    });
    conns.forEach((c) => c.close());
    return { requests: lat.length, errors, wallS: r.wallS, clientCpuS: r.clientCpuS, serverCpuS: r.serverCpuS, serverWaitS: r.serverWaitS, latency: summarize(lat) };
  },

  async get() {
    const q = spec.query ? `?${spec.query}` : "";
    const reqs = [];
    for (let i = 0; i < spec.count; i++) reqs.push(rawRequest("GET", `${podsPath(spec.ns)}/${podName(spec.prefix, i)}${q}`, hostHeader));
    const conns = await openConns(spec.conns);
    // Warm up the connections and the server's code paths before the clock starts.
    await closedLoopFor(conns, reqs, 0.3, 200);
    const r = await measured(() => closedLoopFor(conns, reqs, spec.durationS, 200));
    conns.forEach((c) => c.close());
    return { requests: r.lat.length, errors: r.errors, firstError: r.firstError, wallS: r.wallS, clientCpuS: r.clientCpuS, serverCpuS: r.serverCpuS, serverWaitS: r.serverWaitS, latency: summarize(r.lat) };
  },

  /**
   * Lists of all pods of a namespace, one at a time. `spec.accept`: the Accept header (client-go
   * asks for built-in kinds with `application/vnd.kubernetes.protobuf, *\/*`).
   */
  async list() {
    const q = spec.query ? `?${spec.query}` : "";
    const req = rawRequest("GET", `${podsPath(spec.ns)}${q}`, hostHeader, undefined, undefined, spec.accept);
    const [c] = await openConns(1);
    // The first list checks the answer (outside the clock): the expected number of items. (For
    // protobuf it is also the one that encodes the items, which the server then keeps.)
    const first = await c.send(req, true);
    const items = first.status !== 200 ? -1 : first.body[0] === 0x6b ? protobufListItems(first.body) : JSON.parse(first.body.toString("utf8")).items.length;
    if (items !== spec.expect) throw new Error(`list returned ${items} items (HTTP ${first.status}), expected ${spec.expect}`);
    const r = await measured(async () => {
      const lat = [];
      for (let i = 0; i < spec.reps; i++) {
        const t0 = performance.now();
        const res = await c.send(req);
        lat.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`list: HTTP ${res.status}`);
      }
      return { lat };
    });
    c.close();
    return { requests: spec.reps, items, bytes: first.bytes, wallS: r.wallS, clientCpuS: r.clientCpuS, serverCpuS: r.serverCpuS, serverWaitS: r.serverWaitS, latency: summarize(r.lat) };
  },

  /**
   * N watchers on the pods of a namespace; pods created at a fixed rate (open loop) from a pool of
   * connections; latency = event received at a watcher - create request written.
   */
  async watch() {
    const conns = await openConns(spec.conns);
    // Start the watches at the namespace's current resourceVersion, so no initial events.
    const rvRes = await conns[0].send(rawRequest("GET", `${podsPath(spec.ns)}?limit=1`, hostHeader), true);
    const rv = JSON.parse(rvRes.body.toString("utf8")).metadata.resourceVersion;
    const sentAt = new Map();
    const lat = [];
    let received = 0;
    let unknown = 0;
    const total = spec.count * spec.watchers;
    let allIn;
    const allReceived = new Promise((r) => (allIn = r));
    const marker = Buffer.from(`"name":"${spec.prefix}-`);
    const onLine = (line) => {
      const now = performance.now();
      const at = line.indexOf(marker);
      if (at < 0) return; // bookmarks and other pods
      const start = at + 8;
      const name = line.toString("latin1", start, line.indexOf(34, start));
      const t0 = sentAt.get(name);
      if (t0 === undefined) unknown++;
      else lat.push(now - t0);
      if (++received === total) allIn();
    };
    const path = `${podsPath(spec.ns)}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=600`;
    const watches = [];
    for (let i = 0; i < spec.watchers; i++) watches.push(openWatch(target, path, onLine));
    await Promise.all(watches.map((w) => w.opened));

    const reqs = [];
    const names = [];
    for (let i = 0; i < spec.count; i++) {
      const name = podName(spec.prefix, i);
      names.push(name);
      reqs.push(rawRequest("POST", podsPath(spec.ns), hostHeader, podJSON(spec.ns, name, i)));
    }
    // The load process's own event-loop delay over the window: a stall here delays every
    // event it reads and every create it times, whatever the server did.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const r = await measured(async () => {
      const createLat = [];
      const idle = [...conns];
      const queue = [];
      let createErrors = 0;
      let sent = 0;
      const fire = (c, i) => {
        const t0 = performance.now();
        sentAt.set(names[i], t0);
        c.send(reqs[i]).then((res) => {
          createLat.push(performance.now() - t0);
          if (res.status !== 201) createErrors++;
          const q = queue.shift();
          if (q !== undefined) fire(c, q);
          else idle.push(c);
        });
      };
      // Open loop: request i is due at start + i / rate, whether or not earlier ones are done.
      const start = performance.now();
      await new Promise((done) => {
        const tick = () => {
          const due = Math.min(spec.count, Math.floor(((performance.now() - start) / 1000) * spec.rate) + 1);
          while (sent < due) {
            const c = idle.pop();
            if (c) fire(c, sent);
            else queue.push(sent);
            sent++;
          }
          if (sent < spec.count) setTimeout(tick, 1);
          else done();
        };
        tick();
      });
      // A watcher the server ends (too slow to keep up) would never see its events: stop then.
      const timeout = new Promise((r) => setTimeout(() => r("timeout"), 30_000));
      const how = await Promise.race([allReceived.then(() => "ok"), timeout, ...watches.map((w) => w.ended.then(() => "watch ended"))]);
      return { createLat, createErrors, outcome: how };
    });
    loopDelay.disable();
    watches.forEach((w) => w.close());
    conns.forEach((c) => c.close());
    return {
      clientLoopDelayMs: { p99: Math.round(loopDelay.percentile(99) / 1e4) / 100, max: Math.round(loopDelay.max / 1e4) / 100 },
      watchers: spec.watchers, creates: spec.count, rate: spec.rate, events: received, expected: total, unknown,
      createErrors: r.createErrors, outcome: r.outcome, wallS: r.wallS, clientCpuS: r.clientCpuS, serverCpuS: r.serverCpuS, serverWaitS: r.serverWaitS,
      latency: summarize(lat), createLatency: summarize(r.createLat),
    };
  },
};

const result = await workloads[spec.kind]();
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
