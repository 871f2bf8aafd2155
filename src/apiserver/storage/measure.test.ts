// Figures for the README (kplane's store in this process): create throughput through the etcd3
// store, then reads of 10,000 small objects from the watch cache. Prints JSON and a table.
import { create } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { test } from "node:test";
import { TxnRequestSchema } from "../../store/api/gen/rpc_pb.js";
import { cacher } from "./cacher.js";
import { etcd3Storage } from "./etcd3.js";
import { pod, startBackend } from "./testutil.js";

const N = 10_000;
/** Objects created one by one through the store (the rest go in batches). */
const CREATES = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** This process's CPU time in ms: on a shared, loaded machine wall time says little. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `fn` `n` times; the median wall time and the mean CPU time of one run, in ms. */
async function timeIt(n: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const c0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    walls.push(performance.now() - s);
  }
  return { wall: +median(walls).toFixed(3), cpu: +((cpuMs() - c0) / n).toFixed(3) };
}

test(`measurement: ${N} small objects, created in-process, read from the cache`, async (t) => {
  const b = await startBackend("kplane");
  const store = etcd3Storage(b.client);
  const p = "/registry/pods/";
  try {
    // Warm up (JIT, the store's first WAL segment), then 64 creates in flight at a time.
    await Promise.all(Array.from({ length: 256 }, (_, i) => store.create(`/registry/warm/default/w${i}`, pod(`w${i}`))));
    const t0 = performance.now();
    const cpu0 = cpuMs();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < CREATES) {
        const i = next++;
        await store.create(`${p}ns${i % 10}/pod-${i}`, pod(`pod-${i}`, { app: `a${i % 7}` }));
      }
    }));
    const createMs = performance.now() - t0;
    const createCpu = cpuMs() - cpu0;
    // The rest in transactions of 100 puts (the measure is of reads from here on).
    for (let i = CREATES; i < N; i += 100) {
      await b.client.txn(create(TxnRequestSchema, {
        success: Array.from({ length: Math.min(100, N - i) }, (_, j) => {
          const o = pod(`pod-${i + j}`, { app: `a${(i + j) % 7}` });
          return { request: { case: "requestPut" as const, value: { key: Buffer.from(`${p}ns${(i + j) % 10}/pod-${i + j}`), value: Buffer.from(JSON.stringify(o)) } } };
        }),
      }));
    }

    const t1 = performance.now();
    const cpu1 = cpuMs();
    const c = cacher(store, b.client, p);
    await c.ready();
    const ready = { wall: Math.round(performance.now() - t1), cpu: Math.round(cpuMs() - cpu1) };

    await c.getList(p, { resourceVersion: "0" }); // warm-up
    const listAny = await timeIt(10, async () => assert.equal((await c.getList(p, { resourceVersion: "0" })).items.length, N));
    const listConsistent = await timeIt(10, async () => assert.equal((await c.getList(p)).items.length, N));
    const page = await timeIt(10, async () => assert.equal((await c.getList(p, { limit: 500 })).remainingItemCount, N - 500));
    const selector = { matches: (o: { metadata: { labels?: Record<string, string> } }) => o.metadata.labels?.["app"] === "a3" };
    const listSel = await timeIt(10, () => c.getList(p, { resourceVersion: "0", predicate: selector }));
    const gets = 10_000;
    let i = 0;
    const get = await timeIt(gets, () => c.get(`${p}ns${i % 10}/pod-${i++ % N}`, { resourceVersion: "0" }));
    await c.close();

    const fig = {
      createsPerSec: Math.round((CREATES / createMs) * 1000),
      createCpuUs: +((createCpu * 1000) / CREATES).toFixed(1),
      cacheInitialList: ready,
      listRV0: listAny,
      listConsistent,
      listLimit500: page,
      listSelector: listSel,
      getRV0Us: { wall: +(get.wall * 1000).toFixed(1), cpu: +(get.cpu * 1000).toFixed(1) },
    };
    const row = (what: string, x: { wall: number; cpu: number }, unit = "ms") => `${what.padEnd(46)} ${String(x.wall).padStart(8)} ${unit} wall  ${String(x.cpu).padStart(8)} ${unit} CPU`;
    const lines = [
      JSON.stringify(fig),
      `create (etcd3 store, in-process, 64 in flight)   ${fig.createsPerSec} objects/s, ${fig.createCpuUs} µs CPU each (store included)`,
      row(`cache: initial list of ${N}`, ready),
      row(`cache: list ${N}, resourceVersion=0`, listAny),
      row(`cache: list ${N}, consistent`, listConsistent),
      row(`cache: first page of 500, consistent`, page),
      row(`cache: list ${N} with a label predicate`, listSel),
      row(`cache: get, resourceVersion=0`, fig.getRV0Us, "µs"),
    ];
    for (const l of lines) t.diagnostic(l);
    if (process.env["STORAGE_MEASURE_PRINT"]) console.log(lines.join("\n"));
  } finally {
    await b.stop();
  }
});
