#!/usr/bin/env node
// Derives schema.ts (the wire table the protobuf codec runs on) from the Kubernetes 1.32 API
// sources. Run by hand; the output is committed:
//
//   node src/apiserver/protobuf/gen.mjs [mirrorRoot] [outFile]
//
// mirrorRoot holds bare git mirrors named <owner>+<repo>/repo (default /work/.mirror) of
// kubernetes/api, kubernetes/apimachinery, kubernetes/apiextensions-apiserver and
// kubernetes/kube-aggregator. Each package contributes two facts per field:
//   - from generated.proto: the field number and wire type (scalar, message, repeated, map);
//   - from the Go struct tags in the package's .go files: the JSON name, omitempty, pointer-ness
//     and inlining, which decide what JSON kube's Go decode + JSON encode produce.
// Fields are matched by number. The table is written in this folder's own compact format
// (see README.md), never as .proto text.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TAG = "v0.32.4"; // the k8s.io/* staging tags of Kubernetes 1.32.4
const mirrorRoot = process.argv[2] ?? "/work/.mirror";
const here = dirname(fileURLToPath(import.meta.url));

/** short: our package key; apiVersion: the group/version whose kinds live there ("" when none). */
const packages = [
  { repo: "kubernetes+apimachinery", dir: "pkg/apis/meta/v1", protoPkg: "k8s.io.apimachinery.pkg.apis.meta.v1", short: "meta/v1", apiVersion: "meta.k8s.io/v1" },
  { repo: "kubernetes+apimachinery", dir: "pkg/apis/meta/v1beta1", protoPkg: "k8s.io.apimachinery.pkg.apis.meta.v1beta1", short: "meta/v1beta1", apiVersion: "meta.k8s.io/v1beta1" },
  { repo: "kubernetes+apimachinery", dir: "pkg/api/resource", protoPkg: "k8s.io.apimachinery.pkg.api.resource", short: "resource", apiVersion: "" },
  { repo: "kubernetes+apimachinery", dir: "pkg/util/intstr", protoPkg: "k8s.io.apimachinery.pkg.util.intstr", short: "intstr", apiVersion: "" },
  { repo: "kubernetes+apimachinery", dir: "pkg/runtime", protoPkg: "k8s.io.apimachinery.pkg.runtime", short: "runtime", apiVersion: "" },
  ...[
    ["core/v1", "v1"],
    ["apps/v1", "apps/v1"],
    ["batch/v1", "batch/v1"],
    ["autoscaling/v1", "autoscaling/v1"],
    ["autoscaling/v2", "autoscaling/v2"],
    ["policy/v1", "policy/v1"],
    ["rbac/v1", "rbac.authorization.k8s.io/v1"],
    ["coordination/v1", "coordination.k8s.io/v1"],
    ["discovery/v1", "discovery.k8s.io/v1"],
    ["networking/v1", "networking.k8s.io/v1"],
    ["storage/v1", "storage.k8s.io/v1"],
    ["scheduling/v1", "scheduling.k8s.io/v1"],
    ["node/v1", "node.k8s.io/v1"],
    ["events/v1", "events.k8s.io/v1"],
    ["admissionregistration/v1", "admissionregistration.k8s.io/v1"],
    ["certificates/v1", "certificates.k8s.io/v1"],
    ["authentication/v1", "authentication.k8s.io/v1"],
    ["authorization/v1", "authorization.k8s.io/v1"],
    ["flowcontrol/v1", "flowcontrol.apiserver.k8s.io/v1"],
  ].map(([dir, apiVersion]) => ({
    repo: "kubernetes+api",
    dir,
    protoPkg: `k8s.io.api.${dir.replace("/", ".")}`,
    short: dir,
    apiVersion,
  })),
  { repo: "kubernetes+apiextensions-apiserver", dir: "pkg/apis/apiextensions/v1", protoPkg: "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1", short: "apiextensions/v1", apiVersion: "apiextensions.k8s.io/v1" },
  { repo: "kubernetes+kube-aggregator", dir: "pkg/apis/apiregistration/v1", protoPkg: "k8s.io.kube_aggregator.pkg.apis.apiregistration.v1", short: "apiregistration/v1", apiVersion: "apiregistration.k8s.io/v1" },
];

/**
 * Messages whose Go types carry their own JSON (un)marshalling; the codec implements each by
 * name. Their wire fields are fixed and known to the codec.
 */
const special = {
  "resource.Quantity": "@quantity",
  "resource.QuantityValue": "@quantity", // embeds Quantity; same wire form
  "intstr.IntOrString": "@intorstring",
  "meta/v1.Time": "@time",
  "meta/v1.MicroTime": "@microtime",
  "meta/v1.Duration": "@duration",
  "meta/v1.FieldsV1": "@fieldsv1",
  "runtime.RawExtension": "@rawextension",
  "runtime.Unknown": "@unknown",
  "apiextensions/v1.JSON": "@json",
  "apiextensions/v1.JSONSchemaPropsOrArray": "@propsorarray",
  "apiextensions/v1.JSONSchemaPropsOrBool": "@propsorbool",
  "apiextensions/v1.JSONSchemaPropsOrStringArray": "@propsorstringarray",
};

const scalars = new Set(["string", "int32", "int64", "bool", "double", "bytes"]);

function git(repo, ...args) {
  return execFileSync("git", ["--git-dir", join(mirrorRoot, repo, "repo"), ...args], {
    encoding: "utf8",
    maxBuffer: 256 << 20,
  });
}

/** message name -> { fields: [{ label, type, key?, value?, name, num }] } */
function parseProto(text) {
  const messages = new Map();
  let current = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!line) continue;
    let m = /^message (\w+) \{$/.exec(line);
    if (m) {
      current = { name: m[1], fields: [] };
      messages.set(m[1], current);
      continue;
    }
    if (line === "}") {
      current = null;
      continue;
    }
    if (!current) continue;
    m = /^map<\s*([\w.]+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+);$/.exec(line);
    if (m) {
      current.fields.push({ label: "map", key: m[1], value: m[2], name: m[3], num: Number(m[4]) });
      continue;
    }
    m = /^(optional|repeated|required) ([\w.]+) (\w+) = (\d+);$/.exec(line);
    if (!m) throw new Error(`unparsed proto line in ${current.name}: ${line}`);
    current.fields.push({ label: m[1], type: m[2], name: m[3], num: Number(m[4]) });
  }
  return messages;
}

function parseTag(tag) {
  const out = {};
  for (const m of tag.matchAll(/(\w+):"([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

/** Go structs (name -> ordered fields) and named slice types of one package. */
function parseGo(texts) {
  const structs = new Map();
  const slices = new Map();
  const aliases = new Map();
  for (const text of texts) {
    const lines = text.replace(/\/\*[\s\S]*?\*\//g, "").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const sm = /^type (\w+) \[\](\S+)\s*$/.exec(lines[i]);
      if (sm) slices.set(sm[1], sm[2]);
      const am = /^type (\w+) metav1\.(\w+)\s*$/.exec(lines[i]);
      if (am) aliases.set(am[1], am[2]); // `type List metav1.List`
      const em = /^type (\w+) struct\s*\{\s*\}\s*$/.exec(lines[i]);
      if (em) structs.set(em[1], []);
      const m = /^type ([A-Z]\w*) struct \{\s*$/.exec(lines[i]);
      if (!m) continue;
      const fields = [];
      for (i++; i < lines.length && lines[i] !== "}"; i++) {
        const line = lines[i].trim();
        if (!line || line.startsWith("//")) continue;
        const tick = line.indexOf("`");
        const decl = (tick < 0 ? line.replace(/\/\/.*$/, "") : line.slice(0, tick)).trim();
        const tag = tick < 0 ? {} : parseTag(line.slice(tick + 1, line.lastIndexOf("`")));
        const parts = decl.split(/\s+/);
        if (parts.length > 2 || decl.includes(",")) {
          fields.unparsed = line; // fails only if a proto message needs this struct
          continue;
        }
        const embedded = parts.length === 1;
        const goType = embedded ? parts[0] : parts[1];
        const goName = embedded ? goType.replace(/^\*/, "").replace(/^.*\./, "") : parts[0];
        fields.push({ goName, goType, embedded, json: tag.json, protobuf: tag.protobuf });
      }
      structs.set(m[1], fields);
    }
  }
  return { structs, slices, aliases };
}

const byProtoPkg = new Map(packages.map((p) => [p.protoPkg, p]));

/** A proto type reference as our table writes it: scalar, bare name (same package) or short.Name. */
function typeRef(pkg, type) {
  if (scalars.has(type)) return type;
  if (!type.startsWith(".")) return type;
  const full = type.slice(1);
  const dot = full.lastIndexOf(".");
  const owner = byProtoPkg.get(full.slice(0, dot));
  if (!owner) throw new Error(`type from an unknown package: ${type}`);
  return owner === pkg ? full.slice(dot + 1) : `${owner.short}.${full.slice(dot + 1)}`;
}

let metaStructs = new Map(); // meta/v1's Go structs, for `type X metav1.Y` elsewhere
const table = {};
const kinds = {};
const apiVersions = {};
const notes = [];

for (const pkg of packages) {
  const proto = parseProto(git(pkg.repo, "show", `${TAG}:${pkg.dir}/generated.proto`));
  const goFiles = git(pkg.repo, "ls-tree", "--name-only", TAG, `${pkg.dir}/`)
    .split("\n")
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go") && !/generated|fuzz/.test(f));
  const go = parseGo(goFiles.map((f) => git(pkg.repo, "show", `${TAG}:${f}`)));
  if (pkg.short === "meta/v1") metaStructs = go.structs;
  const pkgKinds = [];
  for (const msg of proto.values()) {
    const key = `${pkg.short}.${msg.name}`;
    if (special[key]) {
      table[key] = special[key];
      continue;
    }
    if (go.slices.has(msg.name)) {
      // A named Go slice (`type Verbs []string`): protobuf wraps it in a message with one
      // repeated field 1; JSON sees the bare array.
      const items = msg.fields[0];
      if (msg.fields.length !== 1 || items.num !== 1 || items.label !== "repeated") throw new Error(`odd slice wrapper ${key}`);
      table[key] = `@slice ${typeRef(pkg, items.type)}`;
      continue;
    }
    const alias = go.aliases.get(msg.name);
    const goFields = alias ? metaStructs.get(alias) : go.structs.get(msg.name);
    if (!goFields) throw new Error(`no Go struct for ${key}`);
    if (goFields.unparsed) throw new Error(`unparsed Go field in ${key}: ${goFields.unparsed}`);
    const protoByNum = new Map(msg.fields.map((f) => [f.num, f]));
    const out = [];
    for (const gf of goFields) {
      const jsonTag = gf.json ?? "";
      const [jsonName, ...opts] = jsonTag.split(",");
      if (!gf.protobuf || gf.protobuf === "-") {
        if (gf.embedded && /(^|\.)TypeMeta$/.test(gf.goType) && opts.includes("inline")) {
          pkgKinds.push(msg.name);
        } else if (jsonName !== "-" && !(gf.embedded && opts.includes("inline")) && !opts.includes("omitempty")) {
          notes.push(`${key}.${gf.goName}: JSON field without protobuf tag`);
        }
        continue;
      }
      const num = Number(gf.protobuf.split(",")[1]);
      const pf = protoByNum.get(num);
      if (!pf) throw new Error(`${key}.${gf.goName}: no proto field ${num}`);
      protoByNum.delete(num);
      let type;
      if (pf.label === "map") type = `{${typeRef(pkg, pf.key)}}${typeRef(pkg, pf.value)}`;
      else if (pf.label === "repeated") type = `[]${typeRef(pkg, pf.type)}`;
      else type = typeRef(pkg, pf.type);
      // Go inlines an embedded struct unless its tag names it (`json:",inline"` is the usual spelling).
      const inline = gf.embedded && !jsonName;
      let name = inline ? "" : jsonName || gf.goName;
      if (jsonName === "-") name = "-";
      let flags = "";
      if (opts.includes("omitempty")) flags += "o";
      if (gf.goType.startsWith("*")) flags += "p";
      if (inline) flags += "i";
      if (/[\s:]/.test(name)) throw new Error(`${key}: JSON name ${name} clashes with the table syntax`);
      out.push(`${num}:${name}:${type}${flags ? ":" + flags : ""}`);
    }
    if (protoByNum.size) throw new Error(`${key}: proto fields without Go field: ${[...protoByNum.keys()]}`);
    table[key] = out.join(" ");
  }
  if (pkg.apiVersion) {
    apiVersions[pkg.apiVersion] = pkg.short;
    if (pkgKinds.length) kinds[pkg.short] = pkgKinds.sort().join(" ");
  }
}

const header = `// Generated by gen.mjs from the Kubernetes ${TAG.replace("v0.", "1.")} API sources (k8s.io/api,
// apimachinery, apiextensions-apiserver, kube-aggregator at ${TAG}): generated.proto for
// field numbers and wire types, Go struct tags for JSON names, omitempty, pointers and inlining.
// Do not edit; run \`node src/apiserver/protobuf/gen.mjs\`. Format: see README.md.
`;

const body = `${header}
/** apiVersion -> package key whose messages are that group/version's kinds. */
export const apiVersions: Readonly<Record<string, string>> = ${JSON.stringify(apiVersions, null, 2)};

/** package key -> its kinds (structs embedding TypeMeta), space-separated. */
export const kinds: Readonly<Record<string, string>> = ${JSON.stringify(kinds, null, 2)};

/** "<package>.<Message>" -> fields in Go declaration order, or "@<special>". */
export const messages: Readonly<Record<string, string>> = {
${Object.entries(table)
  .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`)
  .join("\n")}
};
`;

writeFileSync(process.argv[3] ?? join(here, "schema.ts"), body);
console.log(`schema.ts: ${Object.keys(table).length} messages, ${Object.values(kinds).join(" ").split(" ").length} kinds`);
for (const n of notes) console.log(`note: ${n}`);
