import assert from "node:assert/strict";
import { test } from "node:test";
import { IpPool, addressAt, formatIPv4, parseCIDR, parseIPv4, subnetAt } from "./ip.js";

test("IPv4 parse and format round-trip; bad input is refused", () => {
  for (const ip of ["0.0.0.0", "10.244.3.7", "255.255.255.255"]) assert.equal(formatIPv4(parseIPv4(ip)), ip);
  for (const bad of ["10.0.0", "10.0.0.256", "a.b.c.d", "10.0.0.1.2", ""]) assert.throws(() => parseIPv4(bad));
  assert.deepEqual(parseCIDR("10.244.7.9/16"), { base: parseIPv4("10.244.0.0"), prefix: 16 });
  assert.throws(() => parseCIDR("10.0.0.0/33"));
});

test("pod CIDRs: the k-th /24 of the cluster CIDR, continuing past its end", () => {
  const cases: [string, number, string][] = [
    ["10.244.0.0/16", 0, "10.244.0.0/24"],
    ["10.244.0.0/16", 1, "10.244.1.0/24"],
    ["10.244.0.0/16", 255, "10.244.255.0/24"],
    ["10.244.0.0/16", 256, "10.245.0.0/24"],
    ["10.244.0.0/16", 999, "10.247.231.0/24"],
    ["192.168.0.0/20", 3, "192.168.3.0/24"],
  ];
  for (const [base, i, want] of cases) assert.equal(subnetAt(base, i), want, `${base} #${i}`);
  assert.equal(subnetAt("10.244.0.0/16", 2, 26), "10.244.0.128/26");
  assert.throws(() => subnetAt("10.244.0.0/24", 0, 16));
});

test("node addresses are the base plus the node's number", () => {
  assert.equal(addressAt("10.0.0.0", 1), "10.0.0.1");
  assert.equal(addressAt("10.0.0.0", 256), "10.0.1.0");
  assert.throws(() => addressAt("255.255.255.255", 1));
});

test("IpPool hands out .2 upward, one per owner, skips reserved, refuses when full", () => {
  const pool = new IpPool("10.244.1.0/24");
  assert.equal(pool.allocate("a"), "10.244.1.2");
  assert.equal(pool.allocate("a"), "10.244.1.2", "same owner, same address");
  assert.equal(pool.reserve("c", "10.244.1.3"), true);
  assert.equal(pool.reserve("d", "10.244.1.3"), false, "taken");
  assert.equal(pool.reserve("e", "10.244.2.3"), false, "outside the CIDR");
  assert.equal(pool.reserve("f", "10.244.1.1"), false, "the gateway");
  assert.equal(pool.allocate("b"), "10.244.1.4");
  pool.release("a");
  assert.equal(pool.allocate("g"), "10.244.1.5", "round robin: a freed address is not reused at once");
  const small = new IpPool("10.0.0.0/30");
  assert.equal(small.allocate("x"), "10.0.0.2");
  assert.equal(small.allocate("y"), undefined);
  small.release("x");
  assert.equal(small.allocate("y"), "10.0.0.2");
  const full = new IpPool("10.1.0.0/24");
  const seen = new Set<string>();
  for (let i = 0; i < 253; i++) seen.add(full.allocate(`p${i}`) ?? "none");
  assert.equal(seen.size, 253);
  assert.ok(!seen.has("none") && !seen.has("10.1.0.255") && !seen.has("10.1.0.1"));
  assert.equal(full.allocate("one-too-many"), undefined);
});
