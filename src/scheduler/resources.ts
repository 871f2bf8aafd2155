/**
 * Resource arithmetic as the scheduler does it: quantities to integers (cpu in millicores,
 * everything else in units, rounded up as resource.Quantity's MilliValue/Value do), a pod's
 * effective requests (kube's resourcehelper.PodRequests: containers + restartable init
 * containers, at least the largest init container, plus overhead), and node allocatable.
 */
import type { Container, Node, Pod, ResourceList, Resources } from "./types.js";

const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const shape = /^([+-]?[0-9]*\.?[0-9]*)([eE][+-]?[0-9]+|[a-zA-Z]*)$/;

const parsed = new Map<string, number>();

/** The value of a quantity as a float (NaN when malformed). Cached: pods repeat the same few strings. */
export function quantityValue(q: string | number | undefined | null): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === "number") return q;
  let v = parsed.get(q);
  if (v !== undefined) return v;
  const m = shape.exec(q.trim());
  if (!m || m[1] === "" || m[1] === "." || m[1] === "+" || m[1] === "-") v = NaN;
  else {
    const n = Number(m[1]);
    const suffix = m[2]!;
    if (suffix in binary) v = n * binary[suffix]!;
    else if (suffix in decimal) v = n * decimal[suffix]!;
    else if (/^[eE][+-]?\d+$/.test(suffix)) v = n * 10 ** Number(suffix.slice(1));
    else v = NaN;
  }
  if (parsed.size > 10_000) parsed.clear();
  parsed.set(q, v);
  return v;
}

/** Rounds up, ignoring float noise such as 0.1 × 1000 = 100.00000000000001. */
function ceil(x: number): number {
  if (!Number.isFinite(x)) return 0;
  const r = Math.round(x);
  return Math.abs(x - r) <= Math.abs(x) * 1e-12 ? r : Math.ceil(x);
}

/** Quantity.MilliValue(): rounded up. */
export function milliValue(q: string | number | undefined | null): number {
  return ceil(quantityValue(q) * 1000);
}

/** Quantity.Value(): rounded up. */
export function unitValue(q: string | number | undefined | null): number {
  return ceil(quantityValue(q));
}

export const emptyResources = (): Resources => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: new Map() });

/** Resources the scheduler tracks beyond cpu/memory/storage: extended (domain/name), hugepages-*, attachable volumes. */
function isScalarResource(name: string): boolean {
  return name.includes("/") || name.startsWith("hugepages-") || name.startsWith("attachable-volumes-");
}

function addList(r: Resources, list: ResourceList | undefined | null, sign = 1): void {
  if (!list) return;
  for (const name in list) {
    const q = list[name];
    switch (name) {
      case "cpu":
        r.milliCPU += sign * milliValue(q);
        break;
      case "memory":
        r.memory += sign * unitValue(q);
        break;
      case "ephemeral-storage":
        r.ephemeralStorage += sign * unitValue(q);
        break;
      case "pods":
        break;
      default:
        if (isScalarResource(name)) r.scalar.set(name, (r.scalar.get(name) ?? 0) + sign * unitValue(q));
    }
  }
}

export function addResources(into: Resources, r: Resources, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  for (const [k, v] of r.scalar) {
    const n = (into.scalar.get(k) ?? 0) + sign * v;
    if (n === 0) into.scalar.delete(k);
    else into.scalar.set(k, n);
  }
}

function maxInto(into: Resources, r: Resources): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [k, v] of r.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
}

/** A container's requests as the API server leaves them: a limit without a request defaults the request. */
function containerRequests(c: Container): ResourceList | undefined {
  const req = c.resources?.requests;
  const lim = c.resources?.limits;
  if (!lim) return req;
  const out: ResourceList = { ...lim, ...(req ?? {}) };
  return out;
}

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/**
 * A container's requests for scoring: cpu and memory default to 100m / 200Mi when the
 * container names none (an explicit zero stays zero), as kube's non-missing requests.
 */
function nonZero(c: Container): { cpu: number; mem: number } {
  const req = containerRequests(c);
  return {
    cpu: req && "cpu" in req ? milliValue(req.cpu) : DEFAULT_MILLI_CPU_REQUEST,
    mem: req && "memory" in req ? unitValue(req.memory) : DEFAULT_MEMORY_REQUEST,
  };
}

/** The pod's effective requests (what NodeResourcesFit checks and nodes account). */
export function podRequests(pod: Pod): { requests: Resources; nonZeroCPU: number; nonZeroMemory: number } {
  const spec = pod.spec ?? {};
  const reqs = emptyResources();
  let nzCPU = 0;
  let nzMem = 0;
  for (const c of spec.containers ?? []) {
    addList(reqs, containerRequests(c));
    const nz = nonZero(c);
    nzCPU += nz.cpu;
    nzMem += nz.mem;
  }
  // Sidecars (restartable init containers) run beside everything after them; a regular init
  // container runs alone with the sidecars started before it.
  const sidecars = emptyResources();
  const initMax = emptyResources();
  let sideCPU = 0;
  let sideMem = 0;
  let initCPU = 0;
  let initMem = 0;
  for (const c of spec.initContainers ?? []) {
    const r = emptyResources();
    addList(r, containerRequests(c));
    const nz = nonZero(c);
    if (c.restartPolicy === "Always") {
      addResources(sidecars, r);
      sideCPU += nz.cpu;
      sideMem += nz.mem;
      maxInto(initMax, sidecars);
      initCPU = Math.max(initCPU, sideCPU);
      initMem = Math.max(initMem, sideMem);
    } else {
      addResources(r, sidecars);
      maxInto(initMax, r);
      initCPU = Math.max(initCPU, nz.cpu + sideCPU);
      initMem = Math.max(initMem, nz.mem + sideMem);
    }
  }
  addResources(reqs, sidecars);
  maxInto(reqs, initMax);
  nzCPU = Math.max(nzCPU + sideCPU, initCPU);
  nzMem = Math.max(nzMem + sideMem, initMem);
  if (spec.overhead) {
    addList(reqs, spec.overhead);
    nzCPU += milliValue(spec.overhead.cpu);
    nzMem += unitValue(spec.overhead.memory);
  }
  return { requests: reqs, nonZeroCPU: nzCPU, nonZeroMemory: nzMem };
}

/** A node's status.allocatable as numbers (kube reads allocatable only, not capacity). */
export function nodeAllocatable(node: Node): Resources & { pods: number } {
  const r = emptyResources();
  const list = node.status?.allocatable;
  addList(r, list);
  return { ...r, pods: list?.pods !== undefined ? unitValue(list.pods) : 0 };
}
