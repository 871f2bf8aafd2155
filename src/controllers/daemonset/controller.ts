/**
 * The daemonset controller's shell (kube's pkg/controller/daemon): handlers on daemonsets, pods
 * and nodes feed a queue of daemonset keys; sync(key) settles the ControllerRevision history,
 * creates and deletes daemon pods (decisions in core.ts), runs the rolling update and writes
 * status. Pods are pinned to their node through required node affinity; the scheduler binds them.
 */
import { CountExpectations } from "../util/expectations.js";
import { labelSelectorFromMeta, labelSelectorEmpty, matchesLabels, type LabelSelector } from "../../apiserver/selectors/index.js";
import { keyOf, splitKey } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isAlreadyExists, isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import { claimObjects } from "../history/ownership.js";
import {
  CONTROLLER_REVISION_HASH_LABEL, dataEqual, hashPodTemplate, maxRevision, revisionName, sortRevisions, templatePatch, type ControllerRevision,
} from "../history/revision.js";
import { deleteControllerRevision } from "../history/store.js";
import { newWorkQueue } from "../../client/workqueue.js";
import { runController } from "../history/workloop.js";
import type { Controller, ControllerContext } from "../types.js";
import { controllerRefOf, newControllerRef, podFromTemplate, isPodReady } from "../util/pods.js";
import {
  computeDaemonSetStatus, daemonPodTemplate, manageDaemonSet, nodeShouldRunDaemonPod, pinToNode, rollingUpdateDecision, specOf, targetNodeName,
  type DaemonSet, type DaemonSetStatus, type Node,
} from "./core.js";

/** kube's burstReplicas: the most pods created or deleted in one sync. */
const BURST_REPLICAS = 250;
const BACKOFF_INITIAL_MS = 1000;
const BACKOFF_MAX_MS = 15 * 60_000;

export interface DaemonSetControllerOptions {
  queue?: WorkQueue;
}

export class DaemonSetController implements Controller {
  readonly name = "daemonset";
  readonly queue: WorkQueue;
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly expectations: CountExpectations;
  private readonly failedBackoff = new Map<string, { delayMs: number; at: number }>();

  constructor(private readonly ctx: ControllerContext, opts: DaemonSetControllerOptions = {}) {
    this.expectations = new CountExpectations(() => ctx.clock.now());
    this.queue = opts.queue ?? newWorkQueue();
    this.sets = ctx.informers.for<DaemonSet>(R.daemonsets);
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for<Node>(R.nodes);
    this.revisions = ctx.informers.for<ControllerRevision>(R.controllerrevisions);
    this.recorder = ctx.recorder("daemonset-controller");
    this.sets.addEventHandler({
      add: (d) => this.queue.add(keyOf(d)),
      update: (_o, d) => this.queue.add(keyOf(d)),
      delete: (d) => {
        const ds = unwrap(d);
        this.expectations.delete(keyOf(ds));
        this.queue.add(keyOf(ds));
      },
    });
    this.pods.addEventHandler({
      add: (p) => this.podEvent(undefined, p, false),
      update: (o, p) => this.podEvent(o, p, false),
      delete: (p) => this.podEvent(undefined, unwrap(p), true),
    });
    this.nodes.addEventHandler({
      add: (n) => this.nodeChanged(undefined, n),
      update: (o, n) => this.nodeChanged(o, n),
    });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runController(signal, workers, (s) => this.ctx.informers.waitForSync(s), this.queue, (k) => this.sync(k), (key, err) =>
      this.ctx.log.warn("syncing daemonset", { key, err: String(err) }),
    );
  }

  // ---- handlers ----

  private podEvent(old: KObject | undefined, pod: KObject, deleted: boolean): void {
    if (old && old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const ref = controllerRefOf(pod);
    const ds = ref?.kind === "DaemonSet" ? this.sets.lister.get(pod.metadata.namespace, ref.name) : undefined;
    if (ds && ds.metadata.uid === ref?.uid) {
      const key = keyOf(ds);
      if (!old && !deleted && !pod.metadata.deletionTimestamp) this.expectations.observe(key, "adds");
      if (deleted) this.expectations.observe(key, "dels");
      this.queue.add(key);
      const mrs = specOf(ds).minReadySeconds ?? 0;
      if (old && mrs > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(key, mrs * 1000);
      return;
    }
    if (ref || deleted) return;
    for (const d of this.sets.lister.list(pod.metadata.namespace)) {
      const sel = selectorOf(d);
      if (sel && !labelSelectorEmpty(sel) && matchesLabels(sel, pod.metadata.labels)) this.queue.add(keyOf(d));
    }
  }

  private nodeChanged(old: Node | undefined, node: Node): void {
    if (old && JSON.stringify([old.metadata.labels, old.spec]) === JSON.stringify([node.metadata.labels, node.spec])) return;
    for (const ds of this.sets.lister.list()) {
      const now = nodeShouldRunDaemonPod(node, ds);
      const before = old ? nodeShouldRunDaemonPod(old, ds) : undefined;
      if (!before || before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning) this.queue.add(keyOf(ds));
    }
  }

  // ---- expectations (kube's ControllerExpectations) ----

  // ---- sync ----

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.lister.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const ds = structuredClone(cached);
    const selector = selectorOf(ds);
    if (!selector) return;
    if (labelSelectorEmpty(selector)) {
      this.recorder.event(ds, "Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodes.lister.list();
    const { cur, old } = await this.constructHistory(ds, selector);
    const hash = cur.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "";

    if (!this.expectations.satisfied(key)) {
      await this.writeStatus(ds, nodes, hash, selector, false);
      return;
    }
    let failure: unknown;
    try {
      await this.manage(ds, nodes, hash, selector);
      if (this.expectations.satisfied(key) && specOf(ds).updateStrategy?.type === "RollingUpdate") {
        const nodeToPods = await this.nodeToDaemonPods(ds, selector, false);
        const d = rollingUpdateDecision(ds, nodes, nodeToPods, hash, this.ctx.clock.now());
        await this.syncNodes(ds, d.deletePods, d.createOn, hash);
      }
      await this.cleanupHistory(ds, selector, old);
    } catch (e) {
      failure = e;
    }
    await this.writeStatus(ds, nodes, hash, selector, true);
    if (failure) throw failure;
  }

  /** getNodesToDaemonPods: claimed pods by the node they run on or are pinned to. */
  private async nodeToDaemonPods(ds: DaemonSet, selector: LabelSelector, includeDeletedTerminal: boolean): Promise<Map<string, KObject[]>> {
    const pods = await claimObjects(this.ctx.client, R.pods, ds, R.daemonsets, this.pods.lister.list(ds.metadata.namespace), (p) => matchesLabels(selector, p.metadata.labels));
    const out = new Map<string, KObject[]>();
    for (const pod of pods) {
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (!includeDeletedTerminal && (phase === "Succeeded" || phase === "Failed") && pod.metadata.deletionTimestamp) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      const list = out.get(node);
      if (list) list.push(pod);
      else out.set(node, [pod]);
    }
    return out;
  }

  private async manage(ds: DaemonSet, nodes: Node[], hash: string, selector: LabelSelector): Promise<void> {
    const nodeToPods = await this.nodeToDaemonPods(ds, selector, false);
    const now = this.ctx.clock.now();
    const d = manageDaemonSet({ ds, nodes, nodeToPods, hash, now, inBackoff: (n) => this.inBackoff(ds, n, now) });
    for (const { node, pod } of d.failedPods) {
      this.nextBackoff(ds, node, now);
      this.recorder.event(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node}, will try to kill it`);
    }
    for (const node of d.backoffNodes) this.queue.addAfter(keyOf(ds), this.failedBackoff.get(`${ds.metadata.uid}/${node}`)?.delayMs ?? BACKOFF_INITIAL_MS);
    await this.syncNodes(ds, d.deletePods, d.createOn, hash);
  }

  private inBackoff(ds: DaemonSet, node: string, now: number): boolean {
    const b = this.failedBackoff.get(`${ds.metadata.uid}/${node}`);
    return !!b && now - b.at < b.delayMs;
  }

  private nextBackoff(ds: DaemonSet, node: string, now: number): void {
    const k = `${ds.metadata.uid}/${node}`;
    const b = this.failedBackoff.get(k);
    const delayMs = !b || now - b.at > 2 * BACKOFF_MAX_MS ? BACKOFF_INITIAL_MS : Math.min(b.delayMs * 2, BACKOFF_MAX_MS);
    this.failedBackoff.set(k, { delayMs, at: now });
  }

  /** syncNodes: create pods pinned to nodes (in slow-start batches) and delete pods, under expectations. */
  private async syncNodes(ds: DaemonSet, deletePods: string[], createOn: string[], hash: string): Promise<void> {
    const key = keyOf(ds);
    const creates = createOn.slice(0, BURST_REPLICAS);
    const deletes = deletePods.slice(0, BURST_REPLICAS);
    if (creates.length === 0 && deletes.length === 0) return;
    this.expectations.expect(key, creates.length, deletes.length);
    const template = daemonPodTemplate(ds, hash);
    const ref = newControllerRef(ds, R.daemonsets);
    const errors: string[] = [];
    let pos = 0;
    for (let batch = Math.min(1, creates.length); pos < creates.length; batch = Math.min(2 * batch, creates.length - pos)) {
      const results = await Promise.all(
        creates.slice(pos, pos + batch).map(async (node) => {
          const pod = podFromTemplate(template, ds.metadata.namespace ?? "", `${ds.metadata.name}-`, ref);
          const spec = pod.spec as Record<string, unknown>;
          spec.affinity = pinToNode(spec.affinity as Parameters<typeof pinToNode>[0], node);
          try {
            const created = await this.ctx.client.create(R.pods, ds.metadata.namespace, pod);
            this.recorder.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
            return undefined;
          } catch (e) {
            this.expectations.observe(key, "adds");
            this.recorder.event(ds, "Warning", "FailedCreate", `Error creating: ${errText(e)}`);
            return errText(e);
          }
        }),
      );
      pos += batch;
      const failed = results.filter((r): r is string => r !== undefined);
      if (failed.length) {
        errors.push(...failed);
        // The rest of this sync's creations are skipped: stop expecting them.
        for (let i = pos; i < creates.length; i++) this.expectations.observe(key, "adds");
        break;
      }
    }
    await Promise.all(
      deletes.map(async (name) => {
        try {
          await this.ctx.client.delete(R.pods, ds.metadata.namespace, name);
          this.recorder.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
        } catch (e) {
          this.expectations.observe(key, "dels");
          if (isNotFound(e)) return;
          this.recorder.event(ds, "Warning", "FailedDelete", `Error deleting: ${errText(e)}`);
          errors.push(errText(e));
        }
      }),
    );
    if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);
  }

  // ---- history ----

  /** constructHistory: the revision matching the template (created, deduplicated, renumbered) and the others. */
  private async constructHistory(ds: DaemonSet, selector: LabelSelector): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
    const client = this.ctx.client;
    const candidates = this.revisions.lister.list(ds.metadata.namespace);
    const histories = await claimObjects(client, R.controllerrevisions, ds, R.daemonsets, candidates, (r) => matchesLabels(selector, r.metadata.labels));
    const patch = templatePatch(ds);
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let h of histories) {
      if (!h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]) {
        const next = structuredClone(h);
        next.metadata.labels = { ...(next.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: next.metadata.name ?? "" };
        h = await client.update<ControllerRevision>(R.controllerrevisions, next);
      }
      (dataEqual(h, patch) ? current : old).push(h);
    }
    const revision = maxRevision(old) + 1;
    let cur: ControllerRevision;
    if (current.length === 0) cur = await this.snapshot(ds, revision);
    else {
      cur = await this.dedup(ds, selector, current);
      if ((cur.revision ?? 0) < revision) cur = await client.update<ControllerRevision>(R.controllerrevisions, { ...structuredClone(cur), revision });
    }
    return { cur, old };
  }

  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const client = this.ctx.client;
    const collisionCount = ds.status?.collisionCount;
    const hash = hashPodTemplate(specOf(ds).template, collisionCount);
    const name = revisionName(ds.metadata.name ?? "", hash);
    const rev: ControllerRevision = {
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: {
        name,
        namespace: ds.metadata.namespace,
        labels: { ...(specOf(ds).template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, R.daemonsets)],
      },
      data: templatePatch(ds),
      revision,
    };
    try {
      return await client.create<ControllerRevision>(R.controllerrevisions, ds.metadata.namespace, rev);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<ControllerRevision>(R.controllerrevisions, ds.metadata.namespace, name);
      if (dataEqual(existing, rev.data)) return existing;
      // A hash collision with different data: bump collisionCount so the next sync hashes anew.
      const fresh = await client.get<DaemonSet>(R.daemonsets, ds.metadata.namespace, ds.metadata.name ?? "");
      if ((fresh.status?.collisionCount ?? undefined) !== collisionCount) {
        throw new Error(`found a stale collision count (${collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
      }
      const status = { ...(fresh.status ?? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }) };
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      await client.update(R.daemonsets, { ...fresh, status }, { subresource: "status" });
      throw e;
    }
  }

  /** dedupCurHistories: keep the highest revision, relabel pods of the duplicates, delete them. */
  private async dedup(ds: DaemonSet, selector: LabelSelector, current: ControllerRevision[]): Promise<ControllerRevision> {
    if (current.length === 1) return current[0]!;
    const sorted = sortRevisions(current);
    const keep = sorted[sorted.length - 1]!;
    const keepHash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "";
    for (const dup of sorted.slice(0, -1)) {
      const dupHash = dup.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      for (const pod of this.pods.lister.list(ds.metadata.namespace, undefined)) {
        if (!matchesLabels(selector, pod.metadata.labels) || pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== dupHash) continue;
        await this.ctx.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name ?? "", "merge", { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } });
      }
      await deleteControllerRevision(this.ctx.client, dup);
    }
    return keep;
  }

  /** cleanupHistory: delete the oldest unused revisions beyond revisionHistoryLimit. */
  private async cleanupHistory(ds: DaemonSet, selector: LabelSelector, old: ControllerRevision[]): Promise<void> {
    let toKill = old.length - (specOf(ds).revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const pods of (await this.nodeToDaemonPods(ds, selector, true)).values()) {
      for (const p of pods) {
        const h = p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        if (h) live.add(h);
      }
    }
    for (const h of sortRevisions(old)) {
      if (toKill <= 0) break;
      if (live.has(h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "")) continue;
      try {
        await deleteControllerRevision(this.ctx.client, h);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      toKill--;
    }
  }

  // ---- status ----

  private async writeStatus(ds: DaemonSet, nodes: Node[], hash: string, selector: LabelSelector, updateObservedGeneration: boolean): Promise<void> {
    const nodeToPods = await this.nodeToDaemonPods(ds, selector, false);
    const now = this.ctx.clock.now();
    const s = computeDaemonSetStatus(ds, nodes, nodeToPods, hash, now);
    const cur = ds.status;
    const gen = ds.metadata.generation ?? 0;
    const same =
      !!cur &&
      cur.desiredNumberScheduled === s.desiredNumberScheduled &&
      cur.currentNumberScheduled === s.currentNumberScheduled &&
      cur.numberMisscheduled === s.numberMisscheduled &&
      cur.numberReady === s.numberReady &&
      (cur.updatedNumberScheduled ?? 0) === s.updatedNumberScheduled &&
      (cur.numberAvailable ?? 0) === s.numberAvailable &&
      (cur.numberUnavailable ?? 0) === s.numberUnavailable &&
      (cur.observedGeneration ?? 0) >= gen;
    const mrs = specOf(ds).minReadySeconds ?? 0;
    if (mrs > 0 && s.numberReady !== s.numberAvailable) this.queue.addAfter(keyOf(ds), mrs * 1000);
    if (same) return;
    let target: DaemonSet = ds;
    for (let attempt = 0; ; attempt++) {
      const status: DaemonSetStatus = { ...(target.status ?? {}), ...s };
      if (updateObservedGeneration) status.observedGeneration = gen;
      try {
        await this.ctx.client.update(R.daemonsets, { ...target, status: wireStatus(status) }, { subresource: "status" });
        return;
      } catch (e) {
        if (attempt >= 1) throw e;
        target = await this.ctx.client.get<DaemonSet>(R.daemonsets, ds.metadata.namespace, ds.metadata.name ?? "");
      }
    }
  }
}

/** Go's omitempty on DaemonSetStatus: the four counts are always written. */
function wireStatus(s: DaemonSetStatus): DaemonSetStatus {
  const out: DaemonSetStatus = {
    currentNumberScheduled: s.currentNumberScheduled,
    numberMisscheduled: s.numberMisscheduled,
    desiredNumberScheduled: s.desiredNumberScheduled,
    numberReady: s.numberReady,
  };
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.updatedNumberScheduled) out.updatedNumberScheduled = s.updatedNumberScheduled;
  if (s.numberAvailable) out.numberAvailable = s.numberAvailable;
  if (s.numberUnavailable) out.numberUnavailable = s.numberUnavailable;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  if (s.conditions?.length) out.conditions = s.conditions;
  return out;
}

function selectorOf(ds: DaemonSet): LabelSelector | undefined {
  try {
    return labelSelectorFromMeta(specOf(ds).selector as Parameters<typeof labelSelectorFromMeta>[0]);
  } catch {
    return undefined;
  }
}

function unwrap<T extends KObject>(o: T | Tombstone<T>): T {
  return "tombstone" in o ? (o as Tombstone<T>).obj : (o as T);
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function newDaemonSetController(ctx: ControllerContext, opts?: DaemonSetControllerOptions): DaemonSetController {
  return new DaemonSetController(ctx, opts);
}
