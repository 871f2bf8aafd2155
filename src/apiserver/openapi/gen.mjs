#!/usr/bin/env node
// Builds definitions.ts, the schema data kplane's OpenAPI documents are made from.
//
// Sources, all maintained elsewhere:
// - @kubernetes/client-node's generated models: property names, wire names, types and formats
//   (getAttributeTypeMap), descriptions (the .d.ts doc comments), and required-ness (a property
//   without `?` in the .d.ts is required); and its generated API classes: which group/version
//   serves which kind, and the descriptions of the query parameters.
// - kubernetes-models' interfaces (.d.ts doc comments and types): the descriptions of properties
//   typed by another definition (metadata, spec, template, ...), which client-node does not carry,
//   and the values of enum properties with the part of their description that lists them.
// - markers.txt, kept by hand: what no package carries (patch strategies and merge keys, list,
//   map and struct types, Quantity/RawExtension-typed fields that client-node flattens, and what
//   client-node, generated from Kubernetes 1.34, has that 1.32 does not serve).
//
//   node src/apiserver/openapi/gen.mjs           # rewrites definitions.ts
//   node src/apiserver/openapi/gen.mjs --check   # exits 1 if definitions.ts is stale
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@kubernetes/client-node/package.json"));
const genDir = join(pkgDir, "dist", "gen");
const OUT = join(here, "definitions.ts");

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

// ---------------------------------------------------------------------------------------------
// markers.txt

/** "core/v1" -> "io.k8s.api.core.v1"; meta, apiextensions and apiregistration live elsewhere;
 * a full package name ("io.k8s.apimachinery.pkg.version") stands for itself. */
export function packageOf(short) {
  if (short.startsWith("io.k8s.")) return short;
  const [pkg, version] = short.split("/");
  const special = {
    meta: "io.k8s.apimachinery.pkg.apis.meta",
    apiextensions: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
    apiregistration: "io.k8s.kube-aggregator.pkg.apis.apiregistration",
  };
  return `${special[pkg] ?? `io.k8s.api.${pkg}`}.${version}`;
}

/** Splits "a=b c d=e" into {a: "b", c: "", d: "e"}. */
function attrsOf(words) {
  const attrs = {};
  for (const w of words) {
    const eq = w.indexOf("=");
    if (eq < 0) attrs[w] = "";
    else attrs[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return attrs;
}

/**
 * Reads markers.txt: `[@name]` sections of free lines, and `[group/version]` sections of
 * `Type attrs` / `Type.field attrs` lines.
 */
export function readMarkers(text = readFileSync(join(here, "markers.txt"), "utf8")) {
  /** @type {Map<string, {attrs: Record<string,string>, fields: Map<string, Record<string,string>>}>} */
  const byDef = new Map();
  /** @type {Record<string, string[]>} */
  const sections = {};
  let pkg = "";
  let section = "";
  for (const [i, raw] of text.split("\n").entries()) {
    if (/^\s*(#|$)/.test(raw)) continue;
    // A trailing "# ..." is a comment too, except in JSON definitions.
    const line = (section === "definitions" ? raw : raw.replace(/\s#\s.*$/, "")).trim();
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1].startsWith("@") ? head[1].slice(1) : "";
      if (section) sections[section] ??= [];
      else pkg = packageOf(head[1]);
      continue;
    }
    if (section) {
      sections[section].push(line);
      continue;
    }
    if (!pkg) throw new Error(`markers.txt:${i + 1}: no [group/version] section yet`);
    const [target, ...rest] = line.split(/\s+/);
    const [typeName, field] = target.split(".");
    const def = `${pkg}.${typeName}`;
    let entry = byDef.get(def);
    if (!entry) byDef.set(def, (entry = { attrs: {}, fields: new Map() }));
    if (field) entry.fields.set(field, { ...entry.fields.get(field), ...attrsOf(rest) });
    else Object.assign(entry.attrs, attrsOf(rest));
  }
  return { byDef, sections };
}

// ---------------------------------------------------------------------------------------------
// client-node: API classes

/** The package a group's types live in (kube's definition-name prefix, without version). */
function groupPackage(group) {
  if (group === "") return "io.k8s.api.core";
  const exceptions = {
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
    "apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration",
    "internal.apiserver.k8s.io": "io.k8s.api.apiserverinternal",
  };
  return exceptions[group] ?? `io.k8s.api.${group.split(".")[0]}`;
}

function unescapeDoc(s) {
  return s
    .replace(/\\?&#39;/g, "'")
    .replace(/\\?&quot;/g, '"')
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\(["'\\])/g, "$1")
    .trim();
}

/** A group/version API path: "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale". */
const API_PATH = /^\/(?:api|apis\/([^/]+))\/(v[^/]+)\/(?:namespaces\/\{namespace\}\/)?([a-z0-9]+)(?:\/\{name\}(?:\/([a-z]+))?)?(?:\/\{path\})?$/;

/**
 * Every operation of the generated API classes: path, HTTP method, body and result classes,
 * and the descriptions of its parameters.
 */
export function readApis() {
  const dir = join(genDir, "apis");
  const ops = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/Api\.js$/.test(file) || file === "CustomObjectsApi.js") continue;
    const src = readFileSync(join(dir, file), "utf8");
    const split = src.indexOf("ResponseProcessor {");
    if (split < 0) continue;
    const results = new Map();
    for (const m of src.slice(split).matchAll(/async (\w+)WithHttpInfo\(response\) \{([\s\S]*?)\n {4}\}/g)) {
      const t = /deserialize\([^;]*?, "([^"]+)", ""\)/.exec(m[2]);
      if (t) results.set(m[1], t[1]);
    }
    const re = /\/\*\*([\s\S]*?)\*\/\s*async (\w+)\(([^)]*)\) \{([\s\S]*?)\n {4}\}/g;
    for (const [, doc, name, , body] of src.slice(0, split).matchAll(re)) {
      const path = /localVarPath = '([^']+)'/.exec(body)?.[1];
      const method = /HttpMethod\.(\w+)/.exec(body)?.[1];
      if (!path || !method) continue;
      const params = {};
      for (const l of doc.split("\n")) {
        const p = /^\s*\* @param (\w+)\s*(.*)$/.exec(l);
        if (p && p[2]) params[p[1].replace(/^_/, "")] = unescapeDoc(p[2]);
      }
      const bodyType = /serialize\(body, "([^"]+)"/.exec(body)?.[1];
      ops.push({ name, path, method, bodyType, result: results.get(name), params });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// client-node: models

/** Class and property descriptions, and which properties are optional, from a .d.ts. */
function readDts(cls) {
  const src = readFileSync(join(genDir, "models", `${cls}.d.ts`), "utf8");
  const classDoc = /\/\*\*\n\* ([\s\S]*?)\n\*\/\nexport declare class/.exec(src);
  const props = new Map();
  const re = /(?:\/\*\*\n {4}\* ([\s\S]*?)\n {4}\*\/\n)? {4}'([^']+)'(\??):/g;
  for (const m of src.matchAll(re)) {
    props.set(m[2], { description: m[1] ? unescapeDoc(m[1]) : "", optional: m[3] === "?" });
  }
  return { description: classDoc ? unescapeDoc(classDoc[1]) : "", props };
}

export async function readModels() {
  const all = await import(pathToFileURL(join(genDir, "models", "all.js")).href);
  const models = new Map();
  for (const [cls, value] of Object.entries(all)) {
    if (typeof value !== "function" || typeof value.getAttributeTypeMap !== "function") continue;
    models.set(cls, { attrs: value.getAttributeTypeMap(), ...readDts(cls) });
  }
  return models;
}

/** Model classes a client-node type string mentions ("Array<V1Container>" -> ["V1Container"]). */
function classesIn(type, models) {
  return [...type.matchAll(/\w+/g)].map((m) => m[0]).filter((t) => models.has(t));
}

// ---------------------------------------------------------------------------------------------
// kubernetes-models: the descriptions of fields whose type is another definition, and enums

/**
 * client-node's .d.ts documents no property typed by another model (metadata, spec, template,
 * ...): kube's spec describes those at the property, beside the $ref. kubernetes-models (and
 * @kubernetes-models/apimachinery for meta types) keeps them in its interfaces' doc comments,
 * with v3's text for enums ("Possible enum values: ...") and their values as union types.
 * Returns definition name -> property -> { description, enum?, enumDoc? }, for every definition
 * it documents.
 */
export function readModelsDocs() {
  const dirs = ["kubernetes-models", "@kubernetes-models/apimachinery"].map((p) => dirname(require.resolve(`${p}/package.json`)));
  const out = new Map();
  const visit = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "_schemas") visit(path);
      } else if (e.name.endsWith(".d.ts")) readModelDts(path, out);
    }
  };
  for (const d of dirs) visit(d);
  return out;
}

function readModelDts(path, out) {
  const src = readFileSync(path, "utf8");
  // `export { IPod as IIoK8sApiCoreV1Pod, ... }`: the interface and its full name.
  const alias = /export (?:type )?\{ (I\w+) as I(\w+)/.exec(src);
  if (!alias) return;
  const body = new RegExp(`export interface ${alias[1]}\\b[^{]*\\{\\n([\\s\\S]*?)\\n\\}`).exec(src);
  if (!body) return;
  const props = new Map();
  for (const m of body[1].matchAll(/ {4}\/\*\*\n((?: {5}\*.*\n)+) {5}\*\/\n {4}"([^"]+)"\??: ([^;\n]+);/g)) {
    const lines = m[1].split("\n").filter((l) => l !== "").map((l) => l.replace(/^ {5}\* ?/, ""));
    // Markdown asterisks are escaped in the comments (`\*`), as `*/` would end them.
    const description = lines.join("\n").replace(/\\\*/g, "*").replace(/\*\\\//g, "*/");
    props.set(m[2], { description, ...enumOf(description, m[3]) });
  }
  out.set(alias[2], props);
}

/**
 * A property kube marks `+enum`: its v3 description ends with "Possible enum values:" and a
 * line per value, and kubernetes-models types it as the union of those strings. Returns the
 * values and that part of the description (kube's v2 document has neither), or nothing.
 */
function enumOf(description, type) {
  const at = description.indexOf("Possible enum values:");
  if (at < 0 || !/^"[^"]*"(?: \| "[^"]*")*$/.test(type)) return {};
  const values = type.split(" | ").map((v) => JSON.parse(v));
  const doc = description.slice(at);
  for (const v of values) if (!doc.includes(`- \`${JSON.stringify(v)}\``)) throw new Error(`enum value ${v} is not in its description: ${doc}`);
  return { enum: values, enumDoc: doc };
}

/** A definition name as kubernetes-models spells it: "io.k8s.kube-aggregator.pkg" -> "IoK8sKubeAggregatorPkg". */
function modelsAlias(def) {
  return def.split(/[.-]/).map((s) => s[0].toUpperCase() + s.slice(1)).join("");
}

// ---------------------------------------------------------------------------------------------
// class name -> kube definition name

const CLASS_NAME = /^(?:([A-Z][a-z]+))?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

/**
 * The rule: a class is named `<Version><Name>`, or `<Package><Version><Name>` where two
 * packages define the same name (CoreV1Event, EventsV1Event). An unprefixed class is in the
 * package of the group whose paths serve it as a resource; a class no path serves is in the
 * package of the resources that reach it: the only one, or core when core is among several.
 * The exceptions (meta/v1's types, and a few the rule places wrong) are pinned in markers.txt.
 */
export function nameClasses(models, ops, pinned) {
  /** @type {Map<string, string>} class -> package (with version) */
  const pkgOf = new Map(pinned);
  const byShort = new Map(); // "core" -> "io.k8s.api.core"
  for (const op of ops) {
    const m = API_PATH.exec(op.path);
    if (!m) continue;
    const base = groupPackage(m[1] ?? "");
    byShort.set(base.split(".").pop(), base);
    if (m[4]) continue; // a subresource may serve another group's kind (Scale, Eviction)
    for (const cls of [op.result, op.bodyType]) {
      if (cls && models.has(cls) && !pkgOf.has(cls) && !CLASS_NAME.exec(cls)?.[1]) {
        pkgOf.set(cls, `${base}.${m[2]}`);
      }
    }
  }
  const refs = (cls) => models.get(cls).attrs.flatMap((a) => classesIn(a.type, models));
  // meta/v1: everything the pinned meta types reach.
  const metaQueue = [...pkgOf].filter(([, p]) => p === META).map(([c]) => c);
  while (metaQueue.length) {
    for (const r of refs(metaQueue.pop())) {
      if (!pkgOf.has(r)) {
        pkgOf.set(r, META);
        metaQueue.push(r);
      }
    }
  }
  // A prefix names the package.
  for (const cls of models.keys()) {
    const m = CLASS_NAME.exec(cls);
    if (!m?.[1] || pkgOf.has(cls)) continue;
    const base = byShort.get(m[1].toLowerCase());
    if (!base) throw new Error(`no package for the prefix of ${cls}`);
    pkgOf.set(cls, `${base}.${m[2].toLowerCase()}`);
  }
  // The rest: the packages of the resources that reach them.
  const reachedFrom = new Map();
  for (const [root, pkg] of [...pkgOf]) {
    if (pkg === META) continue;
    const base = pkg.replace(/\.[^.]+$/, "");
    const seen = new Set([root]);
    const queue = [root];
    while (queue.length) {
      for (const r of refs(queue.pop())) {
        if (seen.has(r) || pkgOf.has(r)) continue;
        seen.add(r);
        queue.push(r);
        if (!reachedFrom.has(r)) reachedFrom.set(r, new Set());
        reachedFrom.get(r).add(base);
      }
    }
  }
  for (const [cls, bases] of reachedFrom) {
    const version = CLASS_NAME.exec(cls)?.[2].toLowerCase();
    const base = bases.size === 1 ? [...bases][0] : bases.has("io.k8s.api.core") ? "io.k8s.api.core" : undefined;
    if (!base) throw new Error(`${cls} is reached from ${[...bases].join(", ")}: pin it in markers.txt`);
    pkgOf.set(cls, `${base}.${version}`);
  }
  const names = new Map([["VersionInfo", "io.k8s.apimachinery.pkg.version.Info"]]);
  for (const cls of models.keys()) {
    const m = CLASS_NAME.exec(cls);
    const pkg = pkgOf.get(cls);
    if (m && pkg) names.set(cls, `${pkg}.${m[3]}`);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// schemas

/** A client-node type string as a schema; `$ref`s hold bare definition names. */
function schemaOf(type, format, names) {
  let m = /^Array<(.+)>$/.exec(type);
  if (m) return { type: "array", items: schemaOf(m[1], format, names) };
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) return { type: "object", additionalProperties: schemaOf(m[1], format, names) };
  switch (type) {
    case "string":
      return format ? { type: "string", format } : { type: "string" };
    case "number":
      return format === "double" ? { type: "number", format } : { type: "integer", format };
    case "boolean":
      return { type: "boolean" };
    case "Date":
      return { $ref: `${META}.Time` };
    case "V1MicroTime":
      return { $ref: `${META}.MicroTime` };
    case "IntOrString":
      return { $ref: INT_OR_STRING };
    case "any":
      return { type: "object" };
  }
  const name = names.get(type);
  if (!name) throw new Error(`no definition name for ${type}`);
  return { $ref: name };
}

/**
 * markers.txt's type shorthand: "Quantity", "map:Quantity", "[]JSON", "object"; a bare name is a
 * definition in the same package, a dotted one ("meta/v1.FieldsV1") in another.
 */
function schemaOfShorthand(s, pkg) {
  if (s.startsWith("map:")) return { type: "object", additionalProperties: schemaOfShorthand(s.slice(4), pkg) };
  if (s.startsWith("[]")) return { type: "array", items: schemaOfShorthand(s.slice(2), pkg) };
  if (s === "object" || s === "string") return { type: s };
  if (s === "Quantity") return { $ref: QUANTITY };
  if (s === "RawExtension") return { $ref: "io.k8s.apimachinery.pkg.runtime.RawExtension" };
  const dot = s.lastIndexOf(".");
  return { $ref: dot < 0 ? `${pkg}.${s}` : `${packageOf(s.slice(0, dot))}.${s.slice(dot + 1)}` };
}

/** Field markers as OpenAPI extensions, on the property schema `p`. */
function applyFieldMarkers(p, attrs, where) {
  for (const [k, v] of Object.entries(attrs)) {
    switch (k) {
      case "smp": {
        const [strategy, key] = v.split("/");
        p["x-kubernetes-patch-strategy"] = strategy;
        if (key) p["x-kubernetes-patch-merge-key"] = key;
        break;
      }
      case "list": {
        const [type, keys] = v.split("/");
        p["x-kubernetes-list-type"] = type;
        if (keys) p["x-kubernetes-list-map-keys"] = keys.split(",");
        break;
      }
      case "map":
        p["x-kubernetes-map-type"] = v;
        break;
      case "type":
      case "required":
        break;
      default:
        throw new Error(`${where}: unknown marker ${k}`);
    }
  }
}

/** "type:localhostProfile=LocalhostProfile,..." -> kube's x-kubernetes-unions entry. */
function unionOf(v) {
  const [discriminator, members] = v.split(":");
  const fields = {};
  for (const m of members.split(",")) {
    const [json, go] = m.split("=");
    fields[json] = go;
  }
  return [{ discriminator, "fields-to-discriminateBy": fields }];
}

/** A copy of `v` with object keys sorted, as kube's generator emits them. */
function sorted(v) {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// assembly

export async function generate(markersText) {
  const ops = readApis();
  const models = await readModels();
  const modelsDocs = readModelsDocs();
  const { byDef, sections } = readMarkers(markersText);
  const pinned = (sections.package ?? []).map((l) => {
    const [cls, short] = l.split(/\s+/);
    return [cls, packageOf(short)];
  });
  const names = nameClasses(models, ops, pinned);
  const classOf = new Map([...names].map(([c, n]) => [n, c]));

  const servedGVs = (sections.served ?? []).flatMap((l) => l.split(/\s+/));
  const servedPackages = new Set([META, "io.k8s.apimachinery.pkg.version", ...servedGVs.map(packageOf)]);
  const groupOfPackage = new Map();
  for (const op of ops) {
    const m = API_PATH.exec(op.path);
    if (m) groupOfPackage.set(`${groupPackage(m[1] ?? "")}.${m[2]}`, m[1] ?? "");
  }
  /** Definitions and fields client-node has that 1.32 does not serve. */
  const after = new Set();
  for (const l of sections["after-1.32"] ?? []) {
    const [short, ...targets] = l.split(/\s+/);
    for (const t of targets) after.add(`${packageOf(short)}.${t}`);
  }
  const dropped = (def, field) => after.has(field ? `${def}.${field}` : def);

  // Roots: what served paths return or accept, and the pinned classes.
  const roots = new Set(["VersionInfo", ...pinned.map(([c]) => c)]);
  const kinds = new Map(); // definition -> GVK
  for (const op of ops) {
    const m = API_PATH.exec(op.path);
    if (!m || !servedPackages.has(`${groupPackage(m[1] ?? "")}.${m[2]}`)) continue;
    for (const cls of [op.result, op.bodyType]) {
      const def = cls && names.get(cls);
      if (!def || dropped(def)) continue;
      roots.add(cls);
      const pkg = def.replace(/\.[^.]+$/, "");
      if (pkg !== META) {
        kinds.set(def, { group: groupOfPackage.get(pkg), kind: def.split(".").pop(), version: pkg.split(".").pop() });
      }
    }
  }

  // The closure of the roots, following only the fields 1.32 has.
  const keep = new Set();
  const queue = [...roots];
  while (queue.length) {
    const cls = queue.pop();
    const def = names.get(cls);
    if (keep.has(def)) continue;
    if (!servedPackages.has(def.replace(/\.[^.]+$/, ""))) {
      throw new Error(`${def} (${cls}) is reached but its package is not served`);
    }
    keep.add(def);
    const fieldMarkers = byDef.get(def)?.fields;
    for (const a of models.get(cls).attrs) {
      if (dropped(def, a.baseName) || fieldMarkers?.get(a.baseName)?.type) continue;
      queue.push(...classesIn(a.type, models));
    }
  }

  const definitions = {};
  for (const def of [...keep].sort()) {
    const cls = classOf.get(def);
    const model = models.get(cls);
    const pkg = def.replace(/\.[^.]+$/, "");
    const markers = byDef.get(def);
    const properties = {};
    const required = [];
    for (const a of model.attrs) {
      if (dropped(def, a.baseName)) continue;
      const fm = markers?.fields.get(a.baseName) ?? {};
      const p = fm.type ? schemaOfShorthand(fm.type, pkg) : schemaOf(a.type, a.format, names);
      const doc = model.props.get(a.name);
      // A property typed by another definition is described by kubernetes-models where it
      // documents the definition: client-node has nothing there, or the type's own text
      // (Quantity, IntOrString, Time: the fields markers.txt types).
      const modelDocs = modelsDocs.get(modelsAlias(def));
      const modelDoc = modelDocs?.get(a.baseName);
      const description = p.$ref && modelDocs ? modelDoc?.description : doc?.description;
      if (description) p.description = description;
      // An enum: its values, and the description's part that lists them (v3 only; schemas.ts).
      if (modelDoc?.enum && p.type === "string") {
        p.enum = modelDoc.enum;
        p["x-kplane-enum-description"] = modelDoc.enumDoc;
      }
      applyFieldMarkers(p, fm, `${def}.${a.baseName}`);
      properties[a.baseName] = p;
      if ((doc && !doc.optional) || "required" in fm) required.push(a.baseName);
    }
    for (const f of markers?.fields.keys() ?? []) {
      if (!(f in properties)) throw new Error(`markers.txt: ${def} has no field ${f}`);
    }
    const schema = { description: model.description, type: "object", properties };
    if (required.length) schema.required = required;
    for (const [k, v] of Object.entries(markers?.attrs ?? {})) {
      if (k === "map") schema["x-kubernetes-map-type"] = v;
      else if (k === "union") schema["x-kubernetes-unions"] = unionOf(v);
      else if (k === "gvk") {
        const [group, version, kind] = v.split("/");
        kinds.set(def, { group, kind, version });
      } else throw new Error(`markers.txt: ${def}: unknown marker ${k}`);
    }
    const gvk = kinds.get(def);
    if (gvk) schema["x-kubernetes-group-version-kind"] = [gvk];
    definitions[def] = schema;
  }
  for (const def of byDef.keys()) {
    if (!definitions[def] && !dropped(def)) throw new Error(`markers.txt names ${def}, which is not generated`);
  }
  // Types no package has: kept whole in markers.txt.
  for (const l of sections.definitions ?? []) {
    const sp = l.indexOf(" ");
    definitions[l.slice(0, sp)] = JSON.parse(l.slice(sp + 1));
  }
  for (const [def, schema] of Object.entries(definitions)) {
    JSON.stringify(schema, (k, v) => {
      if (k === "$ref" && typeof v === "string" && !definitions[v]) throw new Error(`${def} refers to ${v}, which is not defined`);
      return v;
    });
  }

  const kindIndex = {};
  for (const [def, gvk] of kinds) {
    if (definitions[def]) kindIndex[`${gvk.group}/${gvk.version}/${gvk.kind}`] = def;
  }
  return {
    source: `@kubernetes/client-node ${JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version}, kubernetes-models ${JSON.parse(readFileSync(require.resolve("kubernetes-models/package.json"), "utf8")).version} and markers.txt`,
    kinds: sorted(kindIndex),
    parameters: sorted(parameterDocs(ops)),
    definitions: sorted(definitions),
  };
}

/** A JS string literal for `s` (single quotes: the JSON inside is full of double ones). */
function jsString(s) {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** definitions.ts: the data as a module (bundles with the server; each schema parsed on use). */
export function render(data) {
  const entries = (obj, value) => Object.entries(obj).map(([k, v]) => `  ${JSON.stringify(k)}: ${value(v)},`).join("\n");
  return `// Generated by gen.mjs from ${data.source}.
// Do not edit: change markers.txt or gen.mjs and run \`node src/apiserver/openapi/gen.mjs\`.

/** "group/version/Kind" -> the definition of that kind. */
export const kinds: Record<string, string> = {
${entries(data.kinds, (v) => JSON.stringify(v))}
};

/** Descriptions of query and path parameters: by name, or "<variant>.<name>" where they differ. */
export const parameters: Record<string, string> = {
${entries(data.parameters, (v) => JSON.stringify(v))}
};

/** Definition name -> its schema as JSON, \`$ref\`s holding bare definition names. */
export const definitions: Record<string, string> = {
${entries(data.definitions, (v) => jsString(JSON.stringify(v)))}
};
`;
}

/**
 * Query and path parameter descriptions, from the built-in API classes. The common wording is
 * under the parameter's name; where an operation says something else (a patch's fieldManager,
 * exec's container) it is under "<variant>.<name>".
 */
function parameterDocs(ops) {
  const variants = new Map(); // name -> Map(description -> Map(variant -> count))
  for (const op of ops) {
    const m = API_PATH.exec(op.path);
    if (!m || op.name.endsWith("WithPath")) continue; // there `path` is the {path} segment
    const variant = m[4] && /^connect|Log$/.test(op.name) ? `${m[3]}/${m[4]}` : /^[a-z]+/.exec(op.name)[0];
    for (const [name, description] of Object.entries(op.params)) {
      if (name === "name" || name === "body") continue;
      if (!variants.has(name)) variants.set(name, new Map());
      const byDesc = variants.get(name);
      if (!byDesc.has(description)) byDesc.set(description, new Map());
      byDesc.get(description).set(variant, (byDesc.get(description).get(variant) ?? 0) + 1);
    }
  }
  const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  const out = {};
  for (const [name, byDesc] of variants) {
    const [common] = [...byDesc].sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1))[0];
    out[name] = common;
    for (const [description, vs] of byDesc) {
      if (description !== common) for (const v of vs.keys()) out[`${v}.${name}`] = description;
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render(await generate());
  if (process.argv.includes("--check")) {
    const same = readFileSync(OUT, "utf8") === text;
    console.log(same ? "definitions.ts is up to date" : "definitions.ts is stale: run node src/apiserver/openapi/gen.mjs");
    process.exit(same ? 0 : 1);
  }
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT} (${text.length} bytes)`);
}
