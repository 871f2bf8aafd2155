// The script grammar and the output matcher (no server needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { compactDiff, matchLines } from "./match.js";
import { parseScript, splitWords } from "./script.js";

test("placeholders and column spacing", () => {
  const exp = ["NAME   READY   STATUS    RESTARTS   AGE", "p1     0/1     Pending   0          <age>"];
  assert.ok(matchLines(exp, "NAME   READY   STATUS    RESTARTS   AGE\np1     0/1     Pending   0          12s\n").ok);
  // wider columns (a longer age elsewhere) still match
  assert.ok(matchLines(exp, "NAME     READY     STATUS      RESTARTS     AGE\np1       0/1       Pending     0            2m3s\n").ok);
  // a single space is not a column gap
  assert.ok(!matchLines(["a b"], "a  b").ok);
  assert.ok(!matchLines(exp, "NAME   READY   STATUS    RESTARTS   AGE\np1     0/1     Running   0          12s\n").ok);
  assert.ok(!matchLines(["age: <age>"], "age: soon").ok);
  assert.ok(matchLines(['  uid: <uid>', '  resourceVersion: "<rv>"'], '  uid: 0b7e5a42-8e8c-4c8f-9a55-1d2f3c4b5a69\n  resourceVersion: "42"').ok);
  // indentation is exact
  assert.ok(!matchLines(["  a: 1"], "    a: 1").ok);
  // literal <none> is not a placeholder
  assert.ok(!matchLines(["x <none>"], "x foo").ok);
  assert.ok(matchLines(["x <none>"], "x <none>").ok);
});

test("regex lines, wildcards and trailing blank lines", () => {
  assert.ok(matchLines(["~ Client Version: v1\\.32\\.\\d+"], "Client Version: v1.32.5\n\n").ok);
  assert.ok(matchLines(["a", "...", "z"], "a\nb\nc\nz").ok);
  assert.ok(matchLines(["a", "...", "z"], "a\nz").ok);
  assert.ok(!matchLines(["a", "...", "z"], "a\nb").ok);
  assert.ok(matchLines([], "").ok);
  assert.ok(!matchLines([], "unexpected").ok);
});

test("the diff shows what is missing and what is extra", () => {
  const r = matchLines(["a", "b", "c"], "a\nx\nc");
  assert.equal(r.ok, false);
  assert.deepEqual(r.diff, ["  a", "- b", "+ x", "  c"]);
  const long = Array.from({ length: 20 }, (_, k) => `l${k}`);
  const c = compactDiff(matchLines([...long, "end"], [...long, "END"].join("\n")).diff, 2);
  assert.deepEqual(c, ["  ... (18 matching lines)", "  l18", "  l19", "- end", "+ END"]);
});

test("script grammar", () => {
  const s = parseScript(
    "t.txt",
    [
      "# a comment",
      "$ kubectl create -f pod.yaml",
      "pod/p1 created",
      "",
      "! $ kubectl get pods nope",
      'Error from server (NotFound): pods "nope" not found',
      "$ kubectl create -f - <<EOF",
      "apiVersion: v1",
      "EOF",
      "configmap/c created",
      "$ kubectl get cm -w --request-timeout=2s &",
      "use-kubectl 1.27",
      "sleep 0.5",
      "wait",
      "NAME   DATA   AGE",
      "-- pod.yaml --",
      "kind: Pod",
      "",
      "-- other.yaml --",
      "x",
    ].join("\n"),
  );
  assert.deepEqual(
    s.steps.map((st) => [st.kind, st.line]),
    [["run", 2], ["run", 5], ["run", 7], ["run", 11], ["use-kubectl", 12], ["sleep", 13], ["wait", 14]],
  );
  const [create, get, stdin, watch] = s.steps;
  assert.ok(create?.kind === "run" && !create.fail && create.expected.join() === "pod/p1 created");
  assert.ok(get?.kind === "run" && get.fail && get.args.join(" ") === "get pods nope");
  assert.ok(stdin?.kind === "run" && stdin.stdin === "apiVersion: v1\n" && stdin.expected[0] === "configmap/c created");
  assert.ok(watch?.kind === "run" && watch.background && watch.args.at(-1) === "--request-timeout=2s");
  assert.equal(s.files.get("pod.yaml"), "kind: Pod\n");
  assert.equal(s.files.get("other.yaml"), "x\n");
  assert.deepEqual(splitWords(`get pods -o 'jsonpath={.items[*].metadata.name}' "a b" c\\ d`), ["get", "pods", "-o", "jsonpath={.items[*].metadata.name}", "a b", "c d"]);
  assert.throws(() => parseScript("bad.txt", "$ ls"), /only kubectl/);
});
