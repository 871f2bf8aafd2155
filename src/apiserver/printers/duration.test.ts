import { test } from "node:test";
import assert from "node:assert/strict";
import { humanDuration } from "./duration.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test("humanDuration follows kube's duration.HumanDuration", () => {
  const cases: [number, string][] = [
    [-3 * s, "<invalid>"],
    [-2 * s, "<invalid>"],
    [-1999, "0s"], // truncates to -1s: clock skew reads as now
    [-1 * s, "0s"],
    [0, "0s"],
    [999, "0s"],
    [5 * s, "5s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [4 * m + 10 * s, "4m10s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [5 * h + 3 * m, "5h3m"],
    [7 * h + 59 * m + 59 * s, "7h59m"],
    [8 * h + 30 * m, "8h"],
    [47 * h + 59 * m, "47h"],
    [48 * h, "2d"],
    [2 * d + 5 * h, "2d5h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d, "8d"],
    [400 * d, "400d"],
    [729 * d + 23 * h, "729d"],
    [730 * d, "2y"],
    [731 * d, "2y1d"],
    [8 * 365 * d - 1, "7y364d"],
    [8 * 365 * d, "8y"],
    [100 * 365 * d, "100y"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test("humanDuration of a non-finite duration is invalid", () => {
  assert.equal(humanDuration(Number.NaN), "<invalid>");
});
