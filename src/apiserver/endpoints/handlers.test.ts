import { test } from "node:test";
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { sendJoined } from "./handlers.js";

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

test("sendJoined: a list from separate items and from runs laid out side by side with commas", () => {
  // Items 1-3 share one chunk (comma-separated, as the watch cache unpacks them); 0 and 4 stand alone.
  const chunk = Buffer.from('{"n":1},{"n":2},{"n":3},');
  const items = [
    Buffer.from('{"n":0}'),
    chunk.subarray(0, 7), chunk.subarray(8, 15), chunk.subarray(16, 23),
    Buffer.from('{"n":4}'),
  ];
  const r = recorder();
  sendJoined(r.res, "application/json", Buffer.from('{"items":['), items);
  const text = r.body();
  assert.deepEqual(JSON.parse(text), { items: [0, 1, 2, 3, 4].map((n) => ({ n })) });
  assert.equal(Number(r.headers()["Content-Length"]), Buffer.byteLength(text));
  assert.ok(text.endsWith("]}\n"));
  // Neighbours in one memory without a comma between them are not one run.
  const tight = Buffer.from('{"n":1}{"n":2}');
  const r2 = recorder();
  sendJoined(r2.res, "application/json", Buffer.from('{"items":['), [tight.subarray(0, 7), tight.subarray(7, 14)]);
  assert.deepEqual(JSON.parse(r2.body()), { items: [{ n: 1 }, { n: 2 }] });
  const r3 = recorder();
  sendJoined(r3.res, "application/json", Buffer.from('{"items":['), []);
  assert.deepEqual(JSON.parse(r3.body()), { items: [] });
});
