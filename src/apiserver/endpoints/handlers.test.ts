import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { sendJoined, sendProtobufList } from "./handlers.js";

/** A ServerResponse that keeps what is written. */
function recorder() {
  const parts: Buffer[] = [];
  let headers: Record<string, string> = {};
  const res = {
    writeHead(_code: number, h: Record<string, string>) {
      headers = h;
      return res;
    },
    write(b: Buffer) {
      parts.push(Buffer.from(b));
      return true;
    },
    end(b?: Buffer) {
      if (b) parts.push(Buffer.from(b));
      return res;
    },
  };
  return { res: res as unknown as ServerResponse, body: () => Buffer.concat(parts).toString("utf8"), headers: () => headers, writes: () => parts.length };
}

test("sendJoined: a list from separate items and from runs laid out side by side with commas", async () => {
  // Items 1-3 share one chunk (comma-separated, as the watch cache unpacks them); 0 and 4 stand alone.
  const chunk = Buffer.from('{"n":1},{"n":2},{"n":3},');
  const items = [
    Buffer.from('{"n":0}'),
    chunk.subarray(0, 7), chunk.subarray(8, 15), chunk.subarray(16, 23),
    Buffer.from('{"n":4}'),
  ];
  const r = recorder();
  await sendJoined(r.res, "application/json", Buffer.from('{"items":['), items);
  const text = r.body();
  assert.deepEqual(JSON.parse(text), { items: [0, 1, 2, 3, 4].map((n) => ({ n })) });
  assert.equal(Number(r.headers()["Content-Length"]), Buffer.byteLength(text));
  assert.ok(text.endsWith("]}\n"));
  // Neighbours in one memory without a comma between them are not one run.
  const tight = Buffer.from('{"n":1}{"n":2}');
  const r2 = recorder();
  await sendJoined(r2.res, "application/json", Buffer.from('{"items":['), [tight.subarray(0, 7), tight.subarray(7, 14)]);
  assert.deepEqual(JSON.parse(r2.body()), { items: [{ n: 1 }, { n: 2 }] });
  const r3 = recorder();
  await sendJoined(r3.res, "application/json", Buffer.from('{"items":['), []);
  assert.deepEqual(JSON.parse(r3.body()), { items: [] });
});

test("sendProtobufList: head, pieces as the socket takes them, the envelope's tail", async () => {
  const parts: Buffer[] = [];
  let headers: Record<string, string> = {};
  let full = false;
  const res = new EventEmitter() as EventEmitter & Record<string, unknown>;
  Object.assign(res, {
    destroyed: false,
    writeHead(_code: number, h: Record<string, string>) {
      headers = h;
    },
    // The socket is "full" after every piece until it drains.
    write(b: Buffer) {
      parts.push(Buffer.from(b));
      full = b.length > 1;
      return !full;
    },
    end(b: Buffer) {
      parts.push(Buffer.from(b));
    },
  });
  const made: string[] = [];
  function* pieces() {
    for (const p of ["aa", "bbb", "c"]) {
      made.push(p);
      yield Buffer.from(p);
    }
  }
  const sent = sendProtobufList(res as unknown as ServerResponse, Buffer.from("H"), 6, pieces());
  await new Promise((r) => setImmediate(r));
  // One piece made and written; the next waits for the drain.
  assert.deepEqual(made, ["aa"]);
  res.emit("drain");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(made, ["aa", "bbb"]);
  res.emit("drain");
  await sent;
  assert.equal(Buffer.concat(parts).toString("latin1"), "Haabbbc\x1a\x00\x22\x00");
  assert.equal(headers["Content-Type"], "application/vnd.kubernetes.protobuf");
  assert.equal(Number(headers["Content-Length"]), 11);
  // A client that goes away stops the making.
  made.length = 0;
  parts.length = 0;
  const gone = sendProtobufList(res as unknown as ServerResponse, Buffer.from("H"), 6, pieces());
  await new Promise((r) => setImmediate(r));
  res["destroyed"] = true;
  res.emit("close");
  await gone;
  assert.deepEqual(made, ["aa"]);
});

test("sendJoined writes a slab once the socket took the last one", async () => {
  const writes: number[] = [];
  const res = new EventEmitter() as EventEmitter & Record<string, unknown>;
  Object.assign(res, {
    destroyed: false,
    writeHead() {},
    write(b: Buffer) {
      writes.push(b.length);
      return b.length < 1000;
    },
    end(b: Buffer) {
      writes.push(b.length);
    },
  });
  const mib = (c: string) => Buffer.alloc(1 << 20, c);
  const sent = sendJoined(res as unknown as ServerResponse, "application/json", Buffer.from("["), [mib("a"), mib("b"), mib("c")]);
  await new Promise((r) => setImmediate(r));
  // The head, then the first slab (the socket is full after it).
  assert.deepEqual(writes, [1, 1 << 20]);
  res.emit("drain");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, [1, 1 << 20, (1 << 20) + 1]);
  res.emit("drain");
  await new Promise((r) => setImmediate(r));
  res.emit("drain");
  await sent;
  assert.deepEqual(writes, [1, 1 << 20, (1 << 20) + 1, (1 << 20) + 1, 3]);
});
