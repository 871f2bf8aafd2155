import { Command, InvalidArgumentError } from "commander";
import { startStore, storeDefaults, type StoreConfig } from "../store/index.js";
import { parseRetention } from "../store/server/compactor.js";
import { log } from "../util/log.js";
import { defaultDataDir, etcdClientFor, parseTokenFile, up } from "./up.js";

const list = (v: string): string[] => v.split(",").map((s) => s.trim()).filter(Boolean);
const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`invalid value ${JSON.stringify(v)}: not an integer`);
  return n;
};
const positiveInt = (v: string): number => {
  const n = int(v);
  if (n <= 0) throw new InvalidArgumentError(`invalid value ${JSON.stringify(v)}: must be greater than 0`);
  return n;
};
/** Go-style durations ("10m", "1h", "500ms") in milliseconds. */
const duration = (v: string): number => {
  try {
    return parseRetention("periodic", v.replace(/^(\d+)$/, "$1s"));
  } catch {
    throw new InvalidArgumentError(`invalid duration ${JSON.stringify(v)}`);
  }
};

const program = new Command("kplane").description("A Kubernetes control plane: an etcd-compatible store, an API server and the loop around them.");

const d = storeDefaults;
program
  .command("store")
  .description("Run one member of kplane's etcd-compatible store (flags named and defaulted as etcd's).")
  .option("--name <name>", "human-readable name for this member", d.name)
  .option("--data-dir <dir>", "path to the data directory (default: ${name}.etcd)")
  .option("--listen-client-urls <urls>", "URLs to listen on for client traffic", list, d.listenClientUrls)
  .option("--advertise-client-urls <urls>", "client URLs of this member to advertise", list, d.advertiseClientUrls)
  .option("--listen-peer-urls <urls>", "URLs to listen on for peer traffic", list, d.listenPeerUrls)
  .option("--initial-advertise-peer-urls <urls>", "peer URLs of this member to advertise", list, d.initialAdvertisePeerUrls)
  .option("--initial-cluster <cluster>", "initial cluster configuration for bootstrapping", d.initialCluster)
  .option("--initial-cluster-token <token>", "initial cluster token", d.initialClusterToken)
  .option("--initial-cluster-state <state>", "new or existing", d.initialClusterState)
  .option("--snapshot-count <n>", "applied entries between snapshots of the raft log", int, d.snapshotCount)
  .option("--heartbeat-interval <ms>", "heartbeat interval in ms", int, d.heartbeatMs)
  .option("--election-timeout <ms>", "election timeout in ms", int, d.electionMs)
  .option("--quota-backend-bytes <n>", "raise an alarm when the backend exceeds this size (0 = 2 GiB)", int, d.quotaBackendBytes)
  .option("--max-request-bytes <n>", "largest client request accepted", int, d.maxRequestBytes)
  .option("--max-txn-ops <n>", "most operations in one txn", int, d.maxTxnOps)
  .option("--auto-compaction-mode <mode>", "periodic or revision", d.autoCompactionMode)
  .option("--auto-compaction-retention <r>", "history to keep: a duration or hours (periodic), revisions (revision); 0 = off", d.autoCompactionRetention)
  .option("--experimental-watch-progress-notify-interval <d>", "interval of progress notifications to watchers that asked", duration, d.progressNotifyIntervalMs)
  .option("--experimental-wal-segment-bytes <n>", "kplane: size of preallocated WAL segments (etcd: 64 MiB; tests use less)", int, 64 * 1024 * 1024)
  .option("--logger <logger>", "accepted for etcd compatibility (zap)")
  .option("--log-level <level>", "accepted for etcd compatibility", "info")
  .option("--log-outputs <outputs>", "accepted for etcd compatibility")
  .option("--enable-pprof", "accepted for etcd compatibility")
  .option("--strict-reconfig-check", "accepted for etcd compatibility")
  .action(async (o: Record<string, unknown>) => {
    const mode = o.autoCompactionMode;
    if (mode !== "periodic" && mode !== "revision") {
      log.error("invalid --auto-compaction-mode", { mode });
      process.exit(1);
    }
    const cfg: StoreConfig = {
      name: o.name as string,
      dataDir: (o.dataDir as string | undefined) ?? `${o.name as string}.etcd`,
      listenClientUrls: o.listenClientUrls as string[],
      advertiseClientUrls: o.advertiseClientUrls as string[],
      listenPeerUrls: o.listenPeerUrls as string[],
      initialAdvertisePeerUrls: o.initialAdvertisePeerUrls as string[],
      initialCluster: o.initialCluster as string,
      initialClusterToken: o.initialClusterToken as string,
      initialClusterState: o.initialClusterState === "existing" ? "existing" : "new",
      snapshotCount: o.snapshotCount as number,
      quotaBackendBytes: o.quotaBackendBytes as number,
      maxTxnOps: o.maxTxnOps as number,
      maxRequestBytes: o.maxRequestBytes as number,
      heartbeatMs: o.heartbeatInterval as number,
      electionMs: o.electionTimeout as number,
      autoCompactionMode: mode,
      autoCompactionRetention: o.autoCompactionRetention as string,
      progressNotifyIntervalMs: o.experimentalWatchProgressNotifyInterval as number,
      walSegmentBytes: o.experimentalWalSegmentBytes as number,
    };
    // etcd's default --initial-cluster names "default"; follow a custom --name and peer URL.
    if (o.initialCluster === d.initialCluster && (cfg.name !== d.name || cfg.initialAdvertisePeerUrls.join() !== d.initialAdvertisePeerUrls.join())) {
      cfg.initialCluster = cfg.initialAdvertisePeerUrls.map((u) => `${cfg.name}=${u}`).join(",");
    }
    const store = await startStore(cfg).catch((e: unknown) => {
      log.error("failed to start the store", { error: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    });
    store.member.onFatal((e) => {
      log.error("store stopped on a fatal error", { error: e instanceof Error ? e.stack ?? e.message : String(e) });
      process.exit(70);
    });
    log.info("ready to serve client requests", {
      name: cfg.name,
      "member-id": store.member.id.toString(16),
      "cluster-id": store.member.clusterId.toString(16),
      "client-urls": cfg.advertiseClientUrls,
      "data-dir": cfg.dataDir,
    });
    process.stdout.write(`kplane store is serving etcd's v3 API on ${cfg.listenClientUrls.join(", ")} (data in ${cfg.dataDir})\n` +
      `  try: ETCDCTL_API=3 etcdctl --endpoints=${cfg.advertiseClientUrls[0]} put hello world\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log.info("received a signal; stopping", {});
      store.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });

const onSignals = (stop: () => Promise<void>) => {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
};

program
  .command("up")
  .description("Run the store and the API server in one process (HTTPS on 127.0.0.1:6443), with PKI and a kubeconfig in the data dir.")
  .option("--data-dir <dir>", "where the store, PKI and kubeconfig live", defaultDataDir())
  .option("--bind-address <ip>", "address to serve the API on", "127.0.0.1")
  .option("--secure-port <n>", "port to serve HTTPS on (0 = any free port)", int, 6443)
  .option("--service-cluster-ip-range <cidr>", "CIDR for Service ClusterIPs", "10.96.0.0/12")
  .option("--etcd-listen-client-urls <urls>", "also serve the embedded store's etcd API here (default: not served)", list, [])
  .option("--nodes <n>", "simulated nodes to run (no containers run on them)", int, 3)
  .option("--no-control-loop", "serve the API only: no controllers, scheduler or simulated nodes")
  .option("--node-monitor-period <duration>", "how often the node lifecycle controller checks nodes (default 5s)", duration)
  .option("--node-monitor-grace-period <duration>", "how long a node may go without a heartbeat before it is marked unhealthy (default 50s)", duration)
  .action(async (o: Record<string, unknown>) => {
    const running = await up({
      controlLoop: o.controlLoop !== false,
      nodes: o.nodes as number,
      ...(o.nodeMonitorPeriod !== undefined ? { nodeMonitorPeriodMs: o.nodeMonitorPeriod as number } : {}),
      ...(o.nodeMonitorGracePeriod !== undefined ? { nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod as number } : {}),
      dataDir: o.dataDir as string,
      bindAddress: o.bindAddress as string,
      securePort: o.securePort as number,
      serviceClusterIPRange: o.serviceClusterIpRange as string,
      etcdListenClientUrls: o.etcdListenClientUrls as string[],
    }).catch((e: unknown) => {
      log.error("failed to start", { error: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    });
    running.store.member.onFatal((e) => {
      log.error("store stopped on a fatal error", { error: e instanceof Error ? e.stack ?? e.message : String(e) });
      process.exit(70);
    });
    process.stdout.write(`kplane is up: the Kubernetes API is served at ${running.apiserver.url}\n` +
      `  export KUBECONFIG=${running.kubeconfig}\n  kubectl get namespaces\n`);
    onSignals(() => running.stop());
  });

program
  .command("apiserver")
  .description("Run the Kubernetes API server over any etcd v3 endpoint (flags named as kube-apiserver's).")
  .requiredOption("--etcd-servers <urls>", "etcd endpoints (kplane store or etcd 3.4+)", list)
  .option("--bind-address <ip>", "address to serve on", "127.0.0.1")
  .option("--secure-port <n>", "port to serve on", int, 6443)
  .option("--tls-cert-file <file>", "serving certificate (default: generated under --data-dir)")
  .option("--tls-private-key-file <file>", "serving key")
  .option("--client-ca-file <file>", "CA for client certificates")
  .option("--service-account-signing-key-file <file>", "key that signs ServiceAccount tokens")
  .option("--service-account-key-file <file>", "public key that verifies ServiceAccount tokens")
  .option("--token-auth-file <file>", "static bearer tokens (token,user,uid,\"group1,group2\")")
  .option("--service-cluster-ip-range <cidr>", "CIDR for Service ClusterIPs", "10.96.0.0/12")
  .option("--data-dir <dir>", "kplane: where generated PKI and kubeconfig go", defaultDataDir() + "-apiserver")
  .option("--insecure", "kplane: serve plain HTTP (local tools and tests only)", false)
  .action(async (o: Record<string, unknown>) => {
    await import("reflect-metadata");
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { startApiServer } = await import("../apiserver/server.js");
    const { ensurePki, writeKubeconfig } = await import("../apiserver/pki/index.js");
    const { firstServiceIP } = await import("../apiserver/registry/alloc/serviceip.js");
    const etcd = etcdClientFor(o.etcdServers as string[]);
    let tls: { cert: string; key: string; clientCA?: string } | undefined;
    let serviceAccountKeys: { privatePem: string; publicPems: string[] } | undefined;
    if (o.serviceAccountSigningKeyFile) {
      serviceAccountKeys = { privatePem: readFileSync(o.serviceAccountSigningKeyFile as string, "utf8"), publicPems: o.serviceAccountKeyFile ? [readFileSync(o.serviceAccountKeyFile as string, "utf8")] : [] };
    }
    let kubeconfig: string | undefined;
    let writeConfig: ((port: number) => void) | undefined;
    const host = o.bindAddress as string;
    if (!o.insecure) {
      if (o.tlsCertFile) {
        tls = { cert: readFileSync(o.tlsCertFile as string, "utf8"), key: readFileSync(o.tlsPrivateKeyFile as string, "utf8") };
        if (o.clientCaFile) tls.clientCA = readFileSync(o.clientCaFile as string, "utf8");
      } else {
        const pki = await ensurePki(join(o.dataDir as string, "pki"), { hosts: [host], serviceIp: firstServiceIP(o.serviceClusterIpRange as string) });
        tls = { cert: pki.apiserver.cert.pem, key: pki.apiserver.key.pem, clientCA: pki.ca.cert.pem };
        serviceAccountKeys ??= { privatePem: pki.sa.key.pem, publicPems: [pki.sa.pub.pem] };
        kubeconfig = join(o.dataDir as string, "kubeconfig");
        // Written once the server is bound (the port may be 0 = any).
        writeConfig = (port: number) => writeKubeconfig(kubeconfig!, { server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`, caPem: pki.ca.cert.pem, clientCertPem: pki.admin.cert.pem, clientKeyPem: pki.admin.key.pem });
      }
    }
    const tokens = o.tokenAuthFile ? parseTokenFile(readFileSync(o.tokenAuthFile as string, "utf8")) : undefined;
    const server = await startApiServer({
      etcd, host, port: o.securePort as number, ...(tls ? { tls } : {}), ...(serviceAccountKeys ? { serviceAccountKeys } : {}), ...(tokens ? { tokens } : {}),
      serviceClusterIPRange: o.serviceClusterIpRange as string, log: (m) => log.warn(m, {}),
    }).catch((e: unknown) => {
      log.error("failed to start", { error: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    });
    writeConfig?.(server.port);
    process.stdout.write(`kplane apiserver is serving at ${server.url}\n` + (kubeconfig ? `  export KUBECONFIG=${kubeconfig}\n` : ""));
    onSignals(async () => {
      await server.close();
      await etcd.close();
    });
  });

/** kube's boolean flags take `--flag`, `--flag=true` and `--flag=false`. */
const boolFlag = (v: unknown): boolean => v !== false && v !== "false" && v !== "0";

/** Keeps the fields that were given (commander leaves flags without defaults undefined). */
const given = <T extends Record<string, unknown>>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;

/** kube's --leader-elect-lease-duration, --leader-elect-renew-deadline, --leader-elect-retry-period. */
const leaderElectFlags = (c: Command): Command =>
  c
    .option("--leader-elect-lease-duration <duration>", "how long non-leaders wait after the last observed renewal before taking the lease (default 15s)", duration)
    .option("--leader-elect-renew-deadline <duration>", "how long the leader retries renewing before it gives up leading (default 10s)", duration)
    .option("--leader-elect-retry-period <duration>", "how long candidates wait between tries to acquire or renew (default 2s)", duration);

/** Runs control-loop components against a kubeconfig until a signal. */
async function runLoopCommand(o: Record<string, unknown>, parts: { controllers: string[] | false; scheduler: boolean; nodes: number }, what: string): Promise<void> {
  const { loadKubeconfig, leaderElectionTimingError, LEADER_ELECTION_DEFAULTS } = await import("../client/index.js");
  const { startControlLoop } = await import("./loop.js");
  const kubeconfig = (o.kubeconfig as string | undefined) ?? process.env.KUBECONFIG;
  if (!kubeconfig) {
    log.error("a kubeconfig is required (--kubeconfig or $KUBECONFIG)", {});
    process.exit(1);
  }
  const seconds = (ms: unknown): number | undefined => (ms === undefined ? undefined : (ms as number) / 1000);
  const leaderElection = given({
    leaseDurationSeconds: seconds(o.leaderElectLeaseDuration),
    renewDeadlineSeconds: seconds(o.leaderElectRenewDeadline),
    retryPeriodSeconds: seconds(o.leaderElectRetryPeriod),
  });
  const leaderElect = boolFlag(o.leaderElect);
  const invalid = leaderElect ? leaderElectionTimingError({ ...LEADER_ELECTION_DEFAULTS, ...leaderElection }) : undefined;
  if (invalid) {
    log.error(`invalid leader election flags: ${invalid}`, {});
    process.exit(1);
  }
  const loop = startControlLoop({
    config: loadKubeconfig(kubeconfig),
    ...parts,
    leaderElect,
    leaderElection,
    // As kube-controller-manager and kube-scheduler: a lost lease ends the process (a fresh one campaigns again).
    onLeadershipLost: (component) => {
      log.error("leaderelection lost", { lease: `kube-system/${component}` });
      process.exit(1);
    },
    controllerOptions: {
      nodeLifecycle: given({
        nodeMonitorPeriodMs: o.nodeMonitorPeriod as number | undefined,
        nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod as number | undefined,
        nodeStartupGracePeriodMs: o.nodeStartupGracePeriod as number | undefined,
      }),
    },
    nodeOptions: {
      ...(o.namePrefix ? { namePrefix: o.namePrefix as string } : {}),
      ...(o.firstIndex !== undefined ? { firstIndex: o.firstIndex as number } : {}),
      ...(o.podManifestPath ? { podManifestPath: o.podManifestPath as string } : {}),
      ...(o.fileCheckFrequency !== undefined ? { manifestCheckMs: o.fileCheckFrequency as number } : {}),
      ...(o.jobPodDuration !== undefined ? { jobPodDurationMs: o.jobPodDuration as number } : {}),
      ...(o.nodeLeaseDurationSeconds !== undefined ? { leaseDurationSeconds: o.nodeLeaseDurationSeconds as number } : {}),
    },
  });
  process.stdout.write(`kplane ${what} is running against ${kubeconfig}\n`);
  if (parts.nodes) void loop.nodesReady.then(() => process.stdout.write(`${loop.nodeNames.length} simulated nodes registered (no containers run on them)\n`));
  onSignals(() => loop.stop());
}

leaderElectFlags(
  program
    .command("controller-manager")
    .description("Run kplane's controllers (deployment, replicaset, job, namespace, garbage collector, ...) against an API server.")
    .option("--kubeconfig <file>", "kubeconfig of the API server (default: $KUBECONFIG)")
    .option("--controllers <list>", "controllers to run: * for all, name, -name (kube's syntax)", list, ["*"])
    .option("--leader-elect [bool]", "lead through the kube-system/kube-controller-manager Lease", true),
)
  .option("--node-monitor-period <duration>", "how often the node lifecycle controller checks nodes (default 5s)", duration)
  .option("--node-monitor-grace-period <duration>", "how long a node may go without a heartbeat before it is marked unhealthy (default 50s)", duration)
  .option("--node-startup-grace-period <duration>", "how long a new node may take to post Ready before it is marked unhealthy (default 1m0s)", duration)
  .action((o: Record<string, unknown>) => runLoopCommand(o, { controllers: o.controllers as string[], scheduler: false, nodes: 0 }, "controller-manager"));

leaderElectFlags(
  program
    .command("scheduler")
    .description("Run kplane's scheduler (default-scheduler) against an API server.")
    .option("--kubeconfig <file>", "kubeconfig of the API server (default: $KUBECONFIG)")
    .option("--leader-elect [bool]", "lead through the kube-system/kube-scheduler Lease", true),
).action((o: Record<string, unknown>) => runLoopCommand(o, { controllers: false, scheduler: true, nodes: 0 }, "scheduler"));

program
  .command("node")
  .description("Run simulated nodes (kubelets that report pods Running; no containers run) against an API server.")
  .option("--kubeconfig <file>", "kubeconfig of the API server (default: $KUBECONFIG)")
  .option("--count <n>", "how many nodes", int, 1)
  .option("--name-prefix <prefix>", "node names are <prefix><index>", "node-")
  .option("--first-index <n>", "index of the first node (give each process its own range)", int, 1)
  .option("--pod-manifest-path <dir>", "static pod manifests every node runs as mirror pods")
  .option("--file-check-frequency <duration>", "how often the static pod manifests are read again (default 20s)", duration)
  .option("--node-lease-duration-seconds <n>", "duration of each node's Lease; it is renewed every quarter of it (default 40)", positiveInt)
  .option("--job-pod-duration <d>", "how long pods of Jobs run before they succeed", duration, 1000)
  .action((o: Record<string, unknown>) => runLoopCommand({ ...o, leaderElect: false }, { controllers: false, scheduler: false, nodes: o.count as number }, "node"));

program.parseAsync(process.argv).catch((e: unknown) => {
  log.error(e instanceof Error ? e.message : String(e), {});
  process.exit(1);
});
