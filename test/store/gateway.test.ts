// The HTTP side of the client port (the /v3 JSON gateway, /health, /version, /metrics), compared
// with a real etcd 3.4 answering the same requests.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startMember, type Member } from "../etcdctl/server.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

interface Pair {
  etcd: Member;
  kplane: Member;
}

async function post(m: Member, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://${m.clientAddr}${path}`, { method: "POST", body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Header fields that legitimately differ between two clusters. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (["cluster_id", "member_id", "raft_term", "ID"].includes(k)) out[k] = "<id>";
      else out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

describe("JSON gateway, against real etcd", () => {
  const dirs: string[] = [];
  let p: Pair;
  before(async () => {
    const mk = () => {
      const d = mkdtempSync(join(tmpdir(), "kplane-gw-"));
      dirs.push(d);
      return d;
    };
    const [etcd, kplane] = await Promise.all([startMember("etcd", mk(), []), startMember("kplane", mk(), [])]);
    p = { etcd, kplane };
  });
  after(async () => {
    await Promise.all([p?.etcd.stop(), p?.kplane.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Sends the same request to both; asserts equal status and normalized bodies; returns kplane's. */
  async function same(path: string, body: unknown): Promise<unknown> {
    const [a, b] = await Promise.all([post(p.etcd, path, body), post(p.kplane, path, body)]);
    assert.equal(b.status, a.status, `${path} ${JSON.stringify(body)}: status`);
    assert.deepEqual(normalize(b.json), normalize(a.json), `${path} ${JSON.stringify(body)}`);
    return b.json;
  }

  test("kv: put, range with options, txn, deleterange, compaction and its errors", async () => {
    await same("/v3/kv/put", { key: b64("a"), value: b64("1") });
    await same("/v3/kv/put", { key: b64("b"), value: b64("2"), prev_kv: true });
    await same("/v3/kv/put", { key: b64("b"), value: b64("3"), prev_kv: true });
    await same("/v3/kv/range", { key: b64("a") });
    await same("/v3/kv/range", { key: b64("a"), range_end: b64("z"), limit: 1 });
    await same("/v3/kv/range", { key: b64("a"), range_end: b64("z"), sort_order: "DESCEND", sort_target: "MOD" });
    await same("/v3/kv/range", { key: b64("a"), range_end: b64("z"), keys_only: true });
    await same("/v3/kv/range", { key: b64("a"), range_end: b64("z"), count_only: true });
    await same("/v3/kv/range", { key: b64("a"), revision: 2 });
    await same("/v3/kv/range", { key: b64("a"), revision: 99 });
    await same("/v3/kv/range", { key: "" });
    await same("/v3/kv/txn", {
      compare: [{ key: b64("a"), target: "VALUE", result: "EQUAL", value: b64("1") }],
      success: [{ request_put: { key: b64("c"), value: b64("x") } }, { request_range: { key: b64("a") } }],
      failure: [{ request_delete_range: { key: b64("a") } }],
    });
    await same("/v3/kv/txn", {
      compare: [{ key: b64("a"), target: "VERSION", result: "GREATER", version: 5 }],
      success: [],
      failure: [{ request_range: { key: b64("b") } }],
    });
    await same("/v3/kv/txn", { success: [{ request_put: { key: b64("d"), value: b64("1") } }, { request_put: { key: b64("d"), value: b64("2") } }] });
    await same("/v3/kv/deleterange", { key: b64("a"), range_end: b64("c"), prev_kv: true });
    await same("/v3/kv/deleterange", { key: b64("nothing") });
    await same("/v3/kv/compaction", { revision: 3 });
    await same("/v3/kv/compaction", { revision: 3 });
    await same("/v3/kv/range", { key: b64("a"), revision: 2 });
  });

  test("lease: grant with an id, time to live with keys, revoke, unknown ids", async () => {
    await same("/v3/lease/grant", { TTL: 60, ID: 4242 });
    await same("/v3/lease/grant", { TTL: 60, ID: 4242 });
    await same("/v3/kv/put", { key: b64("leased"), value: b64("v"), lease: 4242 });
    await same("/v3/lease/timetolive", { ID: 4242, keys: true });
    await same("/v3/kv/lease/leases", {});
    await same("/v3/lease/revoke", { ID: 4242 });
    await same("/v3/lease/revoke", { ID: 4242 });
    await same("/v3/lease/timetolive", { ID: 4242 });
    await same("/v3/kv/put", { key: b64("x"), value: b64("v"), lease: 777 });
  });

  test("maintenance and cluster answer in the same shape", async () => {
    const shape = (v: unknown): unknown =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;
    for (const path of ["/v3/maintenance/status", "/v3/cluster/member/list", "/v3/maintenance/alarm"]) {
      const [a, b] = await Promise.all([post(p.etcd, path, {}), post(p.kplane, path, {})]);
      assert.equal(b.status, a.status, path);
      const sa = shape(a.json) as Record<string, unknown>;
      const sb = shape(b.json) as Record<string, unknown>;
      assert.deepEqual(Object.keys(sb).sort(), Object.keys(sa).sort(), path);
    }
  });

  test("/health, /version and /metrics", async () => {
    for (const m of [p.etcd, p.kplane]) {
      const h = await fetch(`http://${m.clientAddr}/health`);
      assert.equal(h.status, 200);
      assert.equal(((await h.json()) as { health: string }).health, "true");
      const post405 = await fetch(`http://${m.clientAddr}/health`, { method: "POST" });
      assert.equal(post405.status, 405);
      const v = (await (await fetch(`http://${m.clientAddr}/version`)).json()) as Record<string, string>;
      assert.match(v.etcdserver!, /^3\.\d+\.\d+$/);
      assert.match(v.etcdcluster!, /^3\.\d+\.0$/);
    }
    const names = async (m: Member) => {
      const text = await (await fetch(`http://${m.clientAddr}/metrics`)).text();
      return new Set(text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]!));
    };
    const [a, b] = await Promise.all([names(p.etcd), names(p.kplane)]);
    for (const n of [
      "etcd_server_has_leader", "etcd_server_leader_changes_seen_total", "etcd_server_proposals_committed_total",
      "etcd_server_proposals_applied_total", "etcd_server_proposals_pending", "etcd_server_proposals_failed_total",
      "etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds",
      "etcd_mvcc_db_total_size_in_bytes", "grpc_server_handled_total", "grpc_server_started_total",
    ]) {
      assert.ok(a.has(n), `etcd has ${n}`);
      assert.ok(b.has(n), `kplane has ${n}`);
    }
  });

  test("a watch over the gateway streams created, then events", async () => {
    const read = async (m: Member) => {
      const ctrl = new AbortController();
      const res = await fetch(`http://${m.clientAddr}/v3/watch`, {
        method: "POST",
        body: JSON.stringify({ create_request: { key: b64("w"), range_end: b64("x") } }),
        signal: ctrl.signal,
      });
      const reader = res.body!.getReader();
      let text = "";
      const lines: unknown[] = [];
      let wrote = false;
      while (lines.length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        let nl;
        while ((nl = text.indexOf("\n")) >= 0) {
          lines.push(JSON.parse(text.slice(0, nl)));
          text = text.slice(nl + 1);
        }
        if (lines.length >= 1 && !wrote) {
          wrote = true;
          await post(m, "/v3/kv/put", { key: b64("w1"), value: b64("v") });
        }
      }
      ctrl.abort();
      return lines;
    };
    const [a, b] = [await read(p.etcd), await read(p.kplane)];
    assert.deepEqual(normalize(b), normalize(a));
  });
});
