import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mergePatch } from "./mergepatch.js";
import { run, status } from "./testutil.js";

describe("mergePatch (RFC 7386, evanphx v4 flavour)", () => {
  it("passes the RFC 7386 appendix A examples", () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: "b" }, { a: "c" }, { a: "c" }],
      [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
      [{ a: "b" }, { a: null }, {}],
      [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
      [{ a: ["b"] }, { a: "c" }, { a: "c" }],
      [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
      [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
      [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
      [["a", "b"], ["c", "d"], ["c", "d"]],
      [{ a: "b" }, ["c"], ["c"]],
      [{ a: "foo" }, null, null],
      [{ a: "foo" }, "bar", "bar"],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: "b", c: null }, { a: "b" }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, want] of cases) assert.deepEqual(mergePatch(target, patch), want, JSON.stringify([target, patch]));
  });

  it("prunes nulls as evanphx does", () => {
    // A value filling a missing or null member, or replacing a scalar, loses its null members...
    assert.deepEqual(mergePatch({ a: null }, { a: { x: null, y: [{ z: null }, null] } }), { a: { y: [{}, null] } });
    assert.deepEqual(mergePatch({ a: "s" }, { a: [{ k: null }] }), { a: [{}] });
    // ...but not when it replaces an object.
    assert.deepEqual(mergePatch({ a: { x: 1 } }, { a: [{ k: null }] }), { a: [{ k: null }] });
    // A top-level array patch is the result, pruned.
    assert.deepEqual(mergePatch({ a: 1 }, [{ k: null }, null]), [{}, null]);
  });

  it("modifies neither argument", () => {
    const target = { a: { b: 1 } };
    const patch = { a: { c: null, d: { e: null } } };
    mergePatch(target, patch);
    assert.deepEqual(target, { a: { b: 1 } });
    assert.deepEqual(patch, { a: { c: null, d: { e: null } } });
  });
});

describe("merge patch requests", () => {
  const pod = () => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", labels: { app: "web", tier: "fe" }, finalizers: ["a"] },
    spec: { containers: [{ name: "c", image: "nginx" }], nodeSelector: { disk: "ssd" } },
  });

  it("merges maps, deletes with null and replaces lists", () => {
    const out = run("merge", pod(), { metadata: { labels: { tier: null, env: "prod" }, finalizers: ["b"] }, spec: { containers: [{ name: "d", image: "x" }], nodeSelector: null } });
    assert.ok("object" in out);
    assert.deepEqual(out.object, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", labels: { app: "web", env: "prod" }, finalizers: ["b"] },
      spec: { containers: [{ name: "d", image: "x" }] },
    });
  });

  it("ignores SMP directives: they are plain members here", () => {
    const out = run("merge", pod(), { metadata: { labels: { $patch: "replace", x: "1" } } });
    assert.ok("object" in out);
    assert.deepEqual((out.object.metadata as { labels: unknown }).labels, { app: "web", tier: "fe", $patch: "replace", x: "1" });
  });

  it("answers bad bodies as kube does, per fieldValidation", () => {
    const cases: [string, "Strict" | "Ignore", string][] = [
      ["{", "Strict", "error decoding patch: unexpected end of JSON input"],
      ["{", "Ignore", "Invalid JSON Patch"],
      ["null", "Strict", "Invalid JSON Patch"],
      ["null", "Ignore", "Invalid JSON Patch"],
      ['"x"', "Strict", "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}"],
      ['"x"', "Ignore", "Invalid JSON Patch"],
      ["[1]", "Strict", "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"],
      ["metadata:\n  labels: {}", "Strict", "error decoding patch: invalid character 'm' looking for beginning of value"],
    ];
    for (const [body, fieldValidation, message] of cases) {
      assert.deepEqual(run("merge", pod(), body, undefined, { fieldValidation }), { status: status(400, "BadRequest", message) }, `${body} ${fieldValidation}`);
    }
  });

  it("turns an array patch into kube's decode failure when not strict", () => {
    const out = run("merge", pod(), "[1]", undefined, { fieldValidation: "Ignore" });
    assert.ok("status" in out);
    assert.equal(out.status.code, 422);
    assert.equal(out.status.details?.causes?.[0]?.field, "patch");
    assert.match(out.status.message ?? "", /^ "" is invalid: patch: Invalid value: "\[1\]": couldn't get version\/kind; json parse error: json: cannot unmarshal array into Go value of type struct/);
  });

  it("reports duplicate fields as strict errors", () => {
    const out = run("merge", pod(), '{"metadata":{"labels":{"x":"1","x":"2"}}}');
    assert.ok("object" in out);
    assert.deepEqual(out.strictErrors, ['duplicate field "metadata.labels.x"']);
    assert.equal((out.object.metadata as { labels: Record<string, string> }).labels.x, "2");
  });
});
