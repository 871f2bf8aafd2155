import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../client/types.js";
import { CronError, parseGoDuration, parseSchedule } from "./cron.js";
import { jobNameFor, jobsOverLimit, mostRecentScheduleTime, nextScheduleDelay, rfc1123z, rfc3339In } from "./core.js";
import { loadZone, type Zone } from "./cron.js";

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace(".000Z", "Z"));

test("next schedule times", () => {
  const cases: [string, string, string | undefined][] = [
    // schedule, after -> next
    ["*/15 * * * *", "2026-01-01T00:07:30Z", "2026-01-01T00:15:00Z"],
    ["0 5 * * *", "2026-01-01T05:00:00Z", "2026-01-02T05:00:00Z"],
    ["0 5 * * *", "2026-01-01T04:59:59.500Z", "2026-01-01T05:00:00Z"],
    ["@hourly", "2026-01-01T10:30:00Z", "2026-01-01T11:00:00Z"],
    ["@daily", "2026-01-01T10:30:00Z", "2026-01-02T00:00:00Z"],
    ["@midnight", "2026-01-01T10:30:00Z", "2026-01-02T00:00:00Z"],
    ["@weekly", "2026-01-01T10:30:00Z", "2026-01-04T00:00:00Z"],
    ["@monthly", "2026-01-01T10:30:00Z", "2026-02-01T00:00:00Z"],
    ["@yearly", "2026-01-01T10:30:00Z", "2027-01-01T00:00:00Z"],
    ["@annually", "2026-01-01T10:30:00Z", "2027-01-01T00:00:00Z"],
    ["0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"],
    ["0 0 31 2 *", "2026-01-01T00:00:00Z", undefined],
    // Both day fields restricted: either matches (2026-01-02 is a Friday).
    ["0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    ["0 0 13 * *", "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z"],
    ["0 0 * * mon-fri", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"],
    ["0 0 ? * SUN", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"],
    ["30 6-16/4 * * 1-5", "2026-01-05T06:30:00Z", "2026-01-05T10:30:00Z"],
    ["0 0 1 jan,jul *", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"],
    ["5/20 * * * *", "2026-01-01T00:06:00Z", "2026-01-01T00:25:00Z"],
    ["TZ=America/New_York 0 9 * * *", "2026-01-01T00:00:00Z", "2026-01-01T14:00:00Z"],
    ["CRON_TZ=America/New_York 0 9 * * *", "2026-07-01T00:00:00Z", "2026-07-01T13:00:00Z"],
    ["TZ=Asia/Kolkata 0 0 * * *", "2026-01-01T00:00:00Z", "2026-01-01T18:30:00Z"],
    // 02:30 does not exist on 2026-03-08 in New York: robfig runs the next day.
    ["TZ=America/New_York 30 2 * * *", "2026-03-07T08:00:00Z", "2026-03-09T06:30:00Z"],
    // 01:30 happens twice on 2026-11-01: robfig runs at both.
    ["TZ=America/New_York 30 1 * * *", "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z"],
    ["TZ=America/New_York 30 1 * * *", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"],
    ["@every 90m", "2026-01-01T00:00:00.400Z", "2026-01-01T01:30:00Z"],
    ["@every 1h30m", "2026-01-01T00:00:00Z", "2026-01-01T01:30:00Z"],
  ];
  for (const [spec, after, want] of cases) {
    assert.equal(iso(parseSchedule(spec).next(Date.parse(after))), want, `${spec} after ${after}`);
  }
});

test("schedule errors read as robfig's", () => {
  const cases: [string, string][] = [
    ["", "empty spec string"],
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"],
    ["61 * * * *", "end of range (61) above maximum (59): 61"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["@foo", "unrecognized descriptor: @foo"],
    ["@every 5x", '@every 5x'],
    ["TZ=Mars/Base * * * * *", "provided bad location Mars/Base: unknown time zone Mars/Base"],
  ];
  for (const [spec, msg] of cases) {
    assert.throws(() => parseSchedule(spec), (e: unknown) => e instanceof CronError && e.message.includes(msg), spec);
  }
  assert.equal(parseGoDuration("1h30m"), 5_400_000);
  assert.equal(parseGoDuration("1.5s"), 1500);
  assert.equal(parseGoDuration("5"), 'time: missing unit in duration "5"');
});

const cj = (schedule: string, status: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name: "hello", namespace: "default", uid: "cj-1", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { schedule, ...spec },
  status,
});
const T = (s: string): number => Date.parse(`2026-01-01T${s}Z`);

test("most recent schedule time and missed counts", () => {
  const every5 = parseSchedule("*/5 * * * *");
  assert.deepEqual(mostRecentScheduleTime(cj("*/5 * * * *"), T("00:04:00"), every5, true), { earliest: T("00:00:00"), missed: "none" });
  assert.deepEqual(mostRecentScheduleTime(cj("*/5 * * * *"), T("00:05:00"), every5, true), { earliest: T("00:00:00"), mostRecent: T("00:05:00"), missed: "none" });
  assert.deepEqual(mostRecentScheduleTime(cj("*/5 * * * *"), T("00:17:00"), every5, true), { earliest: T("00:00:00"), mostRecent: T("00:15:00"), missed: "few" });
  // After the last schedule time, only later ones count.
  const ran = cj("*/5 * * * *", { lastScheduleTime: "2026-01-01T00:15:00Z" });
  assert.deepEqual(mostRecentScheduleTime(ran, T("00:17:00"), every5, true), { earliest: T("00:15:00"), missed: "none" });
  // startingDeadlineSeconds moves the window up to now.
  const sds = cj("*/5 * * * *", {}, { startingDeadlineSeconds: 10 });
  assert.equal(mostRecentScheduleTime(sds, T("00:05:30"), every5, true).mostRecent, undefined);
  assert.equal(mostRecentScheduleTime(sds, T("00:05:05"), every5, true).mostRecent, T("00:05:00"));
  // More than 100 missed: "many", and still the latest time.
  const minutely = parseSchedule("* * * * *");
  assert.deepEqual(mostRecentScheduleTime(cj("* * * * *"), T("03:00:30"), minutely, true), { earliest: T("00:00:00"), mostRecent: T("03:00:00"), missed: "many" });
});

test("next schedule delay, job names, timestamps, history", () => {
  const every5 = parseSchedule("*/5 * * * *");
  assert.equal(nextScheduleDelay(cj("*/5 * * * *"), T("00:00:30"), every5), 270_100);
  assert.equal(nextScheduleDelay(cj("*/5 * * * *", { lastScheduleTime: "2026-01-01T00:05:00Z" }), T("00:05:00"), every5), 300_100);
  assert.equal(nextScheduleDelay(cj("*/5 * * * *"), T("00:17:00"), every5), 180_100);
  assert.equal(jobNameFor(cj("x"), T("00:05:00")), `hello-${T("00:05:00") / 60_000}`);
  assert.equal(rfc3339In(T("14:00:00"), loadZone("America/New_York") as Zone), "2026-01-01T09:00:00-05:00");
  assert.equal(rfc3339In(T("14:00:00"), loadZone("") as Zone), "2026-01-01T14:00:00Z");
  assert.equal(rfc1123z(T("00:05:00")), "Thu, 01 Jan 2026 00:05:00 +0000");
  assert.equal(loadZone("america/new_york"), "unknown time zone america/new_york");
  const j = (name: string, start?: string): KObject => ({ metadata: { name }, status: start ? { startTime: start } : {} });
  const over = jobsOverLimit([j("c", "2026-01-01T00:10:00Z"), j("a", "2026-01-01T00:00:00Z"), j("b"), j("d", "2026-01-01T00:05:00Z")], 2);
  assert.deepEqual(over.map((x) => x.metadata.name), ["a", "d"]);
  assert.deepEqual(jobsOverLimit([j("a")], undefined), []);
});
