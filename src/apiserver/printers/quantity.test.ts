import { test } from "node:test";
import assert from "node:assert/strict";
import { formatQuantity } from "./quantity.js";

test("formatQuantity prints kube's canonical form", () => {
  const cases: [unknown, string][] = [
    ["5Gi", "5Gi"],
    ["1Ki", "1Ki"],
    ["1024Mi", "1Gi"],
    ["2048Ki", "2Mi"],
    ["1536Mi", "1536Mi"],
    ["1.5Gi", "1536Mi"],
    ["0.5Ki", "512"],
    ["100Mi", "100Mi"],
    ["1000m", "1"],
    ["100m", "100m"],
    ["0.5", "500m"],
    ["1.5", "1500m"],
    ["-1.5", "-1500m"],
    ["1000", "1k"],
    ["1k", "1k"],
    ["12000k", "12M"],
    ["250M", "250M"],
    ["1e3", "1e3"],
    ["1000e0", "1e3"],
    ["1E6", "1E6"], // already canonical: kube keeps the spelling
    ["1n", "1n"],
    ["0.1n", "1n"], // below nano rounds up
    ["0", "0"],
    ["0Gi", "0"],
    ["000", "0"],
    ["007", "007"], // kube keeps a spelling whose digits are already canonical
    [5, "5"],
    [0.25, "250m"],
    [undefined, "0"],
    [null, "0"],
    ["garbage", "garbage"],
    ["5Xi", "5Xi"],
  ];
  for (const [input, want] of cases) assert.equal(formatQuantity(input), want, `formatQuantity(${JSON.stringify(input)})`);
});
