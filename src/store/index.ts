import { join } from "node:path";
import { serveClientApi } from "./api/server.js";
import type { ClientPort } from "./api/grpc/index.js";
import { Member, storeVersion, type MemberConfig } from "./server/member.js";
import { StoreMetrics } from "./server/metrics.js";
import { inProcessClient } from "./client/inprocess.js";
import type { EtcdClient } from "./client/types.js";

export interface StoreConfig {
  name: string;
  dataDir: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialCluster: string;
  initialClusterToken: string;
  initialClusterState: "new" | "existing";
  snapshotCount: number;
  quotaBackendBytes: number;
  maxTxnOps: number;
  maxRequestBytes: number;
  heartbeatMs: number;
  electionMs: number;
  autoCompactionMode: "periodic" | "revision";
  autoCompactionRetention: string;
  progressNotifyIntervalMs: number;
  walSegmentBytes?: number;
}

/** etcd's defaults (3.5), for flags a caller leaves out. */
export const storeDefaults: StoreConfig = {
  name: "default",
  dataDir: "default.etcd",
  listenClientUrls: ["http://localhost:2379"],
  advertiseClientUrls: ["http://localhost:2379"],
  listenPeerUrls: ["http://localhost:2380"],
  initialAdvertisePeerUrls: ["http://localhost:2380"],
  initialCluster: "default=http://localhost:2380",
  initialClusterToken: "etcd-cluster",
  initialClusterState: "new",
  snapshotCount: 100_000,
  quotaBackendBytes: 0,
  maxTxnOps: 128,
  maxRequestBytes: 1.5 * 1024 * 1024,
  heartbeatMs: 100,
  electionMs: 1000,
  autoCompactionMode: "periodic",
  autoCompactionRetention: "0",
  progressNotifyIntervalMs: 10 * 60_000,
};

/** etcd's default backend quota when the flag is 0. */
const defaultQuota = 2 * 1024 ** 3;

export interface RunningStore {
  member: Member;
  ports: ClientPort[];
  /** A client for this member without sockets (what `kplane up` gives its API server). */
  client(): EtcdClient;
  stop(): Promise<void>;
}

/** Starts one store member and serves its client API. */
export async function startStore(cfg: StoreConfig): Promise<RunningStore> {
  const peers = parseInitialCluster(cfg.initialCluster);
  const others = [...peers.keys()].filter((n) => n !== cfg.name);
  if (others.length > 0) throw new Error(`kplane store: --initial-cluster names other members (${others.join(", ")}); this build runs a one-member store`);
  let member: Member | undefined;
  const metrics = new StoreMetrics(storeVersion, {
    dbSize: () => member?.backend.size() ?? 0,
    dbSizeInUse: () => member?.backend.sizeInUse() ?? 0,
    keys: () => member?.kv.index.size ?? 0,
    watchers: () => member?.watchable.watcherCount ?? 0,
    isLeader: () => member?.isLeader() ?? false,
  });
  const mcfg: MemberConfig = {
    name: cfg.name,
    dataDir: cfg.dataDir,
    advertiseClientUrls: cfg.advertiseClientUrls,
    initialAdvertisePeerUrls: cfg.initialAdvertisePeerUrls,
    initialClusterToken: cfg.initialClusterToken,
    snapshotCount: cfg.snapshotCount,
    snapshotCatchUpEntries: 5000,
    quotaBackendBytes: cfg.quotaBackendBytes > 0 ? cfg.quotaBackendBytes : cfg.quotaBackendBytes < 0 ? 0 : defaultQuota,
    maxTxnOps: cfg.maxTxnOps,
    maxRequestBytes: cfg.maxRequestBytes,
    heartbeatMs: cfg.heartbeatMs,
    electionMs: cfg.electionMs,
    autoCompactionMode: cfg.autoCompactionMode,
    autoCompactionRetention: cfg.autoCompactionRetention,
    walSegmentBytes: cfg.walSegmentBytes,
    metrics,
  };
  member = await Member.start(mcfg);
  const m = member;
  let ports: ClientPort[];
  try {
    ports = await serveClientApi(m, {
      listenClientUrls: cfg.listenClientUrls,
      advertiseClientUrls: cfg.advertiseClientUrls,
      peerUrls: cfg.initialAdvertisePeerUrls,
      maxTxnOps: cfg.maxTxnOps,
      maxRequestBytes: cfg.maxRequestBytes,
      progressNotifyIntervalMs: cfg.progressNotifyIntervalMs,
      scratchDir: join(cfg.dataDir, "member"),
      metrics,
    });
  } catch (e) {
    await m.stop();
    throw e;
  }
  return {
    member: m,
    ports,
    client: () => inProcessClient(m, {
      maxTxnOps: cfg.maxTxnOps,
      clientUrls: cfg.advertiseClientUrls,
      peerUrls: cfg.initialAdvertisePeerUrls,
      maxRequestBytes: cfg.maxRequestBytes,
      progressNotifyIntervalMs: cfg.progressNotifyIntervalMs,
    }),
    async stop() {
      await Promise.all(ports.map((p) => p.close()));
      await m.stop();
    },
  };
}

/** "a=http://x:2380,b=http://y:2380" -> name -> peer URLs. */
export function parseInitialCluster(s: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of s.split(",").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Error(`invalid --initial-cluster entry ${JSON.stringify(part)}`);
    const name = part.slice(0, eq);
    out.set(name, [...(out.get(name) ?? []), part.slice(eq + 1)]);
  }
  return out;
}
