import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SelectorError,
  addLabelRequirements,
  defaultFieldLabelConversion,
  escapeFieldValue,
  fieldLabelNotSupported,
  fieldSelectorEmpty,
  fieldSelectorRequirements,
  fieldSelectorString,
  labelSelectorEmpty,
  labelSelectorFromMeta,
  labelSelectorFromSet,
  labelSelectorString,
  matchesFields,
  matchesLabels,
  newLabelRequirement,
  parseFieldSelector,
  parseLabelSelector,
  requiresExactFieldMatch,
  requiresExactMatch,
  transformFieldSelector,
  unescapeFieldValue,
  validatedLabelSelectorFromSet,
  type LabelSelector,
} from "./index.js";

const qnameRegex =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueRegex =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (e) {
    assert.ok(e instanceof SelectorError, `not a SelectorError: ${String(e)}`);
    return e.message;
  }
  assert.fail(`${JSON.stringify(s)} parsed`);
}

// Good selectors and their canonical String() (kube's TestSelectorParse / TestSetSelectorParser).
const good: [string, string][] = [
  ["x=a,y=b,z=c", "x=a,y=b,z=c"],
  ["", ""],
  ["x!=a,y=b", "x!=a,y=b"],
  ["x=", "x="],
  ["x= ", "x="],
  ["x=,z= ", "x=,z="],
  ["x= ,z= ", "x=,z="],
  ["!x", "!x"],
  ["x>1", "x>1"],
  ["x>1,z<5", "x>1,z<5"],
  ["x=a,a=x", "a=x,x=a"],
  ["\rx", "x"],
  ["this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"],
  ["0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"],
  ["foo  in\t (abc)", "foo in (abc)"],
  ["x notin\n (abc)", "x notin (abc)"],
  ["x in (abc,)", "x in (,abc)"],
  ["x in ()", "x in ()"],
  ["x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"],
  ["x,y in (a)", "x,y in (a)"],
  ["x notin ( )", "x notin ()"],
  ["x notin (, a)", "x notin (,a)"],
  ["a ", "a"],
  ["a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"],
  ["in in (in)", "in in (in)"],
  ["notin=in", "notin=in"],
  ["x==y", "x==y"],
  ["x in (c,b,a,b)", "x in (a,b,c)"],
  ["!a,b", "!a,b"],
];

test("label selector: good selectors round-trip to kube's String()", () => {
  for (const [input, want] of good) {
    assert.equal(labelSelectorString(parseLabelSelector(input)), want, input);
  }
});

// Bad selectors with kube's exact messages.
const bad: [string, string][] = [
  // The value "a||y" is checked before the stray "=" is seen.
  ["x=a||y=b", `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${labelValueRegex}`],
  ["x=a,y=b=c", "found '=', expected: ',' or 'end of string'"],
  ["x==a==b", "found '==', expected: ',' or 'end of string'"],
  ["!x=a", "found '=', expected: ',' or 'end of string'"],
  [
    "x<a",
    `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
  ],
  ["x,,y", "found ',', expected: identifier after ','"],
  [",x,y", "found ',', expected: !, identifier, or 'end of string'"],
  ["x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
  ["a in (xyz),", "found '', expected: identifier after ','"],
  ["a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"],
  ["a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"],
  ["a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"],
  ["a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
  ["(", "found '(', expected: !, identifier, or 'end of string'"],
  ["app in (a", "unable to parse requirement: found '', expected: ',' or ')'"],
  ["a in b", "unable to parse requirement: found 'b' expected: '('"],
  ["a=(b)", "unable to parse requirement: found '(', expected: identifier"],
  ["a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"],
  ["!", "unable to parse requirement: found '', expected: identifier"],
  ["!=a", "found '!=', expected: !, identifier, or 'end of string'"],
  ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
  ["foo_=bar", `unable to parse requirement: <nil>: Invalid value: "foo_": name part ${qnameRegex}`],
  [
    "a/b/c",
    `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${qnameRegex} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  ],
  [
    "/a",
    `unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty`,
  ],
  [
    "Ex.com/a",
    `unable to parse requirement: <nil>: Invalid value: "Ex.com/a": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ],
  [
    `${"a".repeat(64)}=b`,
    `unable to parse requirement: <nil>: Invalid value: "${"a".repeat(64)}": name part must be no more than 63 characters`,
  ],
  ["a=b c", "found 'c', expected: ',' or 'end of string'"],
  ["a=b_", `unable to parse requirement: values[0][a]: Invalid value: "b_": ${labelValueRegex}`],
  [
    `a=${"v".repeat(64)}`,
    `unable to parse requirement: values[0][a]: Invalid value: "${"v".repeat(64)}": must be no more than 63 characters`,
  ],
  [
    "a in (b_,c-)",
    `unable to parse requirement: [values[0][a]: Invalid value: "b_": ${labelValueRegex}, values[1][a]: Invalid value: "c-": ${labelValueRegex}]`,
  ],
  [
    "x>-1",
    `unable to parse requirement: values[0][x]: Invalid value: "-1": ${labelValueRegex}`,
  ],
  [
    "x>99999999999999999999",
    `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`,
  ],
];

test("label selector: bad selectors give kube's messages", () => {
  for (const [input, want] of bad) assert.equal(parseError(input), want, input);
});

test("label selector: kube's matching table", () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ["", { x: "y" }, true],
    ["x=y", { x: "y" }, true],
    ["x=y,z=w", { x: "y", z: "w" }, true],
    ["x!=y,z!=w", { x: "z", z: "a" }, true],
    ["notin=in", { notin: "in" }, true],
    ["x", { x: "z" }, true],
    ["!x", { y: "z" }, true],
    ["x>1", { x: "2" }, true],
    ["x<1", { x: "0" }, true],
    ["x=z", {}, false],
    ["x=y", { x: "z" }, false],
    ["x=y,z=w", { x: "w", z: "w" }, false],
    ["x!=y,z!=w", { x: "z", z: "w" }, false],
    ["x", { y: "z" }, false],
    ["!x", { x: "z" }, false],
    ["x>1", { x: "0" }, false],
    ["x<1", { x: "2" }, false],
    ["x>1", { x: "v2" }, false],
    ["x>1", {}, false],
    ["x<9223372036854775807", { x: "9223372036854775806" }, true],
    ["x notin (a)", {}, true],
    ["x!=a", undefined, true],
    ["x in ()", { x: "" }, true],
    ["x in ()", { y: "" }, false],
    ["x notin (),y", { y: "" }, true],
    ["foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" }, false],
    ["toString=x", {}, false],
  ];
  for (const [sel, labels, want] of cases) {
    assert.equal(matchesLabels(parseLabelSelector(sel), labels), want, `${sel} vs ${JSON.stringify(labels)}`);
  }
});

test("label selector: requirements sorted by key, empty and exact match", () => {
  const sel = parseLabelSelector("z=1,a in (x),m");
  assert.equal(sel.type, "requirements");
  assert.deepEqual(
    sel.type === "requirements" ? sel.requirements.map((r) => r.key) : [],
    ["a", "m", "z"],
  );
  assert.equal(labelSelectorEmpty(parseLabelSelector("")), true);
  assert.equal(labelSelectorEmpty(sel), false);
  assert.equal(requiresExactMatch(sel, "a"), "x");
  assert.equal(requiresExactMatch(sel, "z"), "1");
  assert.equal(requiresExactMatch(sel, "m"), undefined);
  assert.equal(requiresExactMatch(parseLabelSelector("a in (x,y)"), "a"), undefined);
  const added = addLabelRequirements(sel, newLabelRequirement("b", "exists", []));
  assert.equal(labelSelectorString(added), "a in (x),b,m,z=1");
});

test("label selector: NewRequirement errors (kube's TestRequirementConstructor)", () => {
  const cases: [string, Parameters<typeof newLabelRequirement>[1], string[], string | undefined][] = [
    ["x1", "in", [], `values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty`],
    ["x3", "in", ["foo"], undefined],
    [
      "x5",
      "=",
      ["bar", "foo"],
      `values: Invalid value: []string{"bar", "foo"}: exact-match compatibility requires one single value`,
    ],
    ["x6", "exists", [], undefined],
    ["x8", "exists", ["foo"], `values: Invalid value: []string{"foo"}: values set must be empty for exists and does not exist`],
    ["x11", "gt", ["1"], undefined],
    ["x14", "gt", ["bar"], `values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer`],
    [
      "x13",
      "gt",
      [],
      `values: Invalid value: []string(nil): for 'Gt', 'Lt' operators, exactly one value is required`,
    ],
    [
      "a".repeat(254),
      "exists",
      [],
      `key: Invalid value: "${"a".repeat(254)}": name part must be no more than 63 characters`,
    ],
    ["x17", "=", ["a b"], `values[0][x17]: Invalid value: "a b": ${labelValueRegex}`],
    [
      "x18",
      "unsupportedOp" as "=",
      [],
      `operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`,
    ],
  ];
  for (const [key, op, vals, want] of cases) {
    let got: string | undefined;
    try {
      newLabelRequirement(key, op, vals);
    } catch (e) {
      got = (e as Error).message;
    }
    assert.equal(got, want, key);
  }
});

test("labelSelectorFromMeta: nil selects nothing, {} everything, kube's errors", () => {
  const nothing = labelSelectorFromMeta(null);
  assert.equal(matchesLabels(nothing, {}), false);
  assert.equal(labelSelectorEmpty(nothing), false);
  assert.equal(labelSelectorString(nothing), "");
  const everything = labelSelectorFromMeta({});
  assert.equal(matchesLabels(everything, { a: "b" }), true);
  assert.equal(labelSelectorEmpty(everything), true);
  assert.equal(labelSelectorEmpty(labelSelectorFromMeta({ matchLabels: {}, matchExpressions: [] })), true);

  const sel = labelSelectorFromMeta({
    matchLabels: { app: "web", tier: "fe" },
    matchExpressions: [
      { key: "env", operator: "In", values: ["prod", "stage"] },
      { key: "canary", operator: "DoesNotExist" },
      { key: "zone", operator: "NotIn", values: ["b"] },
      { key: "owner", operator: "Exists" },
    ],
  });
  assert.equal(labelSelectorString(sel), "app=web,!canary,env in (prod,stage),owner,tier=fe,zone notin (b)");
  assert.equal(matchesLabels(sel, { app: "web", tier: "fe", env: "prod", owner: "me" }), true);
  assert.equal(matchesLabels(sel, { app: "web", tier: "fe", env: "prod", owner: "me", canary: "1" }), false);
  assert.equal(matchesLabels(sel, { app: "web", tier: "fe", env: "dev", owner: "me" }), false);

  const errOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof SelectorError);
      return e.message;
    }
    return "";
  };
  assert.equal(
    errOf(() => labelSelectorFromMeta({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] })),
    `"Gt" is not a valid label selector operator`,
  );
  assert.equal(
    errOf(() => labelSelectorFromMeta({ matchExpressions: [{ key: "a", operator: "toString" }] })),
    `"toString" is not a valid label selector operator`,
  );
  assert.equal(
    errOf(() => labelSelectorFromMeta({ matchExpressions: [{ key: "a", operator: "In" }] })),
    `values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty`,
  );
  assert.equal(
    errOf(() => labelSelectorFromMeta({ matchLabels: { "a b": "c" } })),
    `key: Invalid value: "a b": name part ${qnameRegex}`,
  );
});

test("labelSelectorFromSet: no validation; validated variant throws", () => {
  const s: LabelSelector = labelSelectorFromSet({ b: "2", a: "1" });
  assert.equal(labelSelectorString(s), "a=1,b=2");
  assert.equal(labelSelectorEmpty(labelSelectorFromSet(undefined)), true);
  assert.equal(matchesLabels(labelSelectorFromSet({ a: "=x" }), { a: "=x" }), true);
  assert.throws(() => validatedLabelSelectorFromSet({ a: "=x" }), SelectorError);
});

// ---- field selectors ----

function fieldError(s: string): string {
  try {
    parseFieldSelector(s);
  } catch (e) {
    assert.ok(e instanceof SelectorError);
    return e.message;
  }
  assert.fail(`${JSON.stringify(s)} parsed`);
}

test("field selector: good selectors round-trip (sorted terms, escapes kept)", () => {
  const cases: [string, string][] = [
    ["x=a,y=b,z=c", "x=a,y=b,z=c"],
    ["", ""],
    ["x!=a,y=b", "x!=a,y=b"],
    [`x=a||y\\=b`, `x=a||y\\=b`],
    [`x=a\\=\\=b`, `x=a\\=\\=b`],
    ["x=a,a=x", "a=x,x=a"],
    ["b==c", "b=c"],
    ["a=a,", "a=a"],
    [",a=a", "a=a"],
    ["=", ""],
    ["spec.nodeName=", "spec.nodeName="],
    [`k=\\,,k2=v2`, `k2=v2,k=\\,`],
  ];
  for (const [input, want] of cases) assert.equal(fieldSelectorString(parseFieldSelector(input)), want, input);
});

test("field selector: kube's error texts", () => {
  const cases: [string, string][] = [
    ["x=a||y=b", "invalid field selector: unescaped character in value: 61"],
    ["x==a==b", "invalid field selector: unescaped character in value: 61"],
    ["x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"],
    ["x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
    ["x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"],
    ["x", "invalid selector: 'x'; can't understand 'x'"],
    [`k=\\`, "invalid field selector: invalid escape sequence: \\"],
    [`k=\\a`, "invalid field selector: invalid escape sequence: \\a"],
    [`k=\\\\\\`, "invalid field selector: invalid escape sequence: \\"],
  ];
  for (const [input, want] of cases) assert.equal(fieldError(input), want, input);
});

test("field selector: matching, requirements, exact match", () => {
  const set = { foo: "bar", baz: "blah", complex: `=value\\,\\` };
  const cases: [string, boolean][] = [
    ["foo=bar", true],
    ["baz=blah", true],
    ["foo=bar,baz=blah", true],
    [`foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\`, true],
    ["foo=blah", false],
    ["baz=bar", false],
    ["foo=bar,foobar=bar,baz=blah", false],
    ["missing=", true],
    ["missing!=", false],
    ["toString=", true],
    ["foo!=bar", false],
    ["foo!=x", true],
  ];
  for (const [sel, want] of cases) assert.equal(matchesFields(parseFieldSelector(sel), set), want, sel);

  const sel = parseFieldSelector("metadata.name==a,spec.nodeName!=n1");
  assert.deepEqual(fieldSelectorRequirements(sel), [
    { field: "metadata.name", op: "=", value: "a" },
    { field: "spec.nodeName", op: "!=", value: "n1" },
  ]);
  assert.equal(requiresExactFieldMatch(sel, "metadata.name"), "a");
  assert.equal(requiresExactFieldMatch(sel, "spec.nodeName"), undefined);
  assert.equal(fieldSelectorEmpty(parseFieldSelector("")), true);
});

test("field selector: escaping, transform and field label errors", () => {
  const escapes: [string, string][] = [
    ["", ""],
    ["a", "a"],
    ["=", "\\="],
    [",", "\\,"],
    ["\\", "\\\\"],
    ["\\=\\,\\", "\\\\\\=\\\\\\,\\\\"],
  ];
  for (const [raw, escaped] of escapes) {
    assert.equal(escapeFieldValue(raw), escaped);
    assert.equal(unescapeFieldValue(escaped), raw);
  }
  const sel = parseFieldSelector("spec.host=n1,metadata.name=x");
  const t = transformFieldSelector(sel, (field, value) => (field === "spec.host" ? { field: "spec.nodeName", value } : { field, value }));
  assert.equal(fieldSelectorString(t), "metadata.name=x,spec.nodeName=n1");
  assert.equal(fieldLabelNotSupported("spec.foo"), "field label not supported: spec.foo");
  assert.throws(
    () => transformFieldSelector(parseFieldSelector("spec.foo=1"), defaultFieldLabelConversion),
    { message: `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"` },
  );
});
