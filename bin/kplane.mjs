#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4: a small young generation keeps scavenges short. With V8's default
// (16 MiB semi-spaces) the store's scavenges took ~4 ms each and its p99 latency was ~1.5x
// etcd's; at 4 MiB they take ~1.4 ms and p99 is level (bench/results). `npm start`, the
// benchmarks and the test harness pass the same flag; `node bin/kplane.mjs` without it works,
// with longer GC pauses.
import "../dist/kplane.mjs";
