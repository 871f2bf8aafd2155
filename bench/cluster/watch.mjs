// What the cluster benchmark sees of nodes and pods, from watches (as kube's SLO measurement does:
// a pod's startup is over when a watch shows it Running with all containers ready). Every
// event is stamped with performance.now() on arrival, so times have ms resolution where the
// objects' own timestamps have whole seconds.
import { openWatch } from "../apiserver/client.mjs";

/**
 * Keeps a watch on `path` open until close(): re-opened from the last resourceVersion seen if
 * the server ends it. `onEvent(type, object, at)` gets every event but bookmarks.
 */
export function keepWatching(tls, path, onEvent) {
  let rv = "";
  let closed = false;
  let current;
  let opens = 0;
  const onLine = (line) => {
    const at = performance.now();
    if (line.length === 0) return;
    const e = JSON.parse(line.toString("utf8"));
    const v = e.object?.metadata?.resourceVersion;
    if (v) rv = v;
    if (e.type === "BOOKMARK") return;
    if (e.type === "ERROR") throw new Error(`watch ${path}: ${e.object?.message ?? "error"}`);
    onEvent(e.type, e.object, at);
  };
  const open = () => {
    opens++;
    const q = `watch=1&allowWatchBookmarks=true&timeoutSeconds=3600${rv ? `&resourceVersion=${rv}` : ""}`;
    current = openWatch(tls, `${path}?${q}`, onLine);
    current.ended.then(() => {
      if (!closed) setTimeout(open, 100);
    });
    return current.opened;
  };
  const opened = open();
  return {
    opened,
    reopens: () => opens - 1,
    close() {
      closed = true;
      current?.close();
    },
  };
}

const readyTrue = (o) => (o.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Nodes by name: when each was first seen and first seen Ready. */
export class NodeTracker {
  constructor() {
    this.nodes = new Map();
    this.ready = 0;
    this.waiters = [];
  }

  onEvent(type, node, at) {
    const name = node.metadata.name;
    if (type === "DELETED") {
      const n = this.nodes.get(name);
      if (n?.readyAt !== undefined) this.ready--;
      this.nodes.delete(name);
      return;
    }
    let n = this.nodes.get(name);
    if (!n) this.nodes.set(name, (n = { seenAt: at }));
    if (n.readyAt === undefined && readyTrue(node)) {
      n.readyAt = at;
      this.ready++;
      this.check();
    }
  }

  /** Resolves when `count` nodes are Ready. */
  whenReady(count) {
    return new Promise((r) => {
      this.waiters.push({ count, r });
      this.check();
    });
  }

  check() {
    this.waiters = this.waiters.filter((w) => (this.ready >= w.count ? (w.r(), false) : true));
  }
}

/**
 * Pods by uid: when the watch first showed each (its creation, to the ms), bound to a node,
 * Running with Ready=True, and gone; plus creationTimestamp (whole seconds) for comparison.
 */
export class PodTracker {
  constructor() {
    this.pods = new Map();
    this.live = 0;
    this.running = 0;
    this.waiters = [];
    this.events = 0;
  }

  onEvent(type, pod, at) {
    this.events++;
    const uid = pod.metadata.uid;
    let p = this.pods.get(uid);
    if (!p) {
      if (type === "DELETED") return;
      this.pods.set(uid, (p = { name: pod.metadata.name, addedAt: at, created: Date.parse(pod.metadata.creationTimestamp) }));
      this.live++;
    }
    if (type === "DELETED") {
      if (p.goneAt === undefined) {
        p.goneAt = at;
        this.live--;
        if (p.runningAt !== undefined && !p.stoppedRunning) this.running--;
      }
      this.check();
      return;
    }
    if (p.boundAt === undefined && pod.spec?.nodeName) p.boundAt = at;
    if (p.runningAt === undefined && pod.status?.phase === "Running" && readyTrue(pod)) {
      p.runningAt = at;
      p.runningWall = Date.now();
      this.running++;
    }
    if (p.runningAt !== undefined && !p.stoppedRunning && (pod.metadata.deletionTimestamp || pod.status?.phase !== "Running")) {
      p.stoppedRunning = true;
      this.running--;
    }
    this.check();
  }

  /** Resolves when `pred(this)` holds. */
  when(pred) {
    return new Promise((r) => {
      this.waiters.push({ pred, r });
      this.check();
    });
  }

  check() {
    if (this.waiters.length) this.waiters = this.waiters.filter((w) => (w.pred(this) ? (w.r(), false) : true));
  }

  /** Startup latencies (ms) of the pods first seen at or after `since` whose name passes `which`. */
  startup(since, which = () => true) {
    const watch = [];
    const fromTimestamp = [];
    const scheduling = [];
    const afterBinding = [];
    for (const p of this.pods.values()) {
      if (p.addedAt < since || p.runningAt === undefined || !which(p.name)) continue;
      watch.push(p.runningAt - p.addedAt);
      fromTimestamp.push(p.runningWall - p.created);
      if (p.boundAt !== undefined) {
        scheduling.push(p.boundAt - p.addedAt);
        afterBinding.push(p.runningAt - p.boundAt);
      }
    }
    return { watch, fromTimestamp, scheduling, afterBinding };
  }
}
