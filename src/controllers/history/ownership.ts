/**
 * Adoption and release of dependents (kube's ControllerRefManager, as the statefulset and
 * daemonset controllers use it for pods and ControllerRevisions): the decision is a pure
 * function; claimObjects applies it with kube's strategic-merge patches.
 */
import { isInvalid, isNotFound, type ApiClient, type KObject, type ResourceType } from "../../client/types.js";
import { controllerRefOf, newControllerRef } from "../util/pods.js";

export type ClaimDecision = "keep" | "adopt" | "release" | "ignore";

/** What to do with `obj` for `owner`, given whether it matches the owner's selector (and filter). */
export function claimDecision(obj: KObject, owner: KObject, matches: boolean): ClaimDecision {
  const ref = controllerRefOf(obj);
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return "ignore";
    if (matches) return "keep";
    return ownerDeleting ? "ignore" : "release";
  }
  if (ownerDeleting || !matches || obj.metadata.deletionTimestamp) return "ignore";
  if (obj.metadata.namespace !== owner.metadata.namespace) return "ignore";
  return "adopt";
}

/** The patch that makes `owner` the controller of `obj`. */
export function adoptPatch(obj: KObject, owner: KObject, ownerType: ResourceType): Record<string, unknown> {
  return { metadata: { ownerReferences: [newControllerRef(owner, ownerType)], uid: obj.metadata.uid } };
}

/** The patch that drops `owner`'s reference from `obj`. */
export function releasePatch(obj: KObject, owner: KObject): Record<string, unknown> {
  return { metadata: { ownerReferences: [{ $patch: "delete", uid: owner.metadata.uid }], uid: obj.metadata.uid } };
}

/**
 * Before the first adoption, kube re-reads the owner from the server: it must still be the same
 * object (same uid) and not being deleted.
 */
export async function recheckOwner(client: ApiClient, ownerType: ResourceType, owner: KObject): Promise<void> {
  const fresh = await client.get(ownerType, owner.metadata.namespace, owner.metadata.name ?? "");
  const what = `${ownerType.kind} ${owner.metadata.namespace}/${owner.metadata.name}`;
  if (fresh.metadata.uid !== owner.metadata.uid) throw new Error(`original ${what} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`);
  if (fresh.metadata.deletionTimestamp) throw new Error(`${what} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}

/**
 * Claims `objs` of type `objType` for `owner`: adopts matching orphans, releases owned objects
 * that stopped matching, and answers the objects the owner now controls (adopted ones as patched).
 */
export async function claimObjects<T extends KObject>(
  client: ApiClient,
  objType: ResourceType,
  owner: KObject,
  ownerType: ResourceType,
  objs: T[],
  matches: (obj: T) => boolean,
): Promise<T[]> {
  const claimed: T[] = [];
  let rechecked = false;
  for (const obj of objs) {
    const decision = claimDecision(obj, owner, matches(obj));
    if (decision === "keep") claimed.push(obj);
    else if (decision === "adopt") {
      if (!rechecked) {
        await recheckOwner(client, ownerType, owner);
        rechecked = true;
      }
      try {
        claimed.push(await client.patch<T>(objType, obj.metadata.namespace, obj.metadata.name ?? "", "strategic", adoptPatch(obj, owner, ownerType)));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    } else if (decision === "release") {
      try {
        await client.patch(objType, obj.metadata.namespace, obj.metadata.name ?? "", "strategic", releasePatch(obj, owner));
      } catch (e) {
        if (!isNotFound(e) && !isInvalid(e)) throw e;
      }
    }
  }
  return claimed;
}
