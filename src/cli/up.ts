import "reflect-metadata";
import { startControlLoop, type RunningControlLoop } from "./loop.js";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ensurePki, writeKubeconfig } from "../apiserver/pki/index.js";
import { startApiServer, type RunningApiServer, type User } from "../apiserver/server.js";
import { firstServiceIP } from "../apiserver/registry/alloc/serviceip.js";
import { startStore, storeDefaults, type RunningStore } from "../store/index.js";
import type { EtcdClient } from "../store/client/types.js";
import { grpcClient } from "../store/client/grpc.js";
import { log } from "../util/log.js";

/** The per-user default data directory ($XDG_DATA_HOME/kplane or ~/.local/share/kplane). */
export function defaultDataDir(): string {
  const xdg = process.env.XDG_DATA_HOME;
  return join(xdg && xdg.startsWith("/") ? xdg : join(homedir(), ".local", "share"), "kplane");
}

export interface UpOptions {
  dataDir: string;
  bindAddress: string;
  securePort: number;
  serviceClusterIPRange: string;
  /** Also serve the embedded store's etcd API on these URLs (none by default). */
  etcdListenClientUrls: string[];
  /** Run the controller manager, the scheduler and `nodes` simulated nodes in this process. */
  controlLoop?: boolean;
  nodes?: number;
  /** kube-controller-manager's --node-monitor-period / --node-monitor-grace-period, in ms. */
  nodeMonitorPeriodMs?: number;
  nodeMonitorGracePeriodMs?: number;
}

export interface RunningUp {
  /** The controllers, scheduler and simulated nodes (absent with controlLoop: false). */
  loop?: RunningControlLoop;
  store: RunningStore;
  apiserver: RunningApiServer;
  kubeconfig: string;
  stop(): Promise<void>;
}

/** `kplane up`: the store in-process, the API server over it, PKI and kubeconfig in the data dir. */
export async function up(o: UpOptions): Promise<RunningUp> {
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const started = performance.now();
  const serviceIp = firstServiceIP(o.serviceClusterIPRange);
  const hosts = o.bindAddress === "0.0.0.0" || o.bindAddress === "::" ? [] : [o.bindAddress];
  const [pki, store] = await Promise.all([
    ensurePki(join(dataDir, "pki"), { hosts, serviceIp }),
    startStore({
      ...storeDefaults,
      name: "kplane",
      dataDir: join(dataDir, "store"),
      listenClientUrls: o.etcdListenClientUrls,
      advertiseClientUrls: o.etcdListenClientUrls.length ? o.etcdListenClientUrls : ["http://127.0.0.1:2379"],
      initialCluster: "kplane=http://localhost:2380",
      // kube-apiserver compacts etcd itself every 5 minutes; the store keeps no extra policy.
      autoCompactionRetention: "0",
      walSegmentBytes: 16 * 1024 * 1024,
      // etcd 3.6's default: raft keeps every entry since the last snapshot in memory, and an
      // API server writes large values (100k entries of pods are over a GiB).
      snapshotCount: 10_000,
    }),
  ]);
  const apiserver = await startApiServer({
    etcd: store.client(),
    host: o.bindAddress,
    port: o.securePort,
    tls: { cert: pki.apiserver.cert.pem, key: pki.apiserver.key.pem, clientCA: pki.ca.cert.pem },
    serviceAccountKeys: { privatePem: pki.sa.key.pem, publicPems: [pki.sa.pub.pem] },
    serviceClusterIPRange: o.serviceClusterIPRange,
    advertiseAddress: o.bindAddress === "0.0.0.0" ? "127.0.0.1" : o.bindAddress,
    log: (m) => log.warn(m, {}),
  }).catch(async (e: unknown) => {
    await store.stop();
    throw e;
  });
  const host = o.bindAddress === "0.0.0.0" ? "127.0.0.1" : o.bindAddress === "::" ? "[::1]" : o.bindAddress.includes(":") ? `[${o.bindAddress}]` : o.bindAddress;
  const kubeconfig = join(dataDir, "kubeconfig");
  writeKubeconfig(kubeconfig, { server: `https://${host}:${apiserver.port}`, caPem: pki.ca.cert.pem, clientCertPem: pki.admin.cert.pem, clientKeyPem: pki.admin.key.pem });
  const loop = o.controlLoop === false ? undefined : startControlLoop({
    config: { server: `https://${host}:${apiserver.port}`, ca: pki.ca.cert.pem, cert: pki.admin.cert.pem, key: pki.admin.key.pem },
    controllers: ["*"],
    scheduler: true,
    nodes: o.nodes ?? 3,
    // One copy runs in this process: no election to wait for.
    leaderElect: false,
    controllerOptions: {
      nodeLifecycle: {
        ...(o.nodeMonitorPeriodMs !== undefined ? { nodeMonitorPeriodMs: o.nodeMonitorPeriodMs } : {}),
        ...(o.nodeMonitorGracePeriodMs !== undefined ? { nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs } : {}),
      },
    },
  });
  log.info("kplane is up", { ms: Math.round(performance.now() - started), apiserver: apiserver.url, dataDir, nodes: loop?.nodeNames.length ?? 0 });
  return {
    store,
    apiserver,
    kubeconfig,
    ...(loop ? { loop } : {}),
    async stop() {
      await loop?.stop();
      await apiserver.close();
      await store.stop();
    },
  };
}

export interface ApiserverCliOptions {
  etcdServers: string[];
  bindAddress: string;
  securePort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCAFile?: string;
  tokenAuthFile?: string;
  serviceClusterIPRange: string;
  /** Serve plain HTTP (no TLS) — for local tools and tests only. */
  insecure: boolean;
  dataDir: string;
}

export function etcdClientFor(servers: string[]): EtcdClient {
  const first = servers[0];
  if (!first) throw new Error("--etcd-servers must name at least one endpoint");
  // One endpoint for now; the client balances nothing yet (see src/store/client/README.md).
  return grpcClient(first);
}

export function parseTokenFile(text: string): Map<string, User> {
  // kube's CSV: token,user,uid,"group1,group2"
  const out = new Map<string, User>();
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const fields: string[] = [];
    let cur = "";
    let quoted = false;
    for (const ch of t) {
      if (ch === '"') quoted = !quoted;
      else if (ch === "," && !quoted) {
        fields.push(cur);
        cur = "";
      } else cur += ch;
    }
    fields.push(cur);
    const [token, user, uid, groups] = fields;
    if (!token || !user) continue;
    out.set(token, { name: user, ...(uid ? { uid } : {}), groups: groups ? groups.split(",").map((g) => g.trim()).filter(Boolean) : [] });
  }
  return out;
}
