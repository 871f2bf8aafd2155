/**
 * Kubernetes' own serialization fixtures (k8s.io/api and apiextensions-apiserver testdata/HEAD at
 * the 1.32 tag: one fuzzed object per kind, written by Go as .json and .pb) are the sharpest check
 * there is: our decode of the .pb must equal the .json, and our encode of the .json must equal
 * the .pb byte for byte. The fixtures are read from the local git mirrors when present (see
 * gen.mjs) and never copied into the tree; without the mirrors the test is skipped.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { decodeProtobuf, encodeProtobuf, hasProtobufType } from "./index.js";

const TAG = "v0.32.4";
const MIRRORS = process.env.KPLANE_K8S_MIRRORS ?? "/work/.mirror";
const sources = [
  { repo: "kubernetes+api", dir: "testdata/HEAD" },
  { repo: "kubernetes+apiextensions-apiserver", dir: "pkg/apis/testdata/HEAD" },
];

/** name -> file contents, for every .json/.pb fixture of the sources whose mirror exists. */
function readFixtures(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const { repo, dir } of sources) {
    const gitDir = join(MIRRORS, repo, "repo");
    if (!existsSync(gitDir)) continue;
    const git = (args: string[], input?: string) => execFileSync("git", ["--git-dir", gitDir, ...args], { input, maxBuffer: 64 << 20 });
    const entries = git(["ls-tree", "-r", TAG, `${dir}/`])
      .toString()
      .split("\n")
      .map((l) => /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && /\.(json|pb)$/.test(m[2]!));
    const batch = git(["cat-file", "--batch"], entries.map((m) => m[1]).join("\n") + "\n");
    let off = 0;
    for (const m of entries) {
      const nl = batch.indexOf(0x0a, off);
      const size = Number(batch.subarray(off, nl).toString().split(" ")[2]);
      files.set(m[2]!.slice(m[2]!.lastIndexOf("/") + 1), batch.subarray(nl + 1, nl + 1 + size));
      off = nl + 1 + size + 1;
    }
  }
  return files;
}

const fixtures = readFixtures();
const skip = fixtures.size ? false : `no Kubernetes mirrors under ${MIRRORS}`;

test("Go's fixtures: .pb decodes to .json and .json encodes to .pb, for every kind kplane serves", { skip }, () => {
  let checked = 0;
  const failures: string[] = [];
  for (const [name, pb] of fixtures) {
    if (!name.endsWith(".pb")) continue;
    const json = JSON.parse(fixtures.get(name.replace(/\.pb$/, ".json"))!.toString("utf8")) as Record<string, unknown>;
    if (!hasProtobufType(String(json.apiVersion), String(json.kind))) continue; // alpha/beta versions
    checked++;
    try {
      assert.deepEqual(decodeProtobuf(new Uint8Array(pb)).object, json, `${name}: decode`);
      assert.ok(Buffer.from(encodeProtobuf(json)!).equals(pb), `${name}: encode differs from Go's bytes`);
    } catch (e) {
      failures.push(e instanceof Error ? e.message.slice(0, 2000) : String(e));
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(checked >= 80, `only ${checked} fixtures matched served kinds`);
});
