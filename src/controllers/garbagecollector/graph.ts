/**
 * The garbage collector's dependency graph (kube's GraphBuilder, without its queues and
 * goroutines): one node per object uid, edges from owners to dependents, "virtual" nodes for
 * owners referenced but not yet seen. `process` applies one informer (or virtual) event and tells
 * the sink which nodes to look at: no I/O, so tests can replay event sequences.
 */
import type { KObject, OwnerReference } from "../../client/types.js";

export const FINALIZER_ORPHAN = "orphan";
export const FINALIZER_FOREGROUND = "foregroundDeletion";

/** Where an object is: the coordinates an ownerReference names, plus a namespace. */
export interface Identity {
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped objects (and, for virtual nodes, the referring dependent's namespace). */
  namespace: string;
  name: string;
  uid: string;
}

export interface GraphNode {
  identity: Identity;
  owners: OwnerReference[];
  dependents: Set<GraphNode>;
  /** Created from an ownerReference, not from an informer event (stays set once observed, as kube's). */
  virtual: boolean;
  /** Seen through an informer event. */
  observed: boolean;
  beingDeleted: boolean;
  /** Being deleted with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents: boolean;
}

export interface GraphEvent {
  type: "add" | "update" | "delete";
  /** The apiVersion and kind of the informer that saw it (or of the virtual identity). */
  apiVersion: string;
  kind: string;
  obj: KObject;
  oldObj?: KObject;
  /** A delete the collector made up after the API server answered NotFound (kube's virtual delete event). */
  virtual?: boolean;
}

/** What the graph asks of the collector. */
export interface GraphSink {
  attemptToDelete(n: GraphNode, rateLimited?: boolean): void;
  attemptToOrphan(n: GraphNode): void;
  /** A dependent names a namespaced owner that lives in another namespace (kube's OwnerRefInvalidNamespace). */
  invalidNamespaceOwnerRef(dependent: GraphNode, ref: OwnerReference): void;
}

export const identityKey = (i: Identity): string => `${i.apiVersion}|${i.kind}|${i.namespace}|${i.name}|${i.uid}`;

const sameIdentity = (a: Identity, b: Identity): boolean => identityKey(a) === identityKey(b);

/** kube's ownerReferenceMatchesCoordinates. */
export const refMatches = (ref: OwnerReference, i: Identity): boolean =>
  ref.uid === i.uid && ref.name === i.name && ref.kind === i.kind && ref.apiVersion === i.apiVersion;

const sameRef = (a: OwnerReference, b: OwnerReference): boolean =>
  a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.uid === b.uid && a.controller === b.controller && a.blockOwnerDeletion === b.blockOwnerDeletion;

export const hasFinalizer = (o: KObject, f: string): boolean => (o.metadata.finalizers ?? []).includes(f);
const beingDeleted = (o: KObject): boolean => !!o.metadata.deletionTimestamp;

/** Owners recently verified absent, so their other dependents skip the GET (kube's absentOwnerCache, an LRU of 500). */
export class AbsentOwnerCache {
  private readonly keys = new Map<string, true>();
  constructor(private readonly max = 500) {}
  add(i: Identity): void {
    const k = identityKey(i);
    this.keys.delete(k);
    this.keys.set(k, true);
    if (this.keys.size > this.max) this.keys.delete(this.keys.keys().next().value as string);
  }
  has(i: Identity): boolean {
    const k = identityKey(i);
    if (!this.keys.has(k)) return false;
    this.keys.delete(k);
    this.keys.set(k, true);
    return true;
  }
}

export class Graph {
  readonly uidToNode = new Map<string, GraphNode>();
  readonly absentOwners = new AbsentOwnerCache();

  constructor(private readonly sink: GraphSink) {}

  get(uid: string): GraphNode | undefined {
    return this.uidToNode.get(uid);
  }

  /** Dependents whose reference to n blocks n's foreground deletion. */
  blockingDependents(n: GraphNode): GraphNode[] {
    return [...n.dependents].filter((d) => d.owners.some((r) => r.uid === n.identity.uid && r.blockOwnerDeletion === true));
  }

  process(e: GraphEvent): void {
    const meta = e.obj.metadata;
    const uid = meta.uid ?? "";
    const observed: Identity = { apiVersion: e.apiVersion, kind: e.kind, namespace: meta.namespace ?? "", name: meta.name ?? "", uid };
    const existing = this.uidToNode.get(uid);
    if (existing && !e.virtual && !existing.observed) {
      if (!sameIdentity(observed, existing.identity)) {
        // Dependents that named this owner by other coordinates may hold invalid references.
        const [, suspects] = partitionDependents([...existing.dependents], observed);
        for (const dep of suspects) {
          if (observed.namespace && dep.identity.namespace !== observed.namespace) this.reportInvalid(dep, uid);
          this.sink.attemptToDelete(dep);
        }
        existing.identity = observed;
      }
      existing.observed = true;
    }

    if (e.type !== "delete") {
      const refs = meta.ownerReferences ?? [];
      if (!existing) {
        const n: GraphNode = {
          identity: observed,
          owners: refs,
          dependents: new Set(),
          virtual: false,
          observed: true,
          beingDeleted: beingDeleted(e.obj),
          deletingDependents: beingDeleted(e.obj) && hasFinalizer(e.obj, FINALIZER_FOREGROUND),
        };
        this.uidToNode.set(uid, n);
        this.addDependentToOwners(n, refs);
        this.processTransitions(e.oldObj, e.obj, n);
        return;
      }
      if (!e.virtual && (existing.identity.apiVersion !== e.apiVersion || existing.identity.kind !== e.kind)) {
        existing.identity = { ...existing.identity, apiVersion: e.apiVersion, kind: e.kind };
      }
      const { added, removed, changed } = referencesDiff(existing.owners, refs);
      if (added.length || removed.length || changed.length) {
        this.addUnblockedOwners(removed, changed);
        existing.owners = refs;
        this.addDependentToOwners(existing, added);
        this.removeDependentFromOwners(existing, removed);
      }
      if (beingDeleted(e.obj)) existing.beingDeleted = true;
      this.processTransitions(e.oldObj, e.obj, existing);
      return;
    }

    if (!existing) return;
    let remove = true;
    if (e.virtual) {
      const deleted = observed;
      if (existing.virtual) {
        // Not sure of a virtual node's coordinates: dependents may name it differently.
        const [matching, nonmatching] = partitionDependents([...existing.dependents], deleted);
        if (nonmatching.length > 0) {
          remove = false;
          if (matching.length > 0) {
            this.absentOwners.add(deleted);
            for (const dep of matching) this.sink.attemptToDelete(dep);
          }
          if (sameIdentity(existing.identity, deleted)) {
            const alt = alternateOwnerIdentity(nonmatching, deleted);
            if (alt) {
              existing.identity = alt;
              this.sink.attemptToDelete(existing, true);
            }
          }
        }
      } else if (!sameIdentity(existing.identity, deleted)) {
        // An observed object disagrees with the coordinates found absent: keep it.
        remove = false;
        const [matching] = partitionDependents([...existing.dependents], deleted);
        if (matching.length > 0) {
          this.absentOwners.add(deleted);
          for (const dep of matching) this.sink.attemptToDelete(dep);
        }
      }
    }
    if (!remove) return;
    this.uidToNode.delete(uid);
    this.removeDependentFromOwners(existing, existing.owners);
    if (existing.dependents.size > 0) this.absentOwners.add(observed);
    for (const dep of existing.dependents) this.sink.attemptToDelete(dep);
    for (const ref of existing.owners) {
      const owner = this.uidToNode.get(ref.uid);
      // An owner waiting for its dependents may now be free to go.
      if (owner?.deletingDependents) this.sink.attemptToDelete(owner);
    }
  }

  private addDependentToOwners(n: GraphNode, refs: OwnerReference[]): void {
    let suspect = false;
    for (const ref of refs) {
      let owner = this.uidToNode.get(ref.uid);
      const found = owner !== undefined;
      if (!owner) {
        owner = {
          identity: { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: n.identity.namespace },
          owners: [],
          dependents: new Set(),
          virtual: true,
          observed: false,
          beingDeleted: false,
          deletingDependents: false,
        };
        this.uidToNode.set(ref.uid, owner);
      }
      owner.dependents.add(n);
      if (!found) {
        // The collector verifies a virtual owner against the API server.
        this.sink.attemptToDelete(owner);
      } else if (!suspect) {
        const ownerNamespaced = owner.identity.namespace !== "";
        if (ownerNamespaced && owner.identity.namespace !== n.identity.namespace) {
          if (owner.observed) this.reportInvalid(n, ref.uid);
          suspect = true;
        } else if (!refMatches(ref, owner.identity)) {
          suspect = true;
        } else if (!ownerNamespaced && n.identity.namespace !== "" && !owner.observed) {
          // A virtual cluster-scoped owner of a namespaced dependent may really be a namespaced kind.
          suspect = true;
        }
      }
    }
    if (suspect) this.sink.attemptToDelete(n);
  }

  private removeDependentFromOwners(n: GraphNode, refs: OwnerReference[]): void {
    for (const ref of refs) this.uidToNode.get(ref.uid)?.dependents.delete(n);
  }

  /** A blocking reference removed or unblocked may free an owner in foreground deletion. */
  private addUnblockedOwners(removed: OwnerReference[], changed: { old: OwnerReference; cur: OwnerReference }[]): void {
    for (const ref of removed) {
      const owner = ref.blockOwnerDeletion === true ? this.uidToNode.get(ref.uid) : undefined;
      if (owner) this.sink.attemptToDelete(owner);
    }
    for (const c of changed) {
      const owner = c.old.blockOwnerDeletion === true && c.cur.blockOwnerDeletion !== true ? this.uidToNode.get(c.cur.uid) : undefined;
      if (owner) this.sink.attemptToDelete(owner);
    }
  }

  private processTransitions(oldObj: KObject | undefined, obj: KObject, n: GraphNode): void {
    if (deletionStartsWith(oldObj, obj, FINALIZER_ORPHAN)) {
      this.sink.attemptToOrphan(n);
      return;
    }
    if (deletionStartsWith(oldObj, obj, FINALIZER_FOREGROUND)) {
      n.deletingDependents = true;
      for (const dep of n.dependents) this.sink.attemptToDelete(dep);
      this.sink.attemptToDelete(n);
    }
  }

  private reportInvalid(dep: GraphNode, ownerUid: string): void {
    const ref = dep.owners.find((r) => r.uid === ownerUid);
    if (ref) this.sink.invalidNamespaceOwnerRef(dep, ref);
  }
}

/** The object has just entered deletion with this finalizer (or is first seen so). */
function deletionStartsWith(oldObj: KObject | undefined, obj: KObject, finalizer: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj, finalizer)) return false;
  return !oldObj || !beingDeleted(oldObj) || !hasFinalizer(oldObj, finalizer);
}

export function referencesDiff(
  old: OwnerReference[],
  cur: OwnerReference[],
): { added: OwnerReference[]; removed: OwnerReference[]; changed: { old: OwnerReference; cur: OwnerReference }[] } {
  const byUid = new Map(old.map((r) => [r.uid, r]));
  const added: OwnerReference[] = [];
  const changed: { old: OwnerReference; cur: OwnerReference }[] = [];
  for (const r of cur) {
    const o = byUid.get(r.uid);
    if (!o) added.push(r);
    else {
      if (!sameRef(o, r)) changed.push({ old: o, cur: r });
      byUid.delete(r.uid);
    }
  }
  return { added, removed: [...byUid.values()], changed };
}

/**
 * Splits dependents into those whose reference to this uid matches the identity and those that
 * name it otherwise (another namespace, name, kind or apiVersion); one can be in both.
 */
export function partitionDependents(deps: GraphNode[], owner: Identity): [GraphNode[], GraphNode[]] {
  const matching: GraphNode[] = [];
  const nonmatching: GraphNode[] = [];
  for (const dep of deps) {
    let match = false;
    let mismatch = false;
    if (owner.namespace !== "" && owner.namespace !== dep.identity.namespace) mismatch = true;
    else {
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (refMatches(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return [matching, nonmatching];
}

const compareIdentity = (a: Identity, b: Identity): number => {
  for (const k of ["kind", "apiVersion", "namespace", "name", "uid"] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return 0;
};

/**
 * Another identity dependents give the uid found absent: the first after it in
 * kind/apiVersion/namespace/name order, else the first overall (kube's getAlternateOwnerIdentity).
 */
export function alternateOwnerIdentity(deps: GraphNode[], absent: Identity): Identity | undefined {
  const absentClusterScoped = absent.namespace === "";
  const seen = new Set([identityKey(absent)]);
  let first: Identity | undefined;
  let firstFollowing: Identity | undefined;
  for (const dep of deps) {
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (refMatches(ref, absent) && (absentClusterScoped || absent.namespace === dep.identity.namespace)) continue;
      const alt: Identity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: dep.identity.namespace };
      // The absent coordinates proved this apiVersion/kind cluster-scoped.
      if (absentClusterScoped && alt.apiVersion === absent.apiVersion && alt.kind === absent.kind) alt.namespace = "";
      const k = identityKey(alt);
      if (seen.has(k)) continue;
      seen.add(k);
      if (!first || compareIdentity(alt, first) < 0) first = alt;
      if (compareIdentity(absent, alt) < 0 && (!firstFollowing || compareIdentity(alt, firstFollowing) < 0)) firstFollowing = alt;
    }
  }
  return firstFollowing ?? first;
}
