// Test support: the two backends every storage test runs against, and small helpers.
import { create } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompactionRequestSchema } from "../../store/api/gen/rpc_pb.js";
import { grpcClient } from "../../store/client/grpc.js";
import type { EtcdClient } from "../../store/client/types.js";
import { startStore, storeDefaults } from "../../store/index.js";
import { ETCD_BIN, startMember } from "../../../test/etcdctl/server.js";
import type { KObject } from "../api/types.js";
import type { Watch, WatchEvent } from "./interface.js";

export type BackendName = "kplane" | "etcd";

/** kplane's store in this process (in-process client), or a real etcd (3.4) over gRPC. */
export interface Backend {
  name: BackendName;
  client: EtcdClient;
  stop(): Promise<void>;
}

export const backendNames: BackendName[] = existsSync(ETCD_BIN) ? ["kplane", "etcd"] : ["kplane"];

export async function startBackend(name: BackendName): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), `kplane-storage-${name}-`));
  if (name === "kplane") {
    const store = await startStore({
      ...storeDefaults,
      dataDir: join(dir, "data"),
      listenClientUrls: ["http://127.0.0.1:0"],
      advertiseClientUrls: ["http://127.0.0.1:0"],
      walSegmentBytes: 1024 * 1024,
    });
    const client = store.client();
    return {
      name,
      client,
      async stop() {
        await client.close();
        await store.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  mkdirSync(dir, { recursive: true });
  const m = await startMember("etcd", dir, []);
  const client = grpcClient(m.clientAddr);
  return {
    name,
    client,
    async stop() {
      await client.close();
      await m.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function compact(c: EtcdClient, rev: bigint): Promise<void> {
  await c.compact(create(CompactionRequestSchema, { revision: rev, physical: true }));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const pod = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}`, labels },
  spec: { n: 0 },
  ...extra,
});

export const rvOf = (o: KObject | undefined): bigint => BigInt(o?.metadata.resourceVersion ?? "0");

/** A recorder of one watch's events, with a way to wait for the n-th and for the end. */
export function record(w: Watch) {
  const events: WatchEvent[] = [];
  let ended = false;
  const waiters: Array<() => void> = [];
  const poke = () => waiters.splice(0).forEach((f) => f());
  w.onEvent((ev) => {
    events.push(ev);
    poke();
  });
  w.onEnd(() => {
    ended = true;
    poke();
  });
  return {
    events,
    get ended() {
      return ended;
    },
    /** Compact form: "TYPE name rv". */
    brief(): string[] {
      return events.map((e) => `${e.type} ${e.object.metadata.name ?? ""} ${e.object.metadata.resourceVersion ?? ""}`.trim());
    },
    async until(n: number, ms = 5000): Promise<void> {
      const end = Date.now() + ms;
      while (events.length < n) {
        if (Date.now() > end) assert.fail(`only ${events.length} of ${n} watch events: ${JSON.stringify(events.map((e) => e.type))}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(50)]);
      }
    },
    async untilEnded(ms = 5000): Promise<void> {
      const end = Date.now() + ms;
      while (!ended) {
        if (Date.now() > end) assert.fail("the watch did not end");
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(50)]);
      }
    },
  };
}

/** Asserts that `p` rejects with a StorageError of `code` (and, if given, this message). */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<Error & { code: string; continueToken?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code: string; continueToken?: string };
    assert.equal(err.name, "StorageError", `not a StorageError: ${String(e)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a ${code} StorageError`);
}
