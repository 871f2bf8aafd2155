import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { buildOpenAPI } from "./index.js";
import { toV2, type Schema } from "./schemas.js";
import { definitions } from "./definitions.js";
import { testResources } from "./testdata.js";

/**
 * Kubernetes 1.32's published OpenAPI v2 document is the reference: every definition kplane
 * serves must agree with it on property names, types, formats, $refs, required fields and every
 * x-kubernetes-* extension; the test resources' paths on HTTP methods, operation IDs, actions,
 * GVK extensions, parameters, responses and PATCH media types. Descriptions are compared for
 * properties typed by another definition (metadata, spec, template, ...: kubernetes-models'
 * text, which kubectl explain prints for them); the other properties carry client-node's 1.34
 * wording and are not compared.
 */

const REFERENCE = "/work/shared/kubernetes-openapi/swagger-1.32.json";

interface RefSchema {
  [k: string]: unknown;
  properties?: Record<string, RefSchema>;
  items?: RefSchema;
  additionalProperties?: RefSchema;
  required?: string[];
}
interface RefParam {
  $ref?: string;
  name: string;
  in: string;
  type?: string;
  required?: boolean;
}
interface RefOperation {
  operationId: string;
  consumes?: string[];
  parameters?: RefParam[];
  responses: Record<string, { schema?: RefSchema }>;
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: unknown;
  tags?: string[];
  description?: string;
}
type RefPathItem = Record<string, RefOperation> & { parameters?: RefParam[] };
interface RefDoc {
  definitions: Record<string, RefSchema>;
  paths: Record<string, RefPathItem>;
  parameters: Record<string, RefParam>;
}

/**
 * The known differences, each with its reason. A difference not listed fails the test; a listed
 * one that no longer occurs fails it too, so the list stays true.
 */
const KNOWN: Record<string, string> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions x-kubernetes-group-version-kind":
    "kube lists every group/version compiled into its scheme (61, alpha and beta included); kplane lists the ones it serves",
  "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent x-kubernetes-group-version-kind": "as DeleteOptions",
  "PATCH consumes application/apply-patch+cbor": "kplane does not decode CBOR; kubectl 1.32 never sends it",
};

const skipReason = existsSync(REFERENCE) ? undefined : `${REFERENCE} is not present`;

/** What the comparison looks at: no descriptions, defaults or examples; refs as bare names. */
function shape(s: RefSchema | undefined): unknown {
  if (!s) return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "description" || k === "default" || k === "example" || k === "properties") continue;
    if (k === "$ref") out[k] = String(v).replace("#/definitions/", "");
    else if (k === "items" || k === "additionalProperties") out[k] = typeof v === "object" ? shape(v as RefSchema) : v;
    else if (k === "required") out[k] = [...(v as string[])].sort();
    else out[k] = v;
  }
  return out;
}

test("definitions agree with Kubernetes 1.32", { skip: skipReason }, () => {
  const ref = JSON.parse(readFileSync(REFERENCE, "utf8")) as RefDoc;
  const ours = JSON.parse(buildOpenAPI(testResources).v2Json().toString()) as RefDoc;
  const diffs = new Set<string>();
  let compared = 0;
  // Everything in the data file (rendered as v2 renders it), and what the v2 document renders.
  const names = new Set([...Object.keys(definitions), ...Object.keys(ours.definitions)]);
  for (const name of names) {
    const theirs = ref.definitions[name];
    const mine = ours.definitions[name] ?? (toV2(JSON.parse(definitions[name]!) as Schema) as RefSchema);
    if (!theirs) {
      diffs.add(`${name}: not in 1.32`);
      continue;
    }
    compared++;
    const a = shape(mine) as Record<string, unknown>;
    const b = shape(theirs) as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) diffs.add(`${name} ${k}`);
    }
    const pa = mine.properties ?? {};
    const pb = theirs.properties ?? {};
    for (const p of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
      if (JSON.stringify(shape(pa[p])) !== JSON.stringify(shape(pb[p]))) {
        diffs.add(`${name}.${p}: ours ${JSON.stringify(shape(pa[p]))}, 1.32 ${JSON.stringify(shape(pb[p]))}`);
      }
    }
  }
  assert.ok(compared > 450, `compared only ${compared} definitions`);
  checkKnown(diffs, (k) => !k.startsWith("PATCH"));

  // The subset rule behind the DeleteOptions/WatchEvent difference.
  for (const name of ["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"]) {
    const theirs = new Set((ref.definitions[name]!["x-kubernetes-group-version-kind"] as object[]).map((g) => JSON.stringify(g)));
    for (const g of ours.definitions[name]!["x-kubernetes-group-version-kind"] as object[]) assert.ok(theirs.has(JSON.stringify(g)), `${name}: ${JSON.stringify(g)}`);
  }
});

/**
 * Descriptions that changed after 1.32 in the release kubernetes-models 4.5.1 was generated from;
 * each with what changed. As KNOWN: an entry that no longer differs fails the test.
 */
const LATER_DESCRIPTIONS: Record<string, string> = {
  "io.k8s.api.apps.v1.ReplicaSetSpec.template": "the More info link points at the ReplicaSet page instead of the ReplicationController one",
  "io.k8s.api.batch.v1.JobSpec.successPolicy": "the feature went GA: the beta-level paragraph is gone",
  "io.k8s.api.core.v1.Volume.image": "the image volume's wording was revised",
};

test("descriptions of properties typed by another definition agree with Kubernetes 1.32", { skip: skipReason }, () => {
  const ref = JSON.parse(readFileSync(REFERENCE, "utf8")) as RefDoc;
  const differ = new Set<string>();
  let compared = 0;
  let described = 0;
  // Every definition kplane has (the v2 document of the test resources renders them unchanged).
  for (const [name, text] of Object.entries(definitions)) {
    const mine = JSON.parse(text) as RefSchema;
    const theirs = ref.definitions[name];
    if (!theirs) continue;
    for (const [p, b] of Object.entries(theirs.properties ?? {})) {
      const a = mine.properties?.[p];
      if (!a || b.$ref === undefined) continue;
      compared++;
      if (b.description !== undefined) described++;
      if (a.description !== b.description) differ.add(`${name}.${p}`);
    }
  }
  assert.ok(compared > 500 && described > 500, `compared ${compared}, described ${described}`);
  for (const d of differ) assert.ok(d in LATER_DESCRIPTIONS, `${d}: the description differs from 1.32's`);
  for (const k of Object.keys(LATER_DESCRIPTIONS)) assert.ok(differ.has(k), `${k} is listed but no longer differs`);
});

test("paths and operations agree with Kubernetes 1.32", { skip: skipReason }, () => {
  const ref = JSON.parse(readFileSync(REFERENCE, "utf8")) as RefDoc;
  const ours = JSON.parse(buildOpenAPI(testResources).v2Json().toString()) as RefDoc;
  const diffs = new Set<string>();
  const params = (doc: RefDoc, item: RefPathItem, op: RefOperation) =>
    [...(item.parameters ?? []), ...(op.parameters ?? [])]
      .map((p) => (p.$ref ? doc.parameters[p.$ref.split("/").pop()!]! : p))
      .map((p) => `${p.in}:${p.name}:${p.type ?? "body"}:${p.required ?? false}`)
      .sort();
  const responses = (op: RefOperation) => JSON.stringify(Object.entries(op.responses).map(([code, r]) => [code, shape(r.schema)]));
  let ops = 0;
  for (const [path, item] of Object.entries(ours.paths)) {
    const theirs = ref.paths[path];
    if (!theirs) {
      diffs.add(`${path}: not in 1.32`);
      continue;
    }
    const methods = (i: RefPathItem) => Object.keys(i).filter((k) => k !== "parameters").sort().join(",");
    if (methods(item) !== methods(theirs)) diffs.add(`${path}: methods ${methods(item)} vs ${methods(theirs)}`);
    for (const m of Object.keys(item)) {
      if (m === "parameters" || !theirs[m]) continue;
      const a = item[m]!;
      const b = theirs[m]!;
      ops++;
      for (const k of ["operationId", "x-kubernetes-action", "x-kubernetes-group-version-kind", "tags", "description"] as const) {
        if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) diffs.add(`${path} ${m} ${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`);
      }
      if (params(ours, item, a).join() !== params(ref, theirs, b).join()) diffs.add(`${path} ${m} parameters`);
      if (responses(a) !== responses(b)) diffs.add(`${path} ${m} responses: ${responses(a)} vs ${responses(b)}`);
      if (m === "patch") {
        for (const t of b.consumes ?? []) if (!a.consumes?.includes(t)) diffs.add(`PATCH consumes ${t}`);
        for (const t of a.consumes ?? []) if (!b.consumes?.includes(t)) diffs.add(`${path}: PATCH consumes ${t}, 1.32 does not`);
      }
    }
  }
  // Every path 1.32 has for these resources (and their subresources) is published too.
  const mine = new Set(Object.keys(ours.paths));
  for (const path of Object.keys(ref.paths)) {
    const m = /^\/(?:api|apis\/([^/]+))\/([^/]+)\/(?:watch\/)?(?:namespaces\/\{namespace\}\/(?=.))?([^/]+)(?:\/\{name\}\/([^/]+))?/.exec(path);
    const r = m && testResources.find((r) => r.group === (m[1] ?? "") && r.version === m[2] && r.resource === m[3]);
    if (!r || (m[4] && !r.subresources?.some((s) => s.name === m[4]))) continue;
    if (!mine.has(path)) diffs.add(`${path}: missing`);
  }
  assert.ok(ops > 150, `compared only ${ops} operations`);
  checkKnown(diffs, (k) => k.startsWith("PATCH"));
});

/** Fails on any difference not in KNOWN, and on any KNOWN entry (of this test) that is gone. */
function checkKnown(diffs: Set<string>, mine: (known: string) => boolean): void {
  const unexpected = [...diffs].filter((d) => !(d in KNOWN));
  assert.deepEqual(unexpected, [], `unexpected differences from 1.32:\n${unexpected.join("\n")}`);
  const stale = Object.keys(KNOWN).filter((k) => mine(k) && !diffs.has(k));
  assert.deepEqual(stale, [], "known differences that no longer occur");
}
