/**
 * ObjectMeta validation as kube 1.32's k8s.io/apimachinery/pkg/api/validation (objectmeta.go,
 * generic.go, path/name.go) and pkg/apis/meta/v1/validation: names, labels, annotations, owner
 * references, finalizers, managed fields, and the update rules. Errors come in kube's order; where
 * kube walks a Go map (labels, annotations) the object's own key order is used instead.
 */
import type { FieldError, ManagedFieldsEntry, ObjectMeta, OwnerReference } from "../api/types.js";
import { child, forbidden, goQuote, index, invalid, notSupported, printedValue, required, tooLong } from "./field.js";
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "./strings.js";

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/** kube's ValidateNameFunc: `prefix` is true when checking a generateName (a suffix will follow). */
export type NameValidator = (name: string, prefix: boolean) => string[];

export const fieldImmutableErrorMsg = "field is immutable";
export const isNegativeErrorMsg = "must be greater than or equal to 0";
/** 256 KiB: the total of annotation keys and values. */
export const totalAnnotationSizeLimitB = 256 * 1024;

// ---- names ----

/** path.ValidatePathSegmentName: a name must be usable as one URL path / etcd key segment. */
export function validatePathSegmentName(name: string, prefix: boolean): string[] {
  if (!prefix) {
    if (name === ".") return ["may not be '.'"];
    if (name === "..") return ["may not be '..'"];
  }
  const errs: string[] = [];
  if (name.includes("/")) errs.push("may not contain '/'");
  if (name.includes("%")) errs.push("may not contain '%'");
  return errs;
}

/**
 * kube's maskTrailingDash, bug for bug: a generateName ending in '-' has its last TWO characters
 * replaced by "a" before the DNS check (so "ab-" is checked as "a").
 */
export function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith("-")) return name.slice(0, -2) + "a";
  return name;
}

export function nameIsDNSSubdomain(name: string, prefix: boolean): string[] {
  return isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
}

export function nameIsDNSLabel(name: string, prefix: boolean): string[] {
  return isDNS1123Label(prefix ? maskTrailingDash(name) : name);
}

export function nameIsDNS1035Label(name: string, prefix: boolean): string[] {
  return isDNS1035Label(prefix ? maskTrailingDash(name) : name);
}

export const validateNamespaceName: NameValidator = nameIsDNSLabel;
export const validateServiceAccountName: NameValidator = nameIsDNSSubdomain;

export function validateNonnegativeField(value: number, path: string): FieldError[] {
  return value < 0 ? [invalid(path, value, isNegativeErrorMsg)] : [];
}

// ---- labels, annotations ----

export function validateLabelName(labelName: string, path: string): FieldError[] {
  return isQualifiedName(labelName).map((m) => invalid(path, labelName, m));
}

/** Keys as qualified names, values as label values; every error at `path` itself, as kube does. */
export function validateLabels(labels: Record<string, string> | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(v)) errs.push(invalid(path, v, m));
  }
  return errs;
}

/** Keys as qualified names (case-insensitively), and the 256 KiB total. */
export function validateAnnotations(annotations: Record<string, string> | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
  }
  if (annotationsSize(annotations) > totalAnnotationSizeLimitB) errs.push(tooLong(path, "", totalAnnotationSizeLimitB));
  return errs;
}

export function annotationsSize(annotations: Record<string, string> | null | undefined): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) total += byteLength(k) + byteLength(String(v));
  return total;
}

// ---- owner references ----

/** schema.ParseGroupVersion, for the checks below: undefined when the string has two slashes or more. */
function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === "" || apiVersion === "/") return { group: "", version: "" };
  const parts = apiVersion.split("/");
  if (parts.length === 1) return { group: "", version: apiVersion };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return undefined;
}

function goOwnerReference(r: OwnerReference): string {
  const ptrBool = (b: boolean | undefined): string => (b === undefined ? "(*bool)(nil)" : `(*bool)(${b})`);
  return (
    `v1.OwnerReference{APIVersion:${goQuote(r.apiVersion ?? "")}, Kind:${goQuote(r.kind ?? "")}, ` +
    `Name:${goQuote(r.name ?? "")}, UID:${goQuote(r.uid ?? "")}, Controller:${ptrBool(r.controller)}, ` +
    `BlockOwnerDeletion:${ptrBool(r.blockOwnerDeletion)}}`
  );
}

function validateOwnerReference(ref: OwnerReference, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? "";
  const kind = ref.kind ?? "";
  const gv = parseGroupVersion(apiVersion) ?? { group: "", version: "" };
  if (gv.version === "") errs.push(invalid(child(path, "apiVersion"), apiVersion, "version must not be empty"));
  if (kind === "") errs.push(invalid(child(path, "kind"), kind, "kind must not be empty"));
  if ((ref.name ?? "") === "") errs.push(invalid(child(path, "name"), ref.name ?? "", "name must not be empty"));
  if ((ref.uid ?? "") === "") errs.push(invalid(child(path, "uid"), ref.uid ?? "", "uid must not be empty"));
  // BannedOwners: core/v1 Event may not own anything.
  if (gv.group === "" && gv.version === "v1" && kind === "Event" && parseGroupVersion(apiVersion)) {
    errs.push(invalid(path, printedValue(goOwnerReference(ref)), "/v1, Kind=Event is disallowed from being an owner"));
  }
  return errs;
}

/** Required fields per reference (errors at `path.apiVersion` etc., no index, as kube), one controller only. */
export function validateOwnerReferences(refs: OwnerReference[] | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = "";
  for (const ref of refs ?? []) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const cur = `${ref.kind ?? ""}/${ref.name ?? ""}`;
      if (firstController !== "") {
        const all = `[]v1.OwnerReference{${(refs ?? []).map(goOwnerReference).join(", ")}}`;
        errs.push(
          invalid(
            path,
            printedValue(all),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

// ---- finalizers ----

export const finalizerOrphanDependents = "orphan";
export const finalizerDeleteDependents = "foregroundDeletion";
/** core/v1 FinalizerKubernetes (Namespace spec.finalizers). */
export const finalizerKubernetes = "kubernetes";
const standardFinalizers = new Set([finalizerOrphanDependents, finalizerDeleteDependents, finalizerKubernetes]);

export function isStandardFinalizerName(name: string): boolean {
  return standardFinalizers.has(name);
}

export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path, name, m));
}

/**
 * core validation's ValidateFinalizerName (Namespace spec.finalizers): a qualified name, and a
 * name without '/' must be one of the standard finalizers.
 */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  const errs = validateFinalizerName(name, path);
  if (!name.includes("/") && !isStandardFinalizerName(name)) {
    errs.push(invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"));
  }
  return errs;
}

/** metadata.finalizers: each a qualified name (errors at `path`, no index), not orphan and foregroundDeletion both. */
export function validateFinalizers(finalizers: string[] | null | undefined, path: string): FieldError[] {
  const list = finalizers ?? [];
  const errs: FieldError[] = [];
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes(finalizerOrphanDependents) && list.includes(finalizerDeleteDependents)) {
    errs.push(
      invalid(path, list, `finalizer ${finalizerOrphanDependents} and ${finalizerDeleteDependents} cannot be both set`),
    );
  }
  return errs;
}

/** While an object is being deleted, its finalizers may only shrink. */
export function validateNoNewFinalizers(
  newFinalizers: string[] | null | undefined,
  oldFinalizers: string[] | null | undefined,
  path: string,
): FieldError[] {
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set(newFinalizers ?? [])].filter((f) => !old.has(f)).sort();
  if (extra.length === 0) return [];
  const list = `[]string{${extra.map(goQuote).join(", ")}}`;
  return [forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${list}`)];
}

/**
 * The warnings kube 1.32 gives for finalizers added to a custom resource (apiextensions'
 * validateKubeFinalizerName): `metadata.finalizers: "x": ...`, for the added names in sorted order.
 */
export function finalizerWarnings(
  newFinalizers: string[] | null | undefined,
  oldFinalizers?: string[] | null,
  path = "metadata.finalizers",
): string[] {
  const old = new Set(oldFinalizers ?? []);
  const added = [...new Set(newFinalizers ?? [])].filter((f) => !old.has(f)).sort();
  const warnings: string[] = [];
  for (const f of added) {
    for (const m of isQualifiedName(f)) warnings.push(`${path}: ${goQuote(f)}: ${m}`);
    if (!f.includes("/") && !isStandardFinalizerName(f)) {
      warnings.push(
        f.includes(".")
          ? `${path}: ${goQuote(f)}: prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers`
          : `${path}: ${goQuote(f)}: prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers`,
      );
    }
  }
  return warnings;
}

// ---- managed fields, field manager ----

export const fieldManagerMaxLength = 128;
const maxSubresourceNameLength = 256;

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
export function validateFieldManager(fieldManager: string | undefined, path: string): FieldError[] {
  const fm = fieldManager ?? "";
  const errs: FieldError[] = [];
  if (byteLength(fm) > fieldManagerMaxLength) errs.push(tooLong(path, "", fieldManagerMaxLength));
  let pos = 0; // byte offset, as Go's range over a string reports
  for (const ch of fm) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
      const cp = ch.codePointAt(0)!;
      const u = "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
      errs.push(invalid(path, fm, `invalid character ${u} (at position ${pos})`));
    }
    pos += byteLength(ch);
  }
  return errs;
}

export function validateManagedFields(list: ManagedFieldsEntry[] | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (list ?? []).forEach((f, i) => {
    const p = index(path, i);
    if (f.operation !== "Apply" && f.operation !== "Update") {
      errs.push(invalid(child(p, "operation"), f.operation ?? "", "must be `Apply` or `Update`"));
    }
    if (f.fieldsType && f.fieldsType !== "FieldsV1") {
      errs.push(invalid(child(p, "fieldsType"), f.fieldsType, "must be `FieldsV1`"));
    }
    errs.push(...validateFieldManager(f.manager, child(p, "manager")));
    if (byteLength(f.subresource ?? "") > maxSubresourceNameLength) {
      errs.push(tooLong(child(p, "subresource"), "", maxSubresourceNameLength));
    }
  });
  return errs;
}

// ---- ObjectMeta ----

export interface ObjectMetaOptions {
  /** The resource is namespaced: metadata.namespace is required (else forbidden). */
  namespaced: boolean;
  /** The resource's name rule (nameIsDNSSubdomain for most kinds). */
  nameFn: NameValidator;
}

/** ValidateObjectMetaAccessor: run on create, after generateName has produced a name. */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaOptions, path = "metadata"): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? "";
  if (generateName !== "") {
    for (const m of opts.nameFn(generateName, true)) errs.push(invalid(child(path, "generateName"), generateName, m));
  }
  const name = meta.name ?? "";
  if (name === "") errs.push(required(child(path, "name"), "name or generateName is required"));
  else for (const m of opts.nameFn(name, false)) errs.push(invalid(child(path, "name"), name, m));

  const namespace = meta.namespace ?? "";
  if (opts.namespaced) {
    if (namespace === "") errs.push(required(child(path, "namespace")));
    else for (const m of validateNamespaceName(namespace, false)) errs.push(invalid(child(path, "namespace"), namespace, m));
  } else if (namespace !== "") {
    errs.push(forbidden(child(path, "namespace"), "not allowed on this type"));
  }
  errs.push(...validateNonnegativeField(meta.generation ?? 0, child(path, "generation")));
  errs.push(...validateLabels(meta.labels, child(path, "labels")));
  errs.push(...validateAnnotations(meta.annotations, child(path, "annotations")));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(path, "ownerReferences")));
  errs.push(...validateFinalizers(meta.finalizers, child(path, "finalizers")));
  errs.push(...validateManagedFields(meta.managedFields, child(path, "managedFields")));
  return errs;
}

/** How kube prints a metav1.Time bad value (time.Time.String(); the server's zone taken as UTC). */
export function goTimeString(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "0001-01-01 00:00:00 +0000 UTC";
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  let frac = iso.slice(19, 23).replace(/\.?0+$/, "");
  if (frac === ".") frac = "";
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

function immutable(newVal: unknown, oldVal: unknown, path: string, shown: unknown): FieldError[] {
  return newVal === oldVal ? [] : [invalid(path, shown, fieldImmutableErrorMsg)];
}

/**
 * ValidateImmutableField: `path: Invalid value: <new>: field is immutable` unless the two JSON
 * values are deeply equal (absent and null count as equal, key order does not matter). kube
 * prints Go structs here with %#v; a caller that wants that text passes `shown` (see printedValue).
 */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string, shown: unknown = newVal): FieldError[] {
  return jsonEqual(newVal, oldVal) ? [] : [invalid(path, shown, fieldImmutableErrorMsg)];
}

/**
 * Deep equality of decoded JSON values as kube's Semantic.DeepEqual sees them: undefined and null
 * are both Go's nil, and a nil list equals an empty one.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) {
    const nilish = (x: unknown): boolean => x === null || x === undefined || (Array.isArray(x) && x.length === 0);
    return nilish(a) && nilish(b);
  }
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!jsonEqual(ao[k], bo[k])) return false;
  return true;
}

/** ValidateObjectMetaAccessorUpdate: immutable identity, no generation decrement, then the create checks on the new meta. */
export function validateObjectMetaUpdate(newMeta: ObjectMeta, oldMeta: ObjectMeta, path = "metadata"): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    errs.push(...validateNoNewFinalizers(newMeta.finalizers, oldMeta.finalizers, child(path, "finalizers")));
  }
  const rv = newMeta.resourceVersion ?? "";
  if (rv === "") errs.push(invalid(child(path, "resourceVersion"), rv, "must be specified for an update"));
  if ((newMeta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    errs.push(invalid(child(path, "generation"), newMeta.generation ?? 0, "must not be decremented"));
  }
  const str = (v: string | null | undefined): string => v ?? "";
  errs.push(...immutable(str(newMeta.name), str(oldMeta.name), child(path, "name"), str(newMeta.name)));
  errs.push(...immutable(str(newMeta.namespace), str(oldMeta.namespace), child(path, "namespace"), str(newMeta.namespace)));
  errs.push(...immutable(str(newMeta.uid), str(oldMeta.uid), child(path, "uid"), str(newMeta.uid)));
  errs.push(
    ...immutable(
      sameInstant(newMeta.creationTimestamp, oldMeta.creationTimestamp),
      true,
      child(path, "creationTimestamp"),
      printedValue(goTimeString(newMeta.creationTimestamp)),
    ),
  );
  errs.push(
    ...immutable(
      sameInstant(newMeta.deletionTimestamp, oldMeta.deletionTimestamp),
      true,
      child(path, "deletionTimestamp"),
      newMeta.deletionTimestamp ? printedValue(goTimeString(newMeta.deletionTimestamp)) : null,
    ),
  );
  errs.push(
    ...immutable(
      newMeta.deletionGracePeriodSeconds ?? null,
      oldMeta.deletionGracePeriodSeconds ?? null,
      child(path, "deletionGracePeriodSeconds"),
      newMeta.deletionGracePeriodSeconds ?? null,
    ),
  );
  errs.push(...validateLabels(newMeta.labels, child(path, "labels")));
  errs.push(...validateAnnotations(newMeta.annotations, child(path, "annotations")));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, child(path, "ownerReferences")));
  errs.push(...validateManagedFields(newMeta.managedFields, child(path, "managedFields")));
  return errs;
}

/** Times compare as instants at second precision (metav1.Time is serialized in whole seconds). */
function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a === b;
  return Math.floor(ta / 1000) === Math.floor(tb / 1000);
}

// ---- metav1.LabelSelector (spec.selector of workloads, ...) ----

export interface LabelSelectorValidationOptions {
  /** Skip label-value checks on matchExpressions values (kube relaxes this for old stored objects). */
  allowInvalidLabelValueInSelector?: boolean;
  allowUnknownOperatorInRequirement?: boolean;
}

export interface MetaLabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

/** metav1 validation.ValidateLabelSelector. A null selector is valid here (callers require it themselves). */
export function validateLabelSelector(
  ps: { matchLabels?: Record<string, string> | null; matchExpressions?: MetaLabelSelectorRequirement[] | null } | null | undefined,
  opts: LabelSelectorValidationOptions,
  path: string,
): FieldError[] {
  if (!ps) return [];
  const errs = validateLabels(ps.matchLabels, child(path, "matchLabels"));
  (ps.matchExpressions ?? []).forEach((expr, i) => {
    errs.push(...validateLabelSelectorRequirement(expr, opts, index(child(path, "matchExpressions"), i)));
  });
  return errs;
}

export function validateLabelSelectorRequirement(
  sr: MetaLabelSelectorRequirement,
  opts: LabelSelectorValidationOptions,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const values = sr.values ?? [];
  switch (sr.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) errs.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) {
        errs.push(forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
      break;
    default:
      if (!opts.allowUnknownOperatorInRequirement) {
        errs.push(invalid(child(path, "operator"), sr.operator ?? "", "not a valid selector operator"));
      }
  }
  errs.push(...validateLabelName(sr.key ?? "", child(path, "key")));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(index(child(path, "values"), i), v, m));
    });
  }
  return errs;
}

// ---- request options (create/update/patch/delete query parameters and bodies) ----

/** ValidateDryRun: only "All". */
export function validateDryRun(path: string, dryRun: string[] | null | undefined): FieldError[] {
  const list = dryRun ?? [];
  if (list.every((d) => d === "All")) return [];
  return [notSupported(path, list, ["All"])];
}

/** ValidateFieldValidation: "", Ignore, Strict, Warn (sorted, as kube lists them). */
export function validateFieldValidation(path: string, fieldValidation: string | undefined): FieldError[] {
  const allowed = ["", "Ignore", "Strict", "Warn"];
  const v = fieldValidation ?? "";
  return allowed.includes(v) ? [] : [notSupported(path, v, allowed)];
}

export interface DeleteOptionsLike {
  orphanDependents?: boolean | null;
  propagationPolicy?: string | null;
  dryRun?: string[] | null;
  gracePeriodSeconds?: number | null;
  preconditions?: unknown;
  ignoreStoreReadErrorWithClusterBreakingPotential?: boolean | null;
}

/** ValidateDeleteOptions. */
export function validateDeleteOptions(o: DeleteOptionsLike): FieldError[] {
  const errs: FieldError[] = [];
  const pp = o.propagationPolicy;
  if (o.orphanDependents != null && pp != null) {
    errs.push(invalid("propagationPolicy", pp, "orphanDependents and deletionPropagation cannot be both set"));
  }
  if (pp != null && pp !== "Foreground" && pp !== "Background" && pp !== "Orphan") {
    errs.push(notSupported("propagationPolicy", pp, ["Foreground", "Background", "Orphan", "nil"]));
  }
  errs.push(...validateDryRun("dryRun", o.dryRun));
  if (o.ignoreStoreReadErrorWithClusterBreakingPotential === true) {
    const p = "ignoreStoreReadErrorWithClusterBreakingPotential";
    if ((o.dryRun ?? []).length > 0) errs.push(invalid(p, true, "cannot be set together with .dryRun"));
    if (pp != null) errs.push(invalid(p, true, "cannot be set together with .propagationPolicy"));
    if (o.orphanDependents != null) errs.push(invalid(p, true, "cannot be set together with .orphanDependents"));
    if (o.gracePeriodSeconds != null) errs.push(invalid(p, true, "cannot be set together with .gracePeriodSeconds"));
    if (o.preconditions != null) errs.push(invalid(p, true, "cannot be set together with .preconditions"));
  }
  return errs;
}
