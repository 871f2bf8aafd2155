/**
 * certificates.k8s.io/v1 CertificateSigningRequest (kube's csr strategies for the main
 * resource, /status and /approval, defaults and validation; 1.32). The requester's identity is
 * stamped from the request; the spec never changes after create.
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  duplicate, forbidden, invalid, isDNS1123Label, isDNS1123Subdomain, jsonEqual, notSupported, printedValue, required, tooLong,
} from "../../validation/index.js";
import type { Strategy, StrategyContext, SubresourceStrategy } from "../types.js";
import { clone, keepSpec, markUpdate, oldObjectOf } from "../groupsupport/lifecycle.js";
import { arr, isObj, objField, s, type Json } from "../groupsupport/json.js";
import { checkCertificateRequest, checkCertificates, goBytes } from "./pem.js";

const usages = [
  "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only",
  "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement",
  "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping",
];
const legacyUnknownSignerName = "kubernetes.io/legacy-unknown";

function decoded(v: unknown): Buffer {
  return typeof v === "string" ? Buffer.from(v, "base64") : Buffer.alloc(0);
}

function conditionsOf(obj: KObject): Json[] {
  return arr(isObj(obj.status) ? obj.status.conditions : undefined).filter(isObj);
}

function defaults(obj: KObject): void {
  for (const c of conditionsOf(obj)) if (s(c.status) === "") c.status = "True";
}

/** ValidateSignerName. */
function validateSignerName(name: string, path: string): FieldError[] {
  if (name.length === 0) return [required(path)];
  const segments = name.split("/");
  if (segments.length !== 2) return [invalid(path, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, rest] = segments as [string, string];
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(tooLong(path, domain, 253));
  const labels = domain.split(".");
  for (const lbl of labels) {
    const e = isDNS1123Label(lbl);
    if (e.length > 0) {
      for (const m of e) errs.push(invalid(path, domain, `validating label ${JSON.stringify(lbl)}: ${m}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(invalid(path, domain, "should be a domain with at least two segments separated by dots"));
  for (const lbl of rest.split(".")) {
    const e = isDNS1123Subdomain(lbl);
    if (e.length > 0) {
      for (const m of e) errs.push(invalid(path, rest, `validating label ${JSON.stringify(lbl)}: ${m}`));
      break;
    }
  }
  const maxPath = 253 - domain.length - 1;
  if (rest.length > maxPath) errs.push(tooLong(path, rest, maxPath));
  return errs;
}

interface Options {
  allowUnknownUsages: boolean;
  allowDuplicateUsages: boolean;
  allowLegacySignerName: boolean;
  allowArbitraryCertificate: boolean;
}

/** What an old object already had that newer rules reject stays allowed on update. */
function optionsFor(obj: KObject, old: KObject | undefined): Options {
  if (!old) return { allowUnknownUsages: false, allowDuplicateUsages: false, allowLegacySignerName: false, allowArbitraryCertificate: false };
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const oldUsages = arr(oldSpec.usages).map(s);
  const oldCert = isObj(old.status) ? s(old.status.certificate) : "";
  const newCert = isObj(obj.status) ? s(obj.status.certificate) : "";
  return {
    allowUnknownUsages: oldUsages.some((u) => !usages.includes(u)),
    allowDuplicateUsages: new Set(oldUsages).size !== oldUsages.length,
    allowLegacySignerName: s(oldSpec.signerName) === legacyUnknownSignerName,
    allowArbitraryCertificate: newCert === oldCert && checkCertificates(decoded(oldCert).toString("latin1")) !== undefined,
  };
}

function validateConditionList(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const path = "status.conditions";
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(obj).forEach((c, i) => {
    const type = s(c.type);
    const status = s(c.status);
    if (type === "") errs.push(required(`${path}[${i}].type`));
    if (!["True", "False", "Unknown"].includes(status)) errs.push(notSupported(`${path}[${i}].status`, status, ["True", "False", "Unknown"]));
    if (type === "Approved" || type === "Denied") {
      if (type === "Approved") approved = true;
      else denied = true;
      if (status !== "True") errs.push(notSupported(`${path}[${i}].status`, status, ["True"]));
    }
    if (seen.has(type)) errs.push(duplicate(`${path}[${i}].type`, type));
    seen.add(type);
  });
  if (approved && denied) errs.push(invalid(path, printedValue("[]certificates.CertificateSigningRequestCondition{...}"), "only one of Approved or Denied is allowed"));
  return errs;
}

function validateCSR(obj: KObject, opts: Options): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const request = decoded(spec.request);
  const reqErr = checkCertificateRequest(request.toString("latin1"));
  if (reqErr) errs.push(invalid("spec.request", printedValue(goBytes(request)), reqErr));
  const list = arr(spec.usages).map(s);
  if (list.length === 0) errs.push(required("spec.usages"));
  if (!opts.allowUnknownUsages) {
    list.forEach((u, i) => {
      if (!usages.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, usages));
    });
  }
  if (!opts.allowDuplicateUsages) {
    const seen = new Set<string>();
    list.forEach((u, i) => {
      if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
      seen.add(u);
    });
  }
  const signer = s(spec.signerName);
  if (!opts.allowLegacySignerName && signer === legacyUnknownSignerName) {
    errs.push(invalid("spec.signerName", signer, "the legacy signerName is not allowed via this API version"));
  } else {
    errs.push(...validateSignerName(signer, "spec.signerName"));
  }
  const exp = spec.expirationSeconds;
  if (typeof exp === "number" && exp < 600) errs.push(invalid("spec.expirationSeconds", exp, "may not specify a duration less than 600 seconds (10 minutes)"));
  errs.push(...validateConditionList(obj));
  if (!opts.allowArbitraryCertificate) {
    const certErr = checkCertificates(decoded(isObj(obj.status) ? obj.status.certificate : undefined).toString("latin1"));
    if (certErr) errs.push(invalid("status.certificate", "<certificate data>", certErr));
  }
  return errs;
}

/** The update rules shared by the main resource, /status and /approval. */
function validateCSRUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = validateCSR(obj, optionsFor(obj, old));
  for (const t of ["Approved", "Denied", "Failed"]) {
    const before = conditionsOf(old).filter((c) => c.type === t);
    const after = conditionsOf(obj).filter((c) => c.type === t);
    if (after.length < before.length) errs.push(forbidden("status.conditions", `updates may not remove a condition of type "${t}"`));
    for (let i = 0; i < before.length && i < after.length; i++) {
      if (!jsonEqual(before[i], after[i])) {
        errs.push(forbidden("status.conditions", `updates may not modify a condition of type "${t}"`));
        break;
      }
    }
  }
  const newCert = isObj(obj.status) ? s(obj.status.certificate) : "";
  const oldCert = isObj(old.status) ? s(old.status.certificate) : "";
  if (newCert !== oldCert && oldCert.length > 0) {
    errs.push(invalid("status.certificate", "<certificate data>", "updates may not modify existing certificate content"));
  }
  return errs;
}

/** Condition times the client left out: now, or kept from the same condition before. */
function populateConditionTimestamps(obj: KObject, old: KObject, ctx: StrategyContext): void {
  const now = ctx.now.toISOString().replace(/\.\d{3}Z$/, "Z");
  for (const c of conditionsOf(obj)) {
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const prev = conditionsOf(old).find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = prev ? prev.lastTransitionTime : now;
    }
  }
}

/** Approved/Denied conditions already present stay exactly as they were. */
function preserveConditions(obj: KObject, old: KObject, type: string): void {
  const status = objField(obj, "status");
  const keep = conditionsOf(old).filter((c) => c.type === type);
  const others = conditionsOf(obj).filter((c) => c.type !== type);
  const added = conditionsOf(obj).filter((c) => c.type === type).slice(keep.length);
  status.conditions = [...others, ...clone(keep), ...added];
}

const statusStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old, ctx) {
    keepSpec(obj, old);
    preserveConditions(obj, old, "Approved");
    preserveConditions(obj, old, "Denied");
    populateConditionTimestamps(obj, old, ctx);
  },
  validateUpdate: validateCSRUpdate,
};

const approvalStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old, ctx) {
    populateConditionTimestamps(obj, old, ctx);
    const conditions = conditionsOf(obj);
    keepSpec(obj, old);
    obj.status = { ...clone(isObj(old.status) ? old.status : {}), conditions };
  },
  validateUpdate: validateCSRUpdate,
};

export const certificateSigningRequestStrategy: Strategy = {
  defaults,
  prepareForCreate(obj, ctx) {
    const spec = objField(obj, "spec");
    for (const k of ["username", "uid", "groups", "extra"]) delete spec[k];
    // The requester is whoever made the request.
    if (ctx.user) {
      spec.username = ctx.user.name;
      if (ctx.user.uid) spec.uid = ctx.user.uid;
      if (ctx.user.groups.length > 0) spec.groups = [...ctx.user.groups];
    }
    obj.status = {};
  },
  prepareForUpdate(obj, old) {
    markUpdate(obj, old);
    keepSpec(obj, old);
    if (old.status === undefined) delete obj.status;
    else obj.status = clone(old.status);
  },
  validate(obj) {
    const old = oldObjectOf(obj);
    return old ? [] : validateCSR(obj, optionsFor(obj, undefined));
  },
  validateUpdate: validateCSRUpdate,
  selectableFields: (obj) => ({ "spec.signerName": s(isObj(obj.spec) ? obj.spec.signerName : undefined) }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status: statusStrategy, approval: approvalStrategy },
};
