#!/usr/bin/env node
// The API server's CPU per request, for each kind of request the control loop sends a pod
// through (bench:cluster's phases, one at a time): what the ReplicaSet controller, the scheduler,
// a node and the garbage collector each cost the server, with and without watchers on pods.
//
//   node bench/cluster/ops.mjs [--count 1000] [--watchers 0,4] [--cpu-prof] [--no-build] [--metadata] [--patch-status]
//
// Per watcher count, a fresh `kplane up --no-control-loop`; `--watchers 4` opens four pod
// watches (as the controller manager, the scheduler, the nodes and bench:cluster hold), which
// read and drop what they get. Requests go one at a time over one keep-alive connection, in the
// loop's order: create (as the ReplicaSet controller: generateName, controller ownerReference),
// binding, status Running (PUT, as the simulated node), lease renewal (PUT), GET (as the garbage
// collector before it deletes), graceful DELETE, status killed (PUT), final DELETE (grace 0, UID
// precondition). The first 200 pods warm the server up and are not counted.
// With --cpu-prof the server runs under --cpu-prof and its profile's summary is printed.
// --metadata: the answers to the GET, the status writes and the DELETEs asked for as
// PartialObjectMetadata (as the collector's metadata client, and callers that read no more).
// --patch-status: the node's status writes as strategic merge patches of what changed (the
// kubelet's and kwok's way) instead of PUTs of the whole pod. --bound-watch: the last pod watcher
// watches bound pods only (fieldSelector spec.nodeName!=, as `kplane node` does).
// --strip-managed-fields: the status PUTs carry no managedFields (as objects from informers
// that drop them, as kplane's loop processes' do).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openWatch } from "../apiserver/client.mjs";
import { cpuSeconds } from "../apiserver/proc.mjs";
import { inclusive, summarizeProfile } from "../apiserver/profile.mjs";
import { startUp } from "../apiserver/server.mjs";
import { apiClient } from "./procs.mjs";
import { cliArgs } from "../args.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { args, opt } = cliArgs(import.meta.url);
const count = Number(opt("count", "1000"));
const warm = 200;
const watcherCounts = opt("watchers", "0,4").split(",").map(Number);
const cpuProf = args.includes("--cpu-prof");
const metadataOnly = args.includes("--metadata");
const patchStatus = args.includes("--patch-status");
const boundWatch = args.includes("--bound-watch");
const stripManaged = args.includes("--strip-managed-fields");
const bodyOf = (p, status) => (stripManaged ? { ...p, metadata: { ...p.metadata, managedFields: undefined }, status } : { ...p, status });
const META = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
if (!args.includes("--no-build")) execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit", cwd: root });

const NS = "ops";
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "ops-rs", uid: "6d1f0c1e-0000-4000-8000-000000000001", controller: true, blockOwnerDeletion: true };
const podBody = () => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { generateName: "ops-rs-", namespace: NS, labels: { app: "ops", "pod-template-hash": "7d9c6b5f4d" }, ownerReferences: [owner] },
  spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
});
const cond = (type, status, t) => ({ type, status, lastProbeTime: null, lastTransitionTime: t, ...(status === "False" ? { reason: "PodFailed" } : {}) });
const running = (p, t) => ({
  ...p.status, phase: "Running", hostIP: "10.0.0.1", hostIPs: [{ ip: "10.0.0.1" }], podIP: "10.244.0.2", podIPs: [{ ip: "10.244.0.2" }], startTime: t,
  conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((c) => cond(c, "True", t)),
  containerStatuses: [{ containerID: "kplane://0f0f", image: "registry.k8s.io/pause:3.10", imageID: "registry.k8s.io/pause@sha256:0f0f", lastState: {}, name: "app", ready: true, restartCount: 0, started: true, state: { running: { startedAt: t } } }],
});
const killed = (p, t) => ({
  ...p.status, phase: "Failed",
  conditions: p.status.conditions.map((c) => (c.type === "Ready" || c.type === "ContainersReady" || c.type === "PodReadyToStartContainers" ? cond(c.type, "False", t) : c)),
  containerStatuses: p.status.containerStatuses.map((s) => ({ ...s, ready: false, started: false, state: { terminated: { containerID: s.containerID, exitCode: 137, reason: "Error", startedAt: t, finishedAt: t } } })),
});

async function run(watchers) {
  const profDir = cpuProf ? mkdtempSync(join(tmpdir(), "kplane-bench-ops-prof-")) : undefined;
  const server = await startUp(root, { ...(profDir ? { cpuProfDir: profDir } : {}) });
  const api = await apiClient(server.target);
  const streams = [];
  const rows = [];
  try {
    const must = async (what, p, ok = [200, 201]) => {
      const r = await p;
      if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return r.body;
    };
    await must("namespace", api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }));
    await must("serviceaccount", api.json("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } }));
    await must("node", api.json("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } }));
    const leases = [];
    for (let i = 0; i < 100; i++) leases.push(await must("lease", api.json("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: `node-${i}` }, spec: { holderIdentity: `node-${i}`, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace("Z", "000Z") } })));
    for (let i = 0; i < watchers; i++) {
      const selector = boundWatch && i === watchers - 1 ? "&fieldSelector=spec.nodeName%21%3D" : "";
      const w = openWatch(api.tls, `/api/v1/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=3600${selector}`, () => {});
      streams.push(w);
      await w.opened;
    }
    const pods = [];
    const step = async (name, fn) => {
      let c0;
      for (let i = 0; i < pods.length; i++) {
        if (i === warm) c0 = cpuSeconds(server.pid).self;
        pods[i] = (await fn(pods[i], i)) ?? pods[i];
      }
      const us = ((cpuSeconds(server.pid).self - c0) * 1e6) / (pods.length - warm);
      rows.push({ watchers, request: name, cpuUsPerRequest: Math.round(us) });
    };
    pods.length = warm + count;
    const podsPath = `/api/v1/namespaces/${NS}/pods`;
    await step("POST pods (ReplicaSet controller)", async () => {
      // A generated name that collides: kube 1.32 retries on the server (KEP-4420); kplane answers 409, so try again here.
      for (;;) {
        const r = await api.json("POST", podsPath, podBody());
        if (r.status === 409 && r.body?.reason === "AlreadyExists") continue;
        return must("create", Promise.resolve(r));
      }
    });
    await step("POST pods/binding (scheduler)", async (p) => {
      await must("bind", api.json("POST", `${podsPath}/${p.metadata.name}/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: p.metadata.name, namespace: NS, uid: p.metadata.uid }, target: { apiVersion: "v1", kind: "Node", name: "node-1" } }));
      return { ...p, spec: { ...p.spec, nodeName: "node-1" } };
    });
    // The scheduler's binding changed the pod: the node works from the object its informer shows.
    const accept = metadataOnly ? META : undefined;
    // With --metadata the answers are metadata only: the pods kept here take their metadata from them.
    const keep = (p, body) => (metadataOnly ? { ...p, metadata: body.metadata } : body);
    // A status write: PUT of the whole pod, or a strategic merge patch (nulls drop what went).
    const writeStatus = async (what, p, status, patch) => {
      const path = `${podsPath}/${p.metadata.name}/status`;
      const body = patchStatus
        ? await must(what, api.json("PATCH", path, { metadata: { uid: p.metadata.uid }, status: patch }, { contentType: "application/strategic-merge-patch+json", accept }))
        : await must(what, api.json("PUT", path, bodyOf(p, status), { accept }));
      return metadataOnly ? { ...p, metadata: body.metadata, status } : body;
    };
    await step(`GET pods (garbage collector)${metadataOnly ? " as metadata" : ""}`, async (p) => keep(p, await must("get", api.json("GET", `${podsPath}/${p.metadata.name}`, undefined, { accept }))));
    await step(`${patchStatus ? "PATCH" : "PUT"} pods/status Running (node)`, (p) => {
      const s = running(p, now());
      const { phase, hostIP, hostIPs, podIP, podIPs, startTime, conditions, containerStatuses } = s;
      return writeStatus("running", p, s, { phase, hostIP, hostIPs, podIP, podIPs, startTime, conditions, containerStatuses });
    });
    let l = 0;
    await step("PUT leases (node heartbeat)", async () => {
      const i = l++ % leases.length;
      leases[i] = await must("lease", api.json("PUT", `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${leases[i].metadata.name}`, { ...leases[i], spec: { ...leases[i].spec, renewTime: new Date().toISOString().replace("Z", "000Z") } }));
    });
    await step("DELETE pods graceful (garbage collector)", async (p) => keep(p, await must("delete", api.json("DELETE", `${podsPath}/${p.metadata.name}`, { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: p.metadata.uid }, propagationPolicy: "Background" }, { accept }))));
    await step(`${patchStatus ? "PATCH" : "PUT"} pods/status killed (node)`, (p) => {
      const s = killed(p, now());
      const t = s.containerStatuses[0].state.terminated;
      return writeStatus("killed", p, s, { phase: s.phase, conditions: s.conditions.filter((c) => c.status === "False"), containerStatuses: [{ name: "app", ready: false, started: false, state: { running: null, terminated: t } }] });
    });
    await step("DELETE pods grace 0 (node)", (p) => must("final delete", api.json("DELETE", `${podsPath}/${p.metadata.name}`, { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } }, { accept })));
  } finally {
    for (const w of streams) w.close();
    api.close();
    await server.stop();
  }
  let profile;
  if (profDir) {
    const f = readdirSync(profDir).find((x) => x.endsWith(".cpuprofile"));
    if (f) {
      const prof = JSON.parse(readFileSync(join(profDir, f), "utf8"));
      profile = `${join(profDir, f)}\n\n${summarizeProfile(prof, 30, profDir).text}\n${inclusive(prof, 50, profDir)}`;
    }
  }
  return { rows, profile };
}

const all = [];
for (const w of watcherCounts) {
  const { rows, profile } = await run(w);
  all.push(...rows);
  if (profile) process.stdout.write(`\n## server profile, ${w} pod watchers\n\n${profile}\n`);
}
const kinds = [...new Set(all.map((r) => r.request))];
let md = `\nAPI server CPU per request, µs (${count} requests each after ${warm} warm-up, one at a time; /proc/<pid>/stat):\n\n`;
md += `| request | ${watcherCounts.map((w) => `${w} pod watchers`).join(" | ")} |\n|---|${watcherCounts.map(() => "---|").join("")}\n`;
for (const k of kinds) md += `| ${k} | ${watcherCounts.map((w) => all.find((r) => r.request === k && r.watchers === w)?.cpuUsPerRequest ?? "").join(" | ")} |\n`;
process.stdout.write(md);
