/**
 * Namespaces (pkg/registry/core/namespace): the server owns status.phase and, on create, makes
 * sure spec.finalizers holds "kubernetes"; every namespace carries its name as a label.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { finalizerKubernetes, index, invalid, validateKubeFinalizerName } from "../../validation/index.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import { ensureObj, obj, s } from "./util.js";

const nameLabel = "kubernetes.io/metadata.name";

function defaults(ns: KObject): void {
  ensureObj(ns, "spec");
  const status = ensureObj(ns, "status");
  if (s(status.phase) === "") status.phase = "Active";
  // SetDefaults_Namespace (and the strategy's Canonicalize, for generated names).
  const name = ns.metadata.name;
  if (name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [nameLabel]: name };
}

function finalizers(ns: KObject): string[] {
  const f = obj(ns.spec).finalizers;
  return Array.isArray(f) ? f.map(s) : [];
}

/** ValidateNamespace: each spec finalizer a standard or qualified name (kube reports the list's path, no index). */
function validate(ns: KObject): FieldError[] {
  return finalizers(ns).flatMap((f) => validateKubeFinalizerName(f, "spec.finalizers"));
}

const status: SubresourceStrategy = {
  prepareForUpdate(ns, old) {
    ns.spec = old.spec;
  },
  validateUpdate(ns) {
    const phase = s(obj(ns.status).phase);
    if (!ns.metadata.deletionTimestamp) {
      return phase === "Active" ? [] : [invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")];
    }
    return phase === "Terminating" ? [] : [invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
  },
};

/** namespaces/finalize: only spec.finalizers changes (the namespace controller empties it). */
const finalize: SubresourceStrategy = {
  prepareForUpdate(ns, old) {
    ns.status = old.status;
  },
  validateUpdate(ns) {
    return finalizers(ns).flatMap((f, i) => validateKubeFinalizerName(f, index("spec.finalizers", i)));
  },
};

export const namespaceStrategy: Strategy = {
  defaults,
  prepareForCreate(ns) {
    ns.status = { phase: "Active" };
    const spec = ensureObj(ns, "spec");
    const list = finalizers(ns);
    if (!list.includes(finalizerKubernetes)) spec.finalizers = [...list, finalizerKubernetes];
  },
  prepareForUpdate(ns, old) {
    const spec = ensureObj(ns, "spec");
    const oldFinalizers = obj(old.spec).finalizers;
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = oldFinalizers;
    ns.status = old.status;
  },
  validate,
  selectableFields(ns) {
    // "name" is a historical extra kube keeps for compatibility.
    return { "status.phase": s(obj(ns.status).phase), name: ns.metadata.name ?? "" };
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status, finalize },
};
