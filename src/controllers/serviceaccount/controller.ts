/**
 * The service account controller (kube's pkg/controller/serviceaccount ServiceAccountsController):
 * every active namespace has a `default` ServiceAccount, created again when deleted. Keys are
 * namespace names; namespaces that are not Active (terminating) get nothing.
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { R } from "../../client/resources.js";
import { isAlreadyExists, type ApiError, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import { runWorkers } from "../job/queue.js";

/** The service accounts every namespace gets (kube-controller-manager's default list). */
export const SERVICE_ACCOUNTS_TO_ENSURE = ["default"];

export interface ServiceAccountsControllerOptions {
  queue?: WorkQueue;
}

export class ServiceAccountsController implements Controller {
  readonly name = "serviceaccount";
  readonly queue: WorkQueue;
  private readonly namespaces: Informer;
  private readonly serviceAccounts: Informer;

  constructor(
    private readonly ctx: ControllerContext,
    opts: ServiceAccountsControllerOptions = {},
  ) {
    this.queue = opts.queue ?? newWorkQueue();
    this.serviceAccounts = ctx.informers.for(R.serviceaccounts);
    this.namespaces = ctx.informers.for(R.namespaces);
    this.serviceAccounts.addEventHandler({
      delete: (o) => {
        const sa = (o as Tombstone).tombstone === true ? (o as Tombstone).obj : (o as KObject);
        if (sa.metadata.namespace) this.queue.add(sa.metadata.namespace);
      },
    });
    this.namespaces.addEventHandler({
      add: (ns) => this.queue.add(ns.metadata.name ?? ""),
      update: (_old, ns) => this.queue.add(ns.metadata.name ?? ""),
    });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (signal.aborted) return;
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("syncing namespace service accounts failed", { key, err: String(err) }));
  }

  /** Creates the missing service accounts of one namespace (by name). */
  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(undefined, namespace);
    if (!ns) return;
    // kube creates nothing unless the phase is Active (the API server sets it on create).
    const phase = (ns.status as { phase?: string } | undefined)?.phase ?? (ns.metadata.deletionTimestamp ? "Terminating" : "Active");
    if (phase !== "Active") return;
    const failures: string[] = [];
    for (const name of SERVICE_ACCOUNTS_TO_ENSURE) {
      if (this.serviceAccounts.lister.get(namespace, name)) continue;
      try {
        await this.ctx.client.create(R.serviceaccounts, namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
      } catch (e) {
        if (isAlreadyExists(e) || isNamespaceTerminating(e)) continue;
        failures.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (failures.length) throw new Error(failures.join(", "));
  }
}

/** A create refused because the namespace is terminating (Status cause NamespaceTerminating) is expected, not a failure. */
function isNamespaceTerminating(e: unknown): boolean {
  const status = (e as ApiError | undefined)?.status as { details?: { causes?: { type?: string }[] } } | undefined;
  return !!status?.details?.causes?.some((c) => c.type === "NamespaceTerminating");
}

export function newServiceAccountsController(ctx: ControllerContext, opts: ServiceAccountsControllerOptions = {}): ServiceAccountsController {
  return new ServiceAccountsController(ctx, opts);
}
