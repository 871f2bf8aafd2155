#!/usr/bin/env node
// V8's own young generation (16 MiB semi-spaces). Sessions 1-7 ran every command at 4 MiB for
// shorter scavenges, chosen when the store allocated per put and per watcher; once those were
// gone (session 7), a same-run bench:store at 16 MiB (bench/results/store-2026-11-22-s8-semi16.md)
// kept the store's throughput and p99 ratios to etcd, and the API server spent 12-16 % less CPU
// in bench:cluster's burst (fewer scavenges of the same requests in flight). notes/store.md.
import "../dist/kplane.mjs";
