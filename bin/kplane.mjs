#!/usr/bin/env -S node --max-semi-space-size=8
// --max-semi-space-size=8: a young generation of 8 MiB semi-spaces. With V8's default (16 MiB)
// the store's scavenges took ~4 ms each and its p99 latency was ~1.5x etcd's; at 4 MiB they took
// ~1.4 ms, but the API server then spent 15-19 % of its main thread in GC. At 8 MiB the API
// server's CPU in bench:cluster's burst is ~5-7 % lower and the store's put and watch p99 did
// not move beyond run-to-run noise (notes/store.md, session 6). `npm start`, the benchmarks and
// the test harnesses pass the same flag; `node bin/kplane.mjs` without it works, with V8's default.
import "../dist/kplane.mjs";
