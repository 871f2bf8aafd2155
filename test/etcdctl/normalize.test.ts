// Unit tests of the differential suite's own machinery: scenario parsing and normalization.
// (The outputs used here are shaped like etcdctl's; the suite itself only compares live runs.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lineDiff } from "./linediff.js";
import {
  collapseTables,
  normalize,
  normalizeGoPanic,
  protobufToText,
  reconcileRemainingTtl,
  sortLeaseKeys,
  substituteValues,
  type SideContext,
} from "./normalize.js";
import { loadScenarios, parseScenarios, ScenarioSyntaxError, tokenize } from "./scenario.js";

const ctx: SideContext = {
  clientAddr: "127.0.0.1:40001",
  peerAddr: "127.0.0.1:40002",
  clusterId: 0x8e9e05c52164694dn,
  memberId: 0x2e1259d415f2a040n,
  leases: [0x2040a1fdf38ccb07n, 7n],
  tmpDir: "/tmp/x/ref/tmp",
};

describe("scenario parser", () => {
  it("tokenizes quotes and escapes like a shell", () => {
    assert.deepEqual(tokenize(`put "" 'a b' "c\\"d" e\\ f "x\\ty"`), ["put", "", "a b", 'c"d', "e f", "x\ty"]);
  });

  it("parses directives, options, heredocs and background steps", () => {
    const [s] = parseScenarios(
      [
        "scenario demo",
        "  formats json table",
        "  flags --max-txn-ops=3",
        "  [stderr=ignore file={tmp}/s.db] snapshot save {tmp}/s.db",
        "  txn -i <<EOF",
        '  value("a") = "1"',
        "",
        "  @repeat 2: put k%n v",
        "",
        "",
        "  EOF",
        "  bg W watch a --rev 2",
        "  sleep 0.5",
        "  stop W",
      ].join("\n"),
      "demo.txt",
    );
    assert.ok(s);
    assert.deepEqual(s.formats, ["json", "table"]);
    assert.deepEqual(s.flags, ["--max-txn-ops=3"]);
    const [snap, txn, bg, sleep, stop] = s.steps;
    assert.ok(snap?.kind === "run" && snap.opts.ignoreStderr && snap.opts.file === "{tmp}/s.db");
    assert.ok(txn?.kind === "run");
    assert.equal(txn.stdin, 'value("a") = "1"\n\nput k001 v\nput k002 v\n\n\n');
    assert.deepEqual(bg, { kind: "bg", line: 12, name: "W", args: ["watch", "a", "--rev", "2"], opts: bg?.kind === "bg" ? bg.opts : undefined });
    assert.deepEqual(sleep, { kind: "sleep", line: 13, seconds: 0.5 });
    assert.deepEqual(stop, { kind: "stop", line: 14, name: "W" });
  });

  it("rejects a txn input that would end in EOF, and a watch never stopped", () => {
    assert.throws(() => parseScenarios("scenario t\n  txn <<EOF\n\n  put a 1\n\n  EOF\n", "t.txt"), ScenarioSyntaxError);
    assert.throws(() => parseScenarios("scenario t\n  bg W watch a\n", "t.txt"), ScenarioSyntaxError);
  });

  it("loads every scenario file, with unique names and at least 100 scenarios", () => {
    const all = loadScenarios(new URL("./scenarios", import.meta.url).pathname);
    assert.ok(all.length >= 100, `${all.length} scenarios`);
  });
});

describe("normalization", () => {
  it("collapses table borders and padding", () => {
    const table = "+----+-----+\n| ID | X   |\n+----+-----+\n| ab |   1 |\n+----+-----+\n";
    assert.equal(collapseTables(table), "| ID | X |\n| ab | 1 |\n");
  });

  it("substitutes addresses, paths and big ids in decimal and hex", () => {
    const text = [
      "2e1259d415f2a040, started, m1, http://127.0.0.1:40002, http://127.0.0.1:40001, false",
      `{"cluster_id":${ctx.clusterId},"member_id":${ctx.memberId},"ID":${ctx.leases[0]}}`,
      "lease 2040a1fdf38ccb07 granted",
      "Snapshot saved at /tmp/x/ref/tmp/s.db",
      "127.0.0.1:400011 stays",
    ].join("\n");
    assert.equal(
      substituteValues(text, ctx),
      [
        "<MEMBER_ID>, started, m1, http://<PEER_ADDR>, http://<CLIENT_ADDR>, false",
        '{"cluster_id":<CLUSTER_ID>,"member_id":<MEMBER_ID>,"ID":<L1>}',
        "lease <L1> granted",
        "Snapshot saved at <TMP>/s.db",
        "127.0.0.1:400011 stays",
      ].join("\n"),
    );
  });

  it("substitutes small ids only where etcdctl prints ids", () => {
    const text = '{"revision":7,"ID":7,"lease":7}\nlease 0000000000000007 granted\n7\n"Version" : 7';
    assert.equal(substituteValues(text, ctx), '{"revision":7,"ID":<L2>,"lease":<L2>}\nlease <L2> granted\n<L2>\n"Version" : 7');
  });

  it("normalizes endpoint status and health columns, and nothing else", () => {
    const args = ["endpoint", "status"];
    const simple = "127.0.0.1:40001, 2e1259d415f2a040, 3.4.23, 20 kB, true, false, 2, 14, 14, \n";
    assert.equal(
      normalize({ args, format: "simple", stream: "stdout", data: Buffer.from(simple) }, ctx),
      "<CLIENT_ADDR>, <MEMBER_ID>, <N>, <N>, true, false, <N>, <N>, <N>, \n",
    );
    const health = "127.0.0.1:40001 is healthy: successfully committed proposal: took = 1.454809ms\n";
    assert.equal(
      normalize({ args: ["endpoint", "health"], format: "simple", stream: "stdout", data: Buffer.from(health) }, ctx),
      "<CLIENT_ADDR> is healthy: successfully committed proposal: took = <DURATION>\n",
    );
    // the same text under another command is left alone
    assert.equal(normalize({ args: ["get", "a"], format: "simple", stream: "stdout", data: Buffer.from(simple) }, ctx).includes("3.4.23"), true);
  });

  it("normalizes etcdctl's zap warnings but keeps the gRPC code and message", () => {
    const line =
      '{"level":"warn","ts":"2026-11-21T11:54:41.292Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"endpoint://client-9bd96e02-4690-4004-a0bd-4fc6d3613d18/127.0.0.1:40001","attempt":0,"error":"rpc error: code = InvalidArgument desc = etcdserver: key is not provided"}\n';
    assert.equal(
      normalize({ args: ["put", "", "v"], format: "simple", stream: "stderr", data: Buffer.from(line) }, ctx),
      '{"level":"warn","ts":"<TS>","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"endpoint://client-<UUID>/<CLIENT_ADDR>","attempt":0,"error":"rpc error: code = InvalidArgument desc = etcdserver: key is not provided"}\n',
    );
  });

  it("sorts the keys of a lease, which etcd keeps in a map", () => {
    assert.equal(sortLeaseKeys("attached keys([b a c])"), "attached keys([a b c])");
    assert.equal(sortLeaseKeys('"keys":["Yg==","YQ=="]}'), '"keys":["YQ==","Yg=="]}');
    assert.equal(sortLeaseKeys('"TTL" : 9\n"Key" : "b"\n"Key" : "a"\n'), '"TTL" : 9\n"Key" : "a"\n"Key" : "b"\n');
  });

  it("tolerates remaining TTLs one second apart, not two", () => {
    const ref = "lease <L1> granted with TTL(100s), remaining(98s)";
    assert.equal(reconcileRemainingTtl(["lease", "timetolive", "x"], ref, ref.replace("98", "97")), ref);
    assert.notEqual(reconcileRemainingTtl(["lease", "timetolive", "x"], ref, ref.replace("98", "96")), ref);
    assert.equal(reconcileRemainingTtl(["get", "a"], ref, ref.replace("98", "97")), ref.replace("98", "97"));
  });

  it("strips run-specific words from Go panics", () => {
    const trace = [
      "panic: runtime error: invalid memory address or nil pointer dereference",
      "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0xb9181e]",
      "",
      "goroutine 1 [running]:",
      "go.etcd.io/etcd/etcdctl/ctlv3/command.(*fieldsPrinter).hdr(0x0?, 0x0)",
      "\tgo.etcd.io/etcd/etcdctl/ctlv3/command/printer_fields.go:38 +0x5e",
      "main.main()",
    ].join("\n");
    assert.equal(
      normalizeGoPanic(trace),
      [
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1]",
        "",
        "goroutine <N> [running]:",
        "go.etcd.io/etcd/etcdctl/ctlv3/command.(*fieldsPrinter).hdr(...)",
        "\tgo.etcd.io/etcd/etcdctl/ctlv3/command/printer_fields.go:38",
        "main.main()",
      ].join("\n"),
    );
  });

  it("decodes protobuf output, keeping leading prompt lines as text", () => {
    // PutResponse{header{cluster_id 5, member_id 6, revision 2, raft_term 3}}
    const msg = Buffer.from([0x0a, 0x08, 0x08, 0x05, 0x10, 0x06, 0x18, 0x02, 0x20, 0x03]);
    assert.equal(protobufToText(msg), "1 {\n  1: 5\n  2: 6\n  3: 2\n  4: <TERM>\n}\n");
    const prompts = Buffer.concat([Buffer.from("compares:\n"), msg]);
    assert.equal(protobufToText(prompts), "compares:\n1 {\n  1: 5\n  2: 6\n  3: 2\n  4: <TERM>\n}\n");
  });
});

describe("line diff", () => {
  it("marks reference lines with - and candidate lines with +", () => {
    assert.equal(lineDiff("a\nb\nc", "a\nx\nc"), "  a\n+ x\n- b\n  c");
  });
});
