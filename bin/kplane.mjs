#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4: a small young generation keeps scavenges short. With V8's default
// (16 MiB semi-spaces) the store's scavenges took ~4 ms each and its p99 latency was ~1.5x
// etcd's; at 4 MiB they take ~1.4 ms. 8 MiB was tried (session 6): the API server spent ~5-7 %
// less CPU in bench:cluster's burst, but the store's watch p99 doubled (100 watchers ~4 -> ~7 ms,
// 1,000 watchers ~8 -> ~15 ms; notes/store.md), and the flag cannot differ by command without
// re-executing node. `npm start`, the benchmarks and the test harnesses pass the same flag;
// `node bin/kplane.mjs` without it works, with longer GC pauses.
import "../dist/kplane.mjs";
