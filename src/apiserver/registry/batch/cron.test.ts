import { test } from "node:test";
import assert from "node:assert/strict";
import { loadLocationError, parseDurationError, parseStandardCron } from "./cron.js";

const cases: [string, string | undefined][] = [
  ["*/5 * * * *", undefined],
  ["0 0 1 jan-dec mon-fri", undefined],
  ["30 2 * * SUN", undefined],
  ["@daily", undefined],
  ["@every 1h30m", undefined],
  ["TZ=Europe/Paris 0 3 * * *", undefined],
  ["", "empty spec string"],
  ["x", "expected exactly 5 fields, found 1: [x]"],
  ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
  ["* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"],
  ["60 * * * *", "end of range (60) above maximum (59): 60"],
  ["* 24 * * *", "end of range (24) above maximum (23): 24"],
  ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
  ["5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"],
  ["a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
  ["*/0 * * * *", "step of range should be a positive number: */0"],
  ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
  ["*/2/3 * * * *", "too many slashes: */2/3"],
  ["@fortnightly", "unrecognized descriptor: @fortnightly"],
  ["@every x", 'failed to parse duration @every x: time: invalid duration "x"'],
  ["TZ=Nowhere/Land 0 3 * * *", "provided bad location Nowhere/Land: unknown time zone Nowhere/Land"],
];

for (const [spec, want] of cases) {
  test(`cron ${JSON.stringify(spec)}`, () => assert.equal(parseStandardCron(spec), want));
}

test("durations and zones as Go reads them", () => {
  assert.equal(parseDurationError("10s"), undefined);
  assert.equal(parseDurationError("1.5h"), undefined);
  assert.equal(parseDurationError("10"), 'time: missing unit in duration "10"');
  assert.equal(parseDurationError("10x"), 'time: unknown unit "x" in duration "10x"');
  assert.equal(loadLocationError("America/New_York"), undefined);
  assert.equal(loadLocationError("US/Eastern"), undefined);
  assert.equal(loadLocationError("america/new_york"), "unknown time zone america/new_york");
  assert.equal(loadLocationError("Mars/Base"), "unknown time zone Mars/Base");
});
