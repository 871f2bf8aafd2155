import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  Watch,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Deployment,
  type V1Namespace,
  type V1Pod,
} from "@kubernetes/client-node";
import { startKplane, type Kplane } from "./kplane.js";

/**
 * @kubernetes/client-node 1.4.0, unchanged, against `kplane up` through the kubeconfig it wrote
 * (TLS with kplane's CA, admin client certificate). Each verb on namespaces, configmaps, pods
 * and deployments, watches resumed from a resourceVersion, selectors and pagination, and errors
 * surfaced as ApiException carrying kube's Status.
 */

let kplane: Kplane;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
const NS = "smoke";
/** A hung request fails its test instead of the whole run. */
const T = { timeout: 15_000 };

before(async () => {
  kplane = await startKplane();
  kc = new KubeConfig();
  kc.loadFromFile(kplane.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  // Pods need their namespace's "default" ServiceAccount (ServiceAccount admission); no
  // serviceaccount controller runs yet, so the test makes it, as on a bare kube-apiserver.
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: "default" } } });
});
after(async () => {
  await kplane?.stop();
});

/** The Status body of an ApiException (client-node keeps the response text as the body). */
async function statusOf(p: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiException, `expected ApiException, got ${String(e)}`);
    const body: unknown = e.body;
    const status = typeof body === "string" ? (JSON.parse(body) as Record<string, unknown>) : (body as Record<string, unknown>);
    return { code: e.code, status };
  }
  assert.fail("the call succeeded; expected an error");
}

// --- one table of the four resources, so every verb runs on each ---------------------------

type Labels = Record<string, string>;
interface Resource<T extends KubernetesObject> {
  kind: string;
  /** The collection path a Watch (and an informer) uses. */
  path: string;
  make(name: string, labels: Labels): T;
  /** A change that replace() sends (on a copy of the stored object). */
  change(obj: T): void;
  /** Whether obj shows change(). */
  changed(obj: T): boolean;
  create(body: T): Promise<T>;
  read(name: string): Promise<T>;
  list(q: { labelSelector?: string; limit?: number; _continue?: string; resourceVersion?: string }): Promise<KubernetesListObject<T>>;
  replace(name: string, body: T): Promise<T>;
  delete(name: string): Promise<KubernetesObject>;
  /** Deletion removes the object at once (namespaces only start Terminating without a namespace controller). */
  deletesAtOnce: boolean;
  /** What a DELETE answers: the object (pods, namespaces) or a Success Status (kube's ReturnDeletedObject). */
  deleteAnswers: string;
}

const namespaces: Resource<V1Namespace> = {
  kind: "Namespace",
  path: "/api/v1/namespaces",
  make: (name, labels) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }),
  change: (o) => void (o.metadata!.annotations = { ...o.metadata!.annotations, touched: "yes" }),
  changed: (o) => o.metadata?.annotations?.["touched"] === "yes",
  create: (body) => core.createNamespace({ body }),
  read: (name) => core.readNamespace({ name }),
  list: (q) => core.listNamespace(q),
  replace: (name, body) => core.replaceNamespace({ name, body }),
  delete: (name) => core.deleteNamespace({ name }),
  deletesAtOnce: false,
  deleteAnswers: "Namespace",
};

const configmaps: Resource<V1ConfigMap> = {
  kind: "ConfigMap",
  path: `/api/v1/namespaces/${NS}/configmaps`,
  make: (name, labels) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data: { k: "v1" } }),
  change: (o) => void (o.data = { k: "v2" }),
  changed: (o) => o.data?.["k"] === "v2",
  create: (body) => core.createNamespacedConfigMap({ namespace: NS, body }),
  read: (name) => core.readNamespacedConfigMap({ namespace: NS, name }),
  list: (q) => core.listNamespacedConfigMap({ namespace: NS, ...q }),
  replace: (name, body) => core.replaceNamespacedConfigMap({ namespace: NS, name, body }),
  delete: (name) => core.deleteNamespacedConfigMap({ namespace: NS, name }),
  deletesAtOnce: true,
  deleteAnswers: "Status",
};

const pods: Resource<V1Pod> = {
  kind: "Pod",
  path: `/api/v1/namespaces/${NS}/pods`,
  make: (name, labels) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } }),
  // A pod's containers' images are among the few spec fields an update may change.
  change: (o) => void (o.spec!.containers[0]!.image = "busybox:1.37"),
  changed: (o) => o.spec?.containers[0]?.image === "busybox:1.37",
  create: (body) => core.createNamespacedPod({ namespace: NS, body }),
  read: (name) => core.readNamespacedPod({ namespace: NS, name }),
  list: (q) => core.listNamespacedPod({ namespace: NS, ...q }),
  replace: (name, body) => core.replaceNamespacedPod({ namespace: NS, name, body }),
  // An unscheduled pod (no nodeName) is deleted at once, whatever its grace period.
  delete: (name) => core.deleteNamespacedPod({ namespace: NS, name }),
  deletesAtOnce: true,
  deleteAnswers: "Pod",
};

const deployments: Resource<V1Deployment> = {
  kind: "Deployment",
  path: `/apis/apps/v1/namespaces/${NS}/deployments`,
  make: (name, labels) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } },
    },
  }),
  change: (o) => void (o.spec!.replicas = 3),
  changed: (o) => o.spec?.replicas === 3,
  create: (body) => apps.createNamespacedDeployment({ namespace: NS, body }),
  read: (name) => apps.readNamespacedDeployment({ namespace: NS, name }),
  list: (q) => apps.listNamespacedDeployment({ namespace: NS, ...q }),
  replace: (name, body) => apps.replaceNamespacedDeployment({ namespace: NS, name, body }),
  delete: (name) => apps.deleteNamespacedDeployment({ namespace: NS, name }),
  deletesAtOnce: true,
  deleteAnswers: "Status",
};

// --- watch helpers ----------------------------------------------------------------------

interface Seen {
  type: string;
  name: string;
  rv: string;
  obj: KubernetesObject;
}

/** A running Watch that collects events and lets the test wait for the next few. */
async function startWatch(path: string, query: Record<string, string | boolean>) {
  const events: Seen[] = [];
  let ended: unknown = undefined;
  let wake: (() => void) | null = null;
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj: KubernetesObject) => {
      events.push({ type, name: obj.metadata?.name ?? "", rv: obj.metadata?.resourceVersion ?? "", obj });
      wake?.();
    },
    (err: unknown) => {
      ended = err ?? "closed";
      wake?.();
    },
  );
  return {
    events,
    /** Waits until `n` events have arrived in total. */
    async waitFor(n: number, ms = 5000): Promise<Seen[]> {
      const deadline = Date.now() + ms;
      while (events.length < n) {
        if (ended !== undefined) assert.fail(`watch ended (${String(ended)}) after ${events.length} of ${n} events: ${JSON.stringify(events.map((e) => [e.type, e.name]))}`);
        const left = deadline - Date.now();
        if (left <= 0) assert.fail(`saw ${events.length} of ${n} events in ${ms} ms: ${JSON.stringify(events.map((e) => [e.type, e.name]))}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
        wake = null;
      }
      return events.slice(0, n);
    },
    stop: () => controller.abort(),
  };
}

const rvOf = (o: KubernetesObject): string => {
  const rv = o.metadata?.resourceVersion;
  assert.ok(rv, `${o.kind ?? "object"} ${o.metadata?.name ?? ""} has no resourceVersion`);
  return rv;
};

// --- the per-resource smoke test --------------------------------------------------------

function smoke<T extends KubernetesObject>(r: Resource<T>) {
  describe(r.kind, () => {
    const tag = `${r.kind.toLowerCase()}-smoke`;
    const sel = `smoke=${tag}`;
    const name = (s: string) => `${tag}-${s}`;

    test("create, read, list, replace (and a stale replace is a Conflict), delete", T, async () => {
      const created = await r.create(r.make(name("crud"), { smoke: tag, role: "crud" }));
      assert.equal(created.metadata?.name, name("crud"));
      assert.ok(created.metadata?.uid, "uid set");
      assert.ok(created.metadata?.creationTimestamp instanceof Date, "creationTimestamp parsed as a Date");
      const rv1 = rvOf(created);

      const read = await r.read(name("crud"));
      assert.equal(read.metadata?.uid, created.metadata?.uid);
      assert.equal(rvOf(read), rv1);

      const listed = await r.list({ labelSelector: `${sel},role=crud` });
      assert.deepEqual(listed.items.map((o) => o.metadata?.name), [name("crud")]);
      assert.ok(listed.metadata?.resourceVersion, "list has a resourceVersion");

      r.change(read);
      const replaced = await r.replace(name("crud"), read);
      assert.ok(r.changed(replaced), "replace returned the changed object");
      assert.notEqual(rvOf(replaced), rv1);
      assert.ok(r.changed(await r.read(name("crud"))), "the change is stored");

      // `read` still carries rv1: sending it again must be refused with 409 Conflict.
      const stale = await statusOf(r.replace(name("crud"), read));
      assert.equal(stale.code, 409);
      assert.equal(stale.status["reason"], "Conflict");

      const dup = await statusOf(r.create(r.make(name("crud"), { smoke: tag })));
      assert.equal(dup.code, 409);
      assert.equal(dup.status["reason"], "AlreadyExists");

      // Without a resourceVersion, replace is unconditional (allowed for all four).
      const fresh = await r.read(name("crud"));
      delete fresh.metadata!.resourceVersion;
      fresh.metadata!.labels = { ...fresh.metadata!.labels, unconditional: "yes" };
      const unconditional = await r.replace(name("crud"), fresh);
      assert.equal(unconditional.metadata?.labels?.["unconditional"], "yes");
      assert.ok(BigInt(rvOf(unconditional)) > BigInt(rvOf(replaced)), "an unconditional replace writes a new resourceVersion");

      const deleted = await r.delete(name("crud"));
      assert.equal(deleted.kind, r.deleteAnswers);
      if (deleted.kind === "Status") {
        const st = deleted as { status?: string; details?: { name?: string } };
        assert.equal(st.status, "Success");
        assert.equal(st.details?.name, name("crud"));
      }
      if (r.deletesAtOnce) {
        const gone = await statusOf(r.read(name("crud")));
        assert.equal(gone.code, 404);
      } else {
        const terminating = (await r.read(name("crud"))) as V1Namespace;
        assert.ok(terminating.metadata?.deletionTimestamp, "deletionTimestamp set");
        assert.equal(terminating.status?.phase, "Terminating");
      }
    });

    test("watch, stop, write while stopped, resume from the last resourceVersion: exactly the missed events", T, async () => {
      const start = await r.list({ labelSelector: sel });
      const w1 = await startWatch(r.path, { resourceVersion: rvOf(start), labelSelector: sel });
      const a = await r.create(r.make(name("a"), { smoke: tag }));
      const [addA] = await w1.waitFor(1);
      assert.deepEqual([addA!.type, addA!.name, addA!.rv], ["ADDED", name("a"), rvOf(a)]);
      w1.stop();

      // While no one watches: add b, change a, remove b (namespaces: change b instead).
      const b = await r.create(r.make(name("b"), { smoke: tag }));
      const aNow = await r.read(name("a"));
      r.change(aNow);
      const a2 = await r.replace(name("a"), aNow);
      const expected: Array<[string, string, string | null]> = [
        ["ADDED", name("b"), rvOf(b)],
        ["MODIFIED", name("a"), rvOf(a2)],
      ];
      if (r.deletesAtOnce) {
        await r.delete(name("b"));
        expected.push(["DELETED", name("b"), null]);
      } else {
        const bNow = await r.read(name("b"));
        r.change(bNow);
        const b2 = await r.replace(name("b"), bNow);
        expected.push(["MODIFIED", name("b"), rvOf(b2)]);
      }

      const w2 = await startWatch(r.path, { resourceVersion: addA!.rv, labelSelector: sel });
      try {
        const got = await w2.waitFor(expected.length);
        assert.deepEqual(
          got.map((e, i) => [e.type, e.name, expected[i]![2] === null ? null : e.rv]),
          expected,
        );
        assert.ok(r.changed(got[1]!.obj as T), "the MODIFIED event carries the new object");
        // Every event's resourceVersion moves forward (a DELETED event carries the deletion's).
        const rvs = got.map((e) => BigInt(e.rv));
        for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i]! > rvs[i - 1]!, `resourceVersions increase: ${got.map((e) => e.rv).join(", ")}`);
        // Nothing else was queued: the next event is the one we cause now.
        const c = await r.create(r.make(name("c"), { smoke: tag }));
        const all = await w2.waitFor(expected.length + 1);
        assert.deepEqual(all.slice(expected.length).map((e) => [e.type, e.name, e.rv]), [["ADDED", name("c"), rvOf(c)]]);
      } finally {
        w2.stop();
      }
    });
  });
}

smoke(namespaces);
smoke(configmaps);
smoke(pods);
smoke(deployments);

describe("ConfigMap lists", () => {
  const names = ["p-a", "p-b", "p-c", "p-d", "p-e"];
  before(async () => {
    for (const [i, n] of names.entries()) {
      await configmaps.create(configmaps.make(n, { smoke: "paging", tier: i % 2 === 0 ? "front" : "back", ...(i === 4 ? { extra: "1" } : {}) }));
    }
  });

  test("label selectors: equality, inequality, set-based, existence", T, async () => {
    const namesFor = async (labelSelector: string) => (await configmaps.list({ labelSelector })).items.map((o) => o.metadata?.name);
    assert.deepEqual(await namesFor("smoke=paging,tier=front"), ["p-a", "p-c", "p-e"]);
    assert.deepEqual(await namesFor("smoke=paging,tier!=front"), ["p-b", "p-d"]);
    assert.deepEqual(await namesFor("smoke=paging,tier in (back)"), ["p-b", "p-d"]);
    assert.deepEqual(await namesFor("smoke=paging,extra"), ["p-e"]);
    assert.deepEqual(await namesFor("smoke=paging,!extra"), ["p-a", "p-b", "p-c", "p-d"]);
    assert.deepEqual(await namesFor("smoke=nothing"), []);
  });

  test("a bad label selector is a 400 BadRequest Status", T, async () => {
    const { code, status } = await statusOf(configmaps.list({ labelSelector: "tier in front" }));
    assert.equal(code, 400);
    assert.equal(status["kind"], "Status");
    assert.equal(status["reason"], "BadRequest");
  });

  test("limit/continue pages through a consistent snapshot", T, async () => {
    const seen: string[] = [];
    const first = await configmaps.list({ labelSelector: "smoke=paging", limit: 2 });
    const snapshotRv = first.metadata?.resourceVersion;
    assert.ok(snapshotRv, "the first page has a resourceVersion");
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata?._continue, "a first page of a longer list has a continue token");
    seen.push(...first.items.map((o) => o.metadata!.name!));
    // Written after the first page: a continued list reads at the first page's revision, so this
    // never shows up in later pages.
    await configmaps.create(configmaps.make("p-z", { smoke: "paging", tier: "front" }));
    let token: string | undefined = first.metadata?._continue;
    let pages = 1;
    while (token) {
      const page = await configmaps.list({ labelSelector: "smoke=paging", limit: 2, _continue: token });
      assert.equal(page.metadata?.resourceVersion, snapshotRv, "every page reports the snapshot's resourceVersion");
      assert.ok(page.items.length <= 2, `${page.items.length} items on a page of limit 2`);
      seen.push(...page.items.map((o) => o.metadata!.name!));
      token = page.metadata?._continue;
      pages++;
      assert.ok(pages <= 5, "paging ends");
    }
    assert.deepEqual(seen, names);
    assert.ok(pages >= 3, `${pages} pages of at most 2`);
    // Without a selector, the server also counts what is left.
    const unfiltered = await configmaps.list({ limit: 1 });
    assert.equal(unfiltered.items.length, 1);
    assert.ok(unfiltered.metadata?._continue, "continue token on a partial unfiltered list");
    assert.equal(typeof unfiltered.metadata?.remainingItemCount, "number");
    // A fresh list sees p-z.
    assert.deepEqual((await configmaps.list({ labelSelector: "smoke=paging" })).items.map((o) => o.metadata?.name), [...names, "p-z"]);
  });

  test("a malformed continue token is a 400 BadRequest Status", T, async () => {
    const { code, status } = await statusOf(configmaps.list({ limit: 1, _continue: "not-a-token" }));
    assert.equal(code, 400, JSON.stringify(status));
    assert.equal(status["kind"], "Status");
    assert.equal(status["reason"], "BadRequest");
    assert.match(String(status["message"]), /^invalid continue token/);
  });
});

describe("errors", () => {
  test("a missing object is ApiException 404 with kube's NotFound Status", T, async () => {
    const { code, status } = await statusOf(core.readNamespacedConfigMap({ namespace: NS, name: "nope" }));
    assert.equal(code, 404);
    assert.deepEqual(status, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'configmaps "nope" not found',
      reason: "NotFound",
      details: { name: "nope", kind: "configmaps" },
      code: 404,
    });
  });

  test("a missing deployment and a missing namespace are 404 too", T, async () => {
    const dep = await statusOf(apps.readNamespacedDeployment({ namespace: NS, name: "nope" }));
    assert.equal(dep.code, 404);
    assert.deepEqual(dep.status["details"], { name: "nope", group: "apps", kind: "deployments" });
    assert.equal(dep.status["message"], 'deployments.apps "nope" not found');
    const ns = await statusOf(core.readNamespace({ name: "no-such-ns" }));
    assert.equal(ns.code, 404);
    assert.equal(ns.status["message"], 'namespaces "no-such-ns" not found');
    const del = await statusOf(core.deleteNamespacedPod({ namespace: NS, name: "nope" }));
    assert.equal(del.code, 404);
    assert.equal(del.status["reason"], "NotFound");
  });

  test("a body whose name or namespace disagrees with the URL is a 400 BadRequest", T, async () => {
    const ns = await statusOf(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "x", namespace: "default" } } }));
    assert.equal(ns.code, 400);
    assert.equal(ns.status["reason"], "BadRequest");
    assert.equal(ns.status["message"], "the namespace of the provided object does not match the namespace sent on the request");
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "named" } } });
    const name = await statusOf(core.replaceNamespacedConfigMap({ namespace: NS, name: "named", body: { metadata: { name: "other" } } }));
    assert.equal(name.code, 400);
    assert.equal(name.status["reason"], "BadRequest");
    assert.equal(name.status["message"], "the name of the object (other) does not match the name on the URL (named)");
  });

  test("an invalid object is 422 Invalid with field causes", T, async () => {
    const { code, status } = await statusOf(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "Bad_Name" } } }));
    assert.equal(code, 422);
    assert.equal(status["reason"], "Invalid");
    const details = status["details"] as { causes?: Array<{ field?: string }> };
    assert.ok(details.causes?.some((c) => c.field === "metadata.name"), JSON.stringify(details));
  });
});

describe("watch starting points", () => {
  test("without a resourceVersion: ADDED for each existing object, then live events", T, async () => {
    for (const n of ["w0-a", "w0-b"]) await configmaps.create(configmaps.make(n, { smoke: "w0" }));
    const w = await startWatch(configmaps.path, { labelSelector: "smoke=w0" });
    try {
      const initial = await w.waitFor(2);
      assert.deepEqual(initial.map((e) => [e.type, e.name]).sort(), [["ADDED", "w0-a"], ["ADDED", "w0-b"]]);
      await configmaps.delete("w0-a");
      const [, , del] = await w.waitFor(3);
      assert.deepEqual([del!.type, del!.name], ["DELETED", "w0-a"]);
    } finally {
      w.stop();
    }
  });

  test("one object by fieldSelector=metadata.name", T, async () => {
    await configmaps.create(configmaps.make("w1-other", {}));
    const one = await configmaps.create(configmaps.make("w1-one", {}));
    const w = await startWatch(configmaps.path, { fieldSelector: "metadata.name=w1-one", resourceVersion: rvOf(one) });
    try {
      const other = await configmaps.read("w1-other");
      configmaps.change(other);
      await configmaps.replace("w1-other", other);
      const cur = await configmaps.read("w1-one");
      configmaps.change(cur);
      const changed = await configmaps.replace("w1-one", cur);
      const [ev] = await w.waitFor(1);
      assert.deepEqual([ev!.type, ev!.name, ev!.rv], ["MODIFIED", "w1-one", rvOf(changed)]);
    } finally {
      w.stop();
    }
  });
});

describe("KubernetesObjectApi (kinds resolved through discovery)", () => {
  test("create, read, list, patch (merge, strategic), replace, delete", T, async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const inNs = <O extends KubernetesObject>(o: O): O => ({ ...o, metadata: { ...o.metadata, namespace: NS } });
    const cm = await objects.create(inNs(configmaps.make("generic-cm", { smoke: "generic" })));
    assert.equal(cm.metadata?.namespace, NS);
    const dep = await objects.create(inNs(deployments.make("generic-dep", { smoke: "generic" })));
    assert.equal(dep.metadata?.generation, 1);
    const read = await objects.read<V1Deployment>({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "generic-dep", namespace: NS } });
    assert.equal(read.metadata?.uid, dep.metadata?.uid);
    const list = await objects.list("v1", "ConfigMap", NS, undefined, undefined, undefined, undefined, "smoke=generic");
    assert.deepEqual(list.items.map((o) => o.metadata?.name), ["generic-cm"]);

    const merged = await objects.patch<V1ConfigMap>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "generic-cm", namespace: NS }, data: { added: "yes" } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
    assert.deepEqual(merged.data, { k: "v1", added: "yes" });
    const strategic = await objects.patch<V1Deployment>({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "generic-dep", namespace: NS }, spec: { replicas: 2 } } as V1Deployment, undefined, undefined, undefined, undefined, PatchStrategy.StrategicMergePatch);
    assert.equal(strategic.spec?.replicas, 2);
    assert.equal(strategic.metadata?.generation, 2);

    merged.data = { k: "replaced" };
    const replaced = await objects.replace(merged);
    assert.deepEqual(replaced.data, { k: "replaced" });

    await objects.delete(replaced);
    await objects.delete(dep);
    const gone = await statusOf(objects.read({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "generic-cm", namespace: NS } }));
    assert.equal(gone.code, 404);
  });

  // Patch is issue 4's; server-side apply is not built yet, so this reports without failing the run.
  test("server-side apply", { ...T, todo: "server-side apply (application/apply-patch+yaml) is answered 415" }, async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const body: V1ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied-cm", namespace: NS }, data: { k: "applied" } };
    const applied = await objects.patch(body, undefined, undefined, "smoke-manager", true, PatchStrategy.ServerSideApply);
    assert.equal(applied.data?.["k"], "applied");
    assert.ok(applied.metadata?.managedFields?.some((m) => m.manager === "smoke-manager" && m.operation === "Apply"), JSON.stringify(applied.metadata?.managedFields));
  });
});

describe("informer", () => {
  test("lists, then watches: add, update, delete reach the cache", T, async () => {
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS, labelSelector: "smoke=informer" }), "smoke=informer");
    await configmaps.create(configmaps.make("inf-old", { smoke: "informer" }));
    const log: string[] = [];
    let wake: (() => void) | null = null;
    const note = (what: string) => (o: V1ConfigMap) => {
      log.push(`${what} ${o.metadata?.name}`);
      wake?.();
    };
    informer.on("add", note("add"));
    informer.on("update", note("update"));
    informer.on("delete", note("delete"));
    const errors: unknown[] = [];
    informer.on("error", (e) => void errors.push(e));
    const until = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (log.length < n) {
        assert.ok(Date.now() < deadline, `informer saw only ${JSON.stringify(log)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          wake = () => (clearTimeout(t), r());
        });
      }
    };
    await informer.start();
    try {
      await until(1);
      assert.deepEqual(log, ["add inf-old"]);
      await configmaps.create(configmaps.make("inf-new", { smoke: "informer" }));
      await until(2);
      const cur = await configmaps.read("inf-new");
      configmaps.change(cur);
      await configmaps.replace("inf-new", cur);
      await until(3);
      await configmaps.delete("inf-old");
      await until(4);
      assert.deepEqual(log, ["add inf-old", "add inf-new", "update inf-new", "delete inf-old"]);
      assert.deepEqual(informer.list(NS).map((o) => o.metadata?.name), ["inf-new"]);
      assert.ok(configmaps.changed(informer.get("inf-new", NS)!));
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
