import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const mirrors = process.env.KPLANE_K8S_MIRRORS ?? "/work/.mirror";
const skip = existsSync(join(mirrors, "kubernetes+api", "repo")) ? false : `no Kubernetes mirrors under ${mirrors}`;

test("schema.ts is what gen.mjs derives from the Kubernetes sources", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kplane-protobuf-gen-"));
  try {
    const out = join(dir, "schema.ts");
    execFileSync(process.execPath, [join(here, "gen.mjs"), mirrors, out], { stdio: "pipe" });
    assert.ok(readFileSync(out, "utf8") === readFileSync(join(here, "schema.ts"), "utf8"), "schema.ts is stale: run node src/apiserver/protobuf/gen.mjs");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
