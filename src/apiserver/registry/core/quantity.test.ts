import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalQuantity, cmpQuantity, milliValue, parseQuantity, quantityFormatError, type Quantity } from "./quantity.js";

test("canonical text as kube stores it", () => {
  const cases: [unknown, string][] = [
    ["0", "0"], ["0.0", "0"], ["0Mi", "0"], ["100m", "100m"], ["0.5", "500m"], ["1.0", "1"], ["1000", "1k"],
    ["1500", "1500"], ["1500000", "1500k"], ["1e3", "1e3"], ["1E6", "1e6"], ["1024Mi", "1Gi"], ["1536Mi", "1536Mi"],
    ["1.5Gi", "1536Mi"], ["512Ki", "512Ki"], ["0.5Ki", "512"], ["1Ki", "1Ki"], ["1000Ki", "1000Ki"], ["128974848", "128974848"],
    ["129e6", "129e6"], ["123Mi", "123Mi"], ["1G", "1G"], ["1000M", "1G"], ["-1", "-1"], ["-100m", "-100m"],
    ["1n", "1n"], ["0.1n", "1n"], [2, "2"], [0.25, "250m"], ["+5", "5"], ["10Gi", "10Gi"], ["1.5", "1500m"],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, String(input));
  assert.equal(canonicalQuantity("1n", true), "1m");
  assert.equal(canonicalQuantity("1.0001", true), "1001m");
});

test("malformed quantities", () => {
  for (const bad of ["", "abc", "1.2.3", "1Qi", "1KiB", "--1", "."]) {
    assert.equal(typeof parseQuantity(bad), "string", bad);
  }
  assert.equal(parseQuantity("abc"), quantityFormatError);
  assert.equal(canonicalQuantity(null), undefined);
});

test("compare and milli values", () => {
  const q = (s: string) => parseQuantity(s) as Quantity;
  assert.equal(cmpQuantity(q("1"), q("1000m")), 0);
  assert.equal(cmpQuantity(q("1Gi"), q("1G")), 1);
  assert.equal(cmpQuantity(q("100m"), q("0.2")), -1);
  assert.equal(milliValue(q("1.5")), 1500n);
  assert.equal(milliValue(q("1n")), 1n);
});
