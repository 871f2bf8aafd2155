import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("definitions.ts is what gen.mjs makes of client-node and markers.txt", () => {
  const gen = fileURLToPath(new URL("./gen.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [gen, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
