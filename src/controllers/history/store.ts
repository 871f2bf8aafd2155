/**
 * The API side of controller history (kube's history.realHistory): create with hash-collision
 * probing, renumber, delete. Reads come from the caller's informer cache.
 */
import { R } from "../../client/resources.js";
import { isAlreadyExists, isConflict, type ApiClient, type KObject, type Lister } from "../../client/types.js";
import { dataEqual, hashRevisionData, revisionName, REVISION_DATA_HASH_LABEL, type ControllerRevision } from "./revision.js";

/**
 * Creates `rev`; when its name is taken by different data, bumps the collision count and
 * retries under the new hash. Answers the stored revision (an identical existing one counts)
 * and the collision count reached.
 */
export async function createControllerRevision(
  client: ApiClient,
  owner: KObject,
  rev: ControllerRevision,
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const ns = owner.metadata.namespace;
  for (let attempt = 0; attempt < 100; attempt++) {
    const hash = hashRevisionData(rev.data, collisionCount);
    const clone = structuredClone(rev);
    clone.metadata.name = revisionName(owner.metadata.name ?? "", hash);
    clone.metadata.labels = { ...(clone.metadata.labels ?? {}), [REVISION_DATA_HASH_LABEL]: hash };
    try {
      return { revision: await client.create<ControllerRevision>(R.controllerrevisions, ns, clone), collisionCount };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<ControllerRevision>(R.controllerrevisions, ns, clone.metadata.name);
      if (dataEqual(existing, clone.data)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }
  throw new Error(`too many hash collisions creating a ControllerRevision for ${owner.metadata.name}`);
}

/** Sets `revision` on an existing revision, retrying conflicts from the cache (UpdateControllerRevision). */
export async function updateRevisionNumber(
  client: ApiClient,
  lister: Lister<ControllerRevision>,
  rev: ControllerRevision,
  revision: number,
): Promise<ControllerRevision> {
  let cur = structuredClone(rev);
  for (let attempt = 0; ; attempt++) {
    if (cur.revision === revision) return cur;
    cur.revision = revision;
    try {
      return await client.update<ControllerRevision>(R.controllerrevisions, cur);
    } catch (e) {
      if (!isConflict(e) || attempt >= 4) throw e;
      const fresh = lister.get(rev.metadata.namespace, rev.metadata.name ?? "");
      cur = structuredClone(fresh ?? (await client.get<ControllerRevision>(R.controllerrevisions, rev.metadata.namespace, rev.metadata.name ?? "")));
    }
  }
}

export async function deleteControllerRevision(client: ApiClient, rev: ControllerRevision): Promise<void> {
  await client.delete(R.controllerrevisions, rev.metadata.namespace, rev.metadata.name ?? "");
}
