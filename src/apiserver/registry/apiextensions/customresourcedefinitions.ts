/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition (kube's CRD strategy and defaults; the
 * essentials of its validation, 1.32): names, group, scope, versions and the storage version,
 * a schema with an object root, conversion, stored versions, API approval. The full
 * structural-schema and CEL rules are not implemented.
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  forbidden, invalid, isDNS1035Label, isDNS1123Subdomain, notSupported, printedValue, required,
} from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, objAt, objField, s, setDefault, specOf, type Json } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  const names = objField(spec, "names");
  if (s(names.singular) === "") names.singular = s(names.kind).toLowerCase();
  if (s(names.listKind) === "" && s(names.kind) !== "") names.listKind = `${s(names.kind)}List`;
  setDefault(spec, "conversion", { strategy: "None" });
  const svc = objAt(spec, "conversion", "webhook", "clientConfig", "service");
  if (svc) setDefault(svc, "port", 443);
}

function storageVersion(obj: KObject): string | undefined {
  for (const v of arr(objAt(obj.spec)?.versions)) if (isObj(v) && v.storage === true) return s(v.name);
  return undefined;
}

/** The storage version joins status.storedVersions (kube's PrepareForCreate/Update). */
function recordStoredVersion(obj: KObject): void {
  const v = storageVersion(obj);
  if (v === undefined) return;
  const status = objField(obj, "status");
  const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as unknown[]) : [];
  if (!stored.includes(v)) status.storedVersions = [...stored, v];
}

function joined(errs: string[]): string {
  return errs.join(",");
}

function validateNames(names: Json): FieldError[] {
  const errs: FieldError[] = [];
  const p = "spec.names";
  for (const k of ["plural", "singular"]) {
    const v = s(names[k]);
    const e = isDNS1035Label(v);
    if (v.length > 0 && e.length > 0) errs.push(invalid(`${p}.${k}`, v, joined(e)));
  }
  for (const k of ["kind", "listKind"]) {
    const v = s(names[k]);
    const e = isDNS1035Label(v.toLowerCase());
    if (v.length > 0 && e.length > 0) errs.push(invalid(`${p}.${k}`, v, `may have mixed case, but should otherwise match: ${joined(e)}`));
  }
  arr(names.shortNames).forEach((n, i) => {
    const e = isDNS1035Label(s(n));
    if (e.length > 0) errs.push(invalid(`${p}.shortNames[${i}]`, s(n), joined(e)));
  });
  if (s(names.kind) !== "" && names.kind === names.listKind) errs.push(invalid(`${p}.listKind`, s(names.listKind), "kind and listKind may not be the same"));
  arr(names.categories).forEach((c, i) => {
    const e = isDNS1035Label(s(c));
    if (e.length > 0) errs.push(invalid(`${p}.categories[${i}]`, s(c), joined(e)));
  });
  return errs;
}

const versionsValue = (versions: unknown[]) =>
  printedValue(versions.length === 0 ? "[]apiextensions.CustomResourceDefinitionVersion(nil)" : "[]apiextensions.CustomResourceDefinitionVersion{...}");

function validateVersions(versions: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((x, i) => {
    const v = isObj(x) ? x : {};
    const p = `spec.versions[${i}]`;
    const name = s(v.name);
    if (v.storage === true) storageCount++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    const e = isDNS1035Label(name);
    if (e.length > 0) errs.push(invalid(`${p}.name`, name, joined(e)));
    const schema = objAt(v, "schema", "openAPIV3Schema");
    if (!schema) errs.push(required(`${p}.schema.openAPIV3Schema`, "schemas are required"));
    else {
      const type = s(schema.type);
      if (type === "") errs.push(required(`${p}.schema.openAPIV3Schema.type`, "must not be empty at the root"));
      else if (type !== "object") errs.push(invalid(`${p}.schema.openAPIV3Schema.type`, type, "must be object at the root"));
    }
  });
  if (!unique) errs.push(invalid("spec.versions", versionsValue(versions), "must contain unique version names"));
  if (storageCount !== 1) errs.push(invalid("spec.versions", versionsValue(versions), "must have exactly one version marked as storage version"));
  return errs;
}

function validateConversion(conv: unknown): FieldError[] {
  if (!isObj(conv)) return [];
  const p = "spec.conversion";
  const webhook = objAt(conv, "webhook");
  switch (conv.strategy) {
    case "None":
      return webhook?.clientConfig ? [forbidden(`${p}.webhookClientConfig`, "should not be set when strategy is not set to Webhook")] : [];
    case "Webhook": {
      const errs: FieldError[] = [];
      if (!isObj(webhook?.clientConfig)) errs.push(required(`${p}.webhookClientConfig`, "required when strategy is set to Webhook"));
      if (arr(webhook?.conversionReviewVersions).length === 0) {
        errs.push(required(`${p}.conversionReviewVersions`, "must specify one of v1, v1beta1"));
      }
      return errs;
    }
    default:
      return [notSupported(`${p}.strategy`, s(conv.strategy), ["None", "Webhook"])];
  }
}

function isProtectedGroup(group: string): boolean {
  return group === "k8s.io" || group === "kubernetes.io" || group.endsWith(".k8s.io") || group.endsWith(".kubernetes.io");
}

function validateStoredVersions(obj: KObject, versions: unknown[]): FieldError[] {
  const stored = arr(objAt(obj, "status")?.storedVersions).map(s);
  const path = "status.storedVersions";
  if (stored.length === 0) return [invalid(path, printedValue("[]string(nil)"), "must have at least one stored version")];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const x of versions) {
    const v = isObj(x) ? x : {};
    const name = s(v.name);
    if (v.storage === true && !remaining.has(name)) errs.push(invalid(path, printedValue("apiextensions.CustomResourceDefinitionVersion{...}"), `must have the storage version ${name}`));
    remaining.delete(name);
  }
  for (const [v, i] of remaining) errs.push(invalid(`${path}[${i}]`, v, "must appear in spec.versions"));
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const names = objAt(spec, "names") ?? {};
  const group = s(spec.group);
  const errs: FieldError[] = [];
  const name = obj.metadata.name ?? "";
  if (name !== `${s(names.plural)}.${group}`) errs.push(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
  if (group === "") errs.push(required("spec.group"));
  else if (isDNS1123Subdomain(group).length > 0) errs.push(invalid("spec.group", group, joined(isDNS1123Subdomain(group))));
  else if (group.split(".").length < 2) errs.push(invalid("spec.group", group, "should be a domain with at least one dot"));
  const scope = s(spec.scope);
  if (scope === "") errs.push(required("spec.scope"));
  else if (scope !== "Cluster" && scope !== "Namespaced") errs.push(notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));
  const versions = arr(spec.versions);
  errs.push(...validateVersions(versions));
  for (const k of ["plural", "singular", "kind", "listKind"]) if (s(names[k]) === "") errs.push(required(`spec.names.${k}`));
  errs.push(...validateNames(names));
  errs.push(...validateConversion(spec.conversion));
  errs.push(...validateStoredVersions(obj, versions));
  if (isProtectedGroup(group) && obj.metadata.annotations?.["api-approved.kubernetes.io"] === undefined) {
    errs.push(
      required(
        "metadata.annotations[api-approved.kubernetes.io]",
        'protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
      ),
    );
  }
  return errs;
}

function established(obj: KObject): boolean {
  return arr(objAt(obj, "status")?.conditions).some((c) => isObj(c) && c.type === "Established" && c.status === "True");
}

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const names = objAt(spec, "names") ?? {};
  const oldNames = objAt(oldSpec, "names") ?? {};
  const errs: FieldError[] = [];
  // Scope and kind shape the stored objects once the CRD is served.
  if (established(old)) {
    errs.push(...immutable(s(spec.scope), s(oldSpec.scope), "spec.scope"));
    errs.push(...immutable(s(names.kind), s(oldNames.kind), "spec.names.kind"));
  }
  errs.push(...immutable(s(spec.group), s(oldSpec.group), "spec.group"));
  errs.push(...immutable(s(names.plural), s(oldNames.plural), "spec.names.plural"));
  return errs;
}

const lifecycle = specStatusStrategy(
  {
    // v1's status fields have no omitempty: a fresh CRD shows them empty.
    zeroStatus: () => ({ acceptedNames: { kind: "", plural: "" }, conditions: null, storedVersions: [] }),
    generation: true,
    validateStatusUpdate: (obj, old) => validateStoredVersions(obj, arr(objAt(old.spec)?.versions)),
  },
  (obj) => recordStoredVersion(obj),
  (obj) => recordStoredVersion(obj),
);

export const customResourceDefinitionStrategy: Strategy = {
  defaults,
  ...lifecycle,
  validate,
  validateUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
};

