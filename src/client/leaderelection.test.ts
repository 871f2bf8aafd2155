import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClient, FakeClock } from "./fake.js";
import { leaderElectionTimingError, microTime, runLeaderElection, type Lease } from "./leaderelection.js";
import { R } from "./resources.js";

const quiet = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("microTime has six fractional digits", () => {
  assert.equal(microTime(Date.parse("2026-01-02T03:04:05.678Z")), "2026-01-02T03:04:05.678000Z");
});

test("a held lease is taken only after it stood unchanged for leaseDuration by the observer's clock", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  // Another holder's renewTime is an hour old by our clock: that alone proves nothing (clocks differ).
  client.seed(R.leases, {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "l", namespace: "kube-system" },
    spec: { holderIdentity: "other", leaseDurationSeconds: 15, renewTime: microTime(clock.now() - 3600_000), leaseTransitions: 4 },
  } as Lease);
  let leading = false;
  let stopped = false;
  const ac = new AbortController();
  const done = runLeaderElection({
    client,
    namespace: "kube-system",
    name: "l",
    identity: "me",
    retryPeriodSeconds: 0.01,
    renewDeadlineSeconds: 0.05,
    leaseDurationSeconds: 15,
    clock,
    log: quiet,
    signal: ac.signal,
    onStartedLeading: () => void (leading = true),
    onStoppedLeading: () => void (stopped = true),
  });
  await sleep(60);
  assert.equal(leading, false, "not before 15 s of our clock");
  clock.advance(14_000);
  await sleep(60);
  assert.equal(leading, false, "not at 14 s");
  clock.advance(1_500);
  for (let i = 0; i < 200 && !leading; i++) await sleep(10);
  assert.equal(leading, true, "after 15 s");
  const lease = client.objectsOf<Lease>(R.leases)[0]!;
  assert.equal(lease.spec?.holderIdentity, "me");
  assert.equal(lease.spec?.leaseTransitions, 5);
  assert.equal(lease.spec?.acquireTime, lease.spec?.renewTime);

  // Someone else writes the lease (a renewal we lost the race to): we stop leading.
  const cur = client.objectsOf<Lease>(R.leases)[0]!;
  await client.update(R.leases, { ...cur, spec: { ...cur.spec, holderIdentity: "thief" } });
  await done;
  assert.equal(stopped, true, "lost leadership ends the run");
  assert.equal(client.objectsOf<Lease>(R.leases)[0]!.spec?.holderIdentity, "thief", "nothing released that was not ours");
  ac.abort();
});

test("timings are checked as client-go's NewLeaderElector checks them", async () => {
  assert.equal(leaderElectionTimingError({ leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }), undefined);
  assert.equal(leaderElectionTimingError({ leaseDurationSeconds: 5, renewDeadlineSeconds: 4, retryPeriodSeconds: 1 }), undefined);
  assert.equal(leaderElectionTimingError({ leaseDurationSeconds: 10, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }), "leaseDuration must be greater than renewDeadline");
  assert.equal(leaderElectionTimingError({ leaseDurationSeconds: 15, renewDeadlineSeconds: 2.4, retryPeriodSeconds: 2 }), "renewDeadline must be greater than retryPeriod*JitterFactor");
  assert.equal(leaderElectionTimingError({ leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 0 }), "retryPeriod must be greater than zero");
  const ac = new AbortController();
  await assert.rejects(
    runLeaderElection({ client: new FakeClient(new FakeClock()), namespace: "kube-system", name: "l", identity: "me", leaseDurationSeconds: 3, renewDeadlineSeconds: 4, signal: ac.signal, log: quiet, onStartedLeading() {} }),
    /leaseDuration must be greater than renewDeadline/,
  );
});

test("the lease records its duration in whole seconds", async () => {
  const clock = new FakeClock();
  const client = new FakeClient(clock);
  const ac = new AbortController();
  let leading = false;
  const done = runLeaderElection({
    client, namespace: "kube-system", name: "l", identity: "me",
    leaseDurationSeconds: 2.5, renewDeadlineSeconds: 0.05, retryPeriodSeconds: 0.01,
    clock, log: quiet, signal: ac.signal, releaseOnCancel: false,
    onStartedLeading: () => void (leading = true),
  });
  for (let i = 0; i < 200 && !leading; i++) await sleep(5);
  assert.equal(client.objectsOf<Lease>(R.leases)[0]!.spec?.leaseDurationSeconds, 2);
  ac.abort();
  await done;
});
