import { test } from "node:test";
import assert from "node:assert/strict";
import type { FieldError, ObjectMeta } from "../api/types.js";
import {
  duplicate,
  errorBody,
  finalizerWarnings,
  forbidden,
  formatBadValue,
  formatFieldError,
  formatFieldErrors,
  goNumber,
  goQuote,
  internal,
  invalid,
  invalidCauses,
  invalidMessage,
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDomainPrefixedPath,
  isFullyQualifiedDomainName,
  isHTTPHeaderName,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  notFound,
  notSupported,
  printedValue,
  qualifiedKind,
  required,
  tooLong,
  tooMany,
  typeInvalid,
  validateDeleteOptions,
  validateDryRun,
  validateFieldManager,
  validateFieldValidation,
  validateImmutableField,
  validateKubeFinalizerName,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validatePathSegmentName,
} from "./index.js";

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const qnameMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

type Check = (v: string) => string[];

function table(fn: Check, cases: [string, string[]][]): void {
  for (const [input, want] of cases) assert.deepEqual(fn(input), want, `${fn.name}(${JSON.stringify(input)})`);
}

test("DNS names: kube's messages", () => {
  table(isDNS1123Label, [
    ["a", []],
    ["ab-c", []],
    ["1-1", []],
    ["a".repeat(63), []],
    ["a.b", ["must not contain dots"]],
    ["A", [labelMsg]],
    ["-a", [labelMsg]],
    ["a_b", [labelMsg]],
    ["", [labelMsg]],
    ["a".repeat(64), ["must be no more than 63 characters"]],
    ["A".repeat(64), ["must be no more than 63 characters", labelMsg]],
  ]);
  table(isDNS1123Subdomain, [
    ["a.b.c", []],
    ["1.2.3", []],
    ["a".repeat(253), []],
    ["a..b", [subdomainMsg]],
    ["a.", [subdomainMsg]],
    ["a".repeat(254), ["must be no more than 253 characters"]],
  ]);
  table(isDNS1035Label, [
    ["a1", []],
    ["1a", [dns1035Msg]],
    ["a".repeat(64), ["must be no more than 63 characters"]],
  ]);
  table(isWildcardDNS1123Subdomain, [
    ["*.example.com", []],
    [
      "example.com",
      [
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
  ]);
});

test("qualified names and label values", () => {
  table(isQualifiedName, [
    ["simple", []],
    ["now-with-dashes", []],
    ["1-starts-with-num", []],
    ["1234", []],
    ["simple/simple", []],
    ["now-with-dashes/simple", []],
    ["example.com/Uppercase_And.dots", []],
    ["a".repeat(63), []],
    ["nospecialchars%^=@", ["name part " + qnameMsg]],
    ["cantendwithadash-", ["name part " + qnameMsg]],
    ["/simple", ["prefix part must be non-empty"]],
    ["example.com/", ["name part must be non-empty", "name part " + qnameMsg]],
    ["Example.com/a", ["prefix part " + subdomainMsg]],
    [
      "a/b/c",
      ["a qualified name " + qnameMsg + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
    ],
    ["a".repeat(64), ["name part must be no more than 63 characters"]],
  ]);
  table(isValidLabelValue, [
    ["", []],
    ["simple", []],
    ["now-with-dashes", []],
    ["1.2.3.4", []],
    ["nospecialchars%^=@", [labelValueMsg]],
    ["Tama-nui-te-rā.is.Māori.sun", [labelValueMsg]],
    ["a".repeat(64), ["must be no more than 63 characters"]],
  ]);
});

test("identifiers, ports, IPs, percents, config keys, headers", () => {
  table(isCIdentifier, [
    ["_a1", []],
    [
      "1a",
      [
        "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')",
      ],
    ],
  ]);
  assert.deepEqual(isValidPortNum(1), []);
  assert.deepEqual(isValidPortNum(65535), []);
  assert.deepEqual(isValidPortNum(0), ["must be between 1 and 65535, inclusive"]);
  assert.deepEqual(isValidPortNum(65536), ["must be between 1 and 65535, inclusive"]);
  table(isValidPortName, [
    ["telnet", []],
    ["re-mail-ck", []],
    ["pop3", []],
    ["a", []],
    ["a-1", []],
    ["1-a", []],
    ["a-1-b-2-c-3-d-4", []],
    ["", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter (a-z)"]],
    ["1234", ["must contain at least one letter (a-z)"]],
    ["-abc", ["must not begin or end with a hyphen"]],
    ["a--b", ["must not contain consecutive hyphens"]],
    ["a b", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]],
    ["abcdefghijklmnop", ["must be no more than 15 characters"]],
    ["UPPER", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter (a-z)"]],
  ]);
  const ipErr = ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];
  for (const good of ["1.2.3.4", "0.0.0.0", "255.255.255.255", "1234::abcd", "::", "0:0:0:0:0:0:0:0", "0001:002:03:4::", "1.1.1.01", "::ffff:1.1.1.1", "::1.2.3.4"]) {
    assert.deepEqual(isValidIP(good), [], good);
  }
  for (const bad of ["", "aaaaaaa", "myhost.mydomain", "1.2.3.0/24", "1.2.3.400", "-1.0.0.0", "2001:db8::10005", "1.2.3.4:80", "[2001:db8::1]", "1234::abcd%eth0", "1::2::3", "1:2:3:4:5:6:7:8:9"]) {
    assert.deepEqual(isValidIP(bad), ipErr, bad);
  }
  const cidrErr = ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
  for (const good of ["1.0.0.0/8", "0.0.0.0/0", "::/0", "::1/128", "2001:DB8::/64", "1.1.01.0/24", "::ffff:1.1.1.0/120", "192.168.0.0/016"]) {
    assert.deepEqual(isValidCIDR(good), [], good);
  }
  for (const bad of ["", "1.2.3.4", "192.168.0.1/healthz", "192.168.0.1/0/99", "192.168.0.0/-16", "192.168.0.0/+16", "1.0.0.0/33"]) {
    assert.deepEqual(isValidCIDR(bad), cidrErr, bad);
  }
  table(isValidPercent, [
    ["0%", []],
    ["100%", []],
    ["5", ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]],
  ]);
  const keyMsg =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
  table(isConfigMapKey, [
    ["a", []],
    [".a", []],
    [".", ["must not be '.'"]],
    ["..", ["must not be '..'"]],
    ["..a", ["must not start with '..'"]],
    ["a b", [keyMsg]],
    ["", [keyMsg]],
  ]);
  table(isHTTPHeaderName, [
    ["X-Header", []],
    ["X_Header", ["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"]],
  ]);
  assert.deepEqual(isFullyQualifiedDomainName("f", "a.com."), []);
  assert.deepEqual(isFullyQualifiedDomainName("f", "com").map(formatFieldError), [
    `f: Invalid value: "com": should be a domain with at least two segments separated by dots`,
  ]);
  assert.deepEqual(isFullyQualifiedDomainName("f", "").map(formatFieldError), ["f: Required value"]);
  assert.deepEqual(isDomainPrefixedPath("f", "acme.io/foo"), []);
  assert.deepEqual(isDomainPrefixedPath("f", "acme.io").map(formatFieldError), [
    `f: Invalid value: "acme.io": must be a domain-prefixed path (such as "acme.io/foo")`,
  ]);
});

test("names: path segments and generateName masking", () => {
  table((n) => validatePathSegmentName(n, false), [
    ["a", []],
    [".", ["may not be '.'"]],
    ["..", ["may not be '..'"]],
    ["a/b", ["may not contain '/'"]],
    ["a%b", ["may not contain '%'"]],
    ["a/%", ["may not contain '/'", "may not contain '%'"]],
    ["...", []],
  ]);
  assert.deepEqual(validatePathSegmentName("..", true), []);
  assert.deepEqual(validatePathSegmentName("a/", true), ["may not contain '/'"]);
  // generateName: the trailing dash (and kube drops the character before it) is masked.
  assert.deepEqual(nameIsDNSSubdomain("abc-", true), []);
  assert.deepEqual(nameIsDNSSubdomain("a-", true), []);
  assert.deepEqual(nameIsDNSSubdomain("a.-", true), []); // masked to "aa"
  assert.deepEqual(nameIsDNSSubdomain("-", true), [subdomainMsg]);
  assert.deepEqual(nameIsDNSSubdomain("abc-", false), [subdomainMsg]);
  assert.deepEqual(nameIsDNSLabel("web-", true), []);
  assert.deepEqual(nameIsDNSLabel("a.b-", true), ["must not contain dots"]);
  assert.deepEqual(nameIsDNS1035Label("1a-", true), [dns1035Msg]);
});

test("field errors: kube's Error() text", () => {
  const cases: [FieldError, string][] = [
    [required("spec.a"), "spec.a: Required value"],
    [required("metadata.name", "name or generateName is required"), "metadata.name: Required value: name or generateName is required"],
    [invalid("f", "bar", "deet"), `f: Invalid value: "bar": deet`],
    [invalid("f", 5, "must be greater than or equal to 0"), "f: Invalid value: 5: must be greater than or equal to 0"],
    [invalid("f", -1.5, "d"), "f: Invalid value: -1.5: d"],
    [invalid("f", true, "d"), "f: Invalid value: true: d"],
    [invalid("f", null, ""), `f: Invalid value: "null"`],
    [invalid("f", ["a", "b"], "d"), `f: Invalid value: []string{"a", "b"}: d`],
    [invalid("f", { b: "2", a: "1" }, "d"), `f: Invalid value: map[string]string{"a":"1", "b":"2"}: d`],
    [invalid("f", printedValue("100m"), "d"), "f: Invalid value: 100m: d"],
    [typeInvalid("f", "x", "must be integer"), `f: Invalid value: "x": must be integer`],
    [notSupported("f", "v", ["a", "b", "c"]), `f: Unsupported value: "v": supported values: "a", "b", "c"`],
    [notSupported("f", "v", []), `f: Unsupported value: "v"`],
    [forbidden("spec.x", "not allowed"), "spec.x: Forbidden: not allowed"],
    [forbidden("spec.x"), "spec.x: Forbidden"],
    [duplicate("spec.ports[1].port", 80), "spec.ports[1].port: Duplicate value: 80"],
    [duplicate("f", "x"), `f: Duplicate value: "x"`],
    [notFound("f", "x"), `f: Not found: "x"`],
    [tooLong("metadata.annotations", "", 262144), "metadata.annotations: Too long: may not be more than 262144 bytes"],
    [tooLong("f", "", -1), "f: Too long: value is too long"],
    [tooMany("spec.items", 5, 3), "spec.items: Too many: 5: must have at most 3 items"],
    [tooMany("spec.items", -1, 3), "spec.items: Too many: must have at most 3 items"],
    [internal("f", new Error("boom")), "f: Internal error: boom"],
    [{ type: "FieldValueInvalid", field: "f", detail: "d" }, "f: Invalid value: d"],
  ];
  for (const [e, want] of cases) assert.equal(formatFieldError(e), want);
});

test("bad values: Go number and string printing", () => {
  const nums: [number, string][] = [
    [0, "0"],
    [42, "42"],
    [-7, "-7"],
    [1.5, "1.5"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [1.25e-7, "1.25e-07"],
  ];
  for (const [n, s] of nums) assert.equal(goNumber(n), s, String(n));
  const strs: [string, string][] = [
    ["plain", `"plain"`],
    [`q"b\\`, `"q\\"b\\\\"`],
    ["a\nb\tc", `"a\\nb\\tc"`],
    ["\x01", `"\\x01"`],
    ["\x7f", `"\\x7f"`],
    ["é日本", `"é日本"`],
    ["\u00a0", `"\\u00a0"`],
    ["\u200b", `"\\u200b"`],
    ["😀", `"😀"`],
  ];
  for (const [s, q] of strs) assert.equal(goQuote(s), q, JSON.stringify(s));
  assert.equal(formatBadValue([1, 2]), "[]int{1, 2}");
  assert.equal(formatBadValue([]), "[]string{}");
  assert.equal(formatBadValue(undefined), `"null"`);
});

test("invalidMessage and causes: kube's NewInvalid", () => {
  const one = [required("spec.containers")];
  assert.equal(invalidMessage("Pod", "x", one), `Pod "x" is invalid: spec.containers: Required value`);
  const two = [required("spec.selector"), invalid("spec.replicas", -1, "must be greater than or equal to 0")];
  assert.equal(
    invalidMessage({ group: "apps", kind: "Deployment" }, "d", two),
    `Deployment.apps "d" is invalid: [spec.selector: Required value, spec.replicas: Invalid value: -1: must be greater than or equal to 0]`,
  );
  // Duplicate messages collapse in the text (a single survivor prints bare) but stay in the causes.
  const dup = [required("a"), required("a")];
  assert.equal(invalidMessage({ group: "", kind: "ConfigMap" }, "c", dup), `ConfigMap "c" is invalid: a: Required value`);
  assert.equal(invalidCauses(dup).length, 2);
  assert.equal(invalidMessage("Pod", "x", []), `Pod "x" is invalid`);
  assert.equal(qualifiedKind({ group: "rbac.authorization.k8s.io", kind: "Role" }), "Role.rbac.authorization.k8s.io");
  assert.deepEqual(invalidCauses(two), [
    { reason: "FieldValueRequired", message: "Required value", field: "spec.selector" },
    { reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0", field: "spec.replicas" },
  ]);
  assert.equal(errorBody(notSupported("f", "x", ["a"])), `Unsupported value: "x": supported values: "a"`);
  assert.equal(formatFieldErrors([]), "");
});

const dnsSubdomain = { namespaced: true, nameFn: nameIsDNSSubdomain };
const msgs = (errs: FieldError[]): string[] => errs.map(formatFieldError);

test("validateObjectMeta: names and namespace", () => {
  assert.deepEqual(msgs(validateObjectMeta({}, dnsSubdomain)), [
    "metadata.name: Required value: name or generateName is required",
    "metadata.namespace: Required value",
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: "ok", namespace: "default" }, dnsSubdomain)), []);
  assert.deepEqual(msgs(validateObjectMeta({ name: "ok", namespace: "default" }, { namespaced: false, nameFn: nameIsDNSSubdomain })), [
    "metadata.namespace: Forbidden: not allowed on this type",
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: "Foo", namespace: "a.b" }, dnsSubdomain)), [
    `metadata.name: Invalid value: "Foo": ${subdomainMsg}`,
    `metadata.namespace: Invalid value: "a.b": must not contain dots`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ generateName: "Web-", name: "Web-x1y2z", namespace: "d" }, dnsSubdomain)), [
    `metadata.generateName: Invalid value: "Web-": ${subdomainMsg}`,
    `metadata.name: Invalid value: "Web-x1y2z": ${subdomainMsg}`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: "a/b" }, { namespaced: false, nameFn: validatePathSegmentName })), [
    `metadata.name: Invalid value: "a/b": may not contain '/'`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: "x", generation: -1 }, { namespaced: false, nameFn: nameIsDNSSubdomain })), [
    "metadata.generation: Invalid value: -1: must be greater than or equal to 0",
  ]);
  // A custom path, as kube's tests use.
  assert.deepEqual(msgs(validateObjectMeta({}, { namespaced: false, nameFn: nameIsDNSSubdomain }, "field")), [
    "field.name: Required value: name or generateName is required",
  ]);
});

test("validateObjectMeta: labels, annotations, owner references, finalizers, managed fields", () => {
  const base: ObjectMeta = { name: "x", namespace: "d" };
  assert.deepEqual(msgs(validateObjectMeta({ ...base, labels: { "a b": "ok", k: "v!" } }, dnsSubdomain)), [
    `metadata.labels: Invalid value: "a b": name part ${qnameMsg}`,
    `metadata.labels: Invalid value: "v!": ${labelValueMsg}`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, annotations: { "Example.COM/Key": "x", "a b": "y" } }, dnsSubdomain)), [
    `metadata.annotations: Invalid value: "a b": name part ${qnameMsg}`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, annotations: { big: "x".repeat(256 * 1024) } }, dnsSubdomain)), [
    "metadata.annotations: Too long: may not be more than 262144 bytes",
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, annotations: { b: "x".repeat(256 * 1024 - 1) } }, dnsSubdomain)), []);

  const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1" };
  assert.deepEqual(msgs(validateObjectMeta({ ...base, ownerReferences: [ref] }, dnsSubdomain)), []);
  assert.deepEqual(
    msgs(validateObjectMeta({ ...base, ownerReferences: [{ apiVersion: "", kind: "", name: "", uid: "" }] }, dnsSubdomain)),
    [
      `metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty`,
      `metadata.ownerReferences.kind: Invalid value: "": kind must not be empty`,
      `metadata.ownerReferences.name: Invalid value: "": name must not be empty`,
      `metadata.ownerReferences.uid: Invalid value: "": uid must not be empty`,
    ],
  );
  assert.deepEqual(
    msgs(validateObjectMeta({ ...base, ownerReferences: [{ ...ref, apiVersion: "apps/" }] }, dnsSubdomain)),
    [`metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty`],
  );
  assert.deepEqual(
    msgs(validateObjectMeta({ ...base, ownerReferences: [{ apiVersion: "v1", kind: "Event", name: "e", uid: "u" }] }, dnsSubdomain)),
    [
      `metadata.ownerReferences: Invalid value: v1.OwnerReference{APIVersion:"v1", Kind:"Event", Name:"e", UID:"u", Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(nil)}: /v1, Kind=Event is disallowed from being an owner`,
    ],
  );
  const two = validateObjectMeta(
    {
      ...base,
      ownerReferences: [
        { ...ref, kind: "customresourceKind2", name: "name", controller: true },
        { ...ref, kind: "customresourceKind3", name: "name", controller: true },
      ],
    },
    dnsSubdomain,
  );
  assert.equal(two.length, 1);
  assert.equal(two[0]!.field, "metadata.ownerReferences");
  assert.equal(
    two[0]!.detail,
    `Only one reference can have Controller set to true. Found "true" in references for customresourceKind2/name and customresourceKind3/name`,
  );

  assert.deepEqual(msgs(validateObjectMeta({ ...base, finalizers: ["example.com/f", "kubernetes", "a b"] }, dnsSubdomain)), [
    `metadata.finalizers: Invalid value: "a b": name part ${qnameMsg}`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, finalizers: ["orphan", "foregroundDeletion"] }, dnsSubdomain)), [
    `metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set`,
  ]);
  assert.deepEqual(
    msgs(validateObjectMeta({ ...base, managedFields: [{ manager: "kubectl\u0007", operation: "Patch" as "Apply", fieldsType: "FieldsV2" as "FieldsV1" }] }, dnsSubdomain)),
    [
      `metadata.managedFields[0].operation: Invalid value: "Patch": must be \`Apply\` or \`Update\``,
      `metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be \`FieldsV1\``,
      `metadata.managedFields[0].manager: Invalid value: "kubectl\\a": invalid character U+0007 (at position 7)`,
    ],
  );
});

test("validateObjectMetaUpdate: kube's immutability and generation rules", () => {
  const now = "1970-01-01T00:16:40Z";
  const later = "1970-01-01T00:33:20Z";
  const m = (extra: Partial<ObjectMeta>): ObjectMeta => ({ name: "test", resourceVersion: "1", ...extra });
  const cases: [ObjectMeta, ObjectMeta, string[]][] = [
    [m({}), m({}), []],
    [m({ deletionTimestamp: now, deletionGracePeriodSeconds: 30 }), m({ deletionTimestamp: now, deletionGracePeriodSeconds: 30 }), []],
    [m({}), m({ deletionTimestamp: now }), ["field.deletionTimestamp: Invalid value: 1970-01-01 00:16:40 +0000 UTC: field is immutable"]],
    [m({ deletionTimestamp: now }), m({}), [`field.deletionTimestamp: Invalid value: "null": field is immutable`]],
    [m({ deletionTimestamp: now }), m({ deletionTimestamp: later }), ["field.deletionTimestamp: Invalid value: 1970-01-01 00:33:20 +0000 UTC: field is immutable"]],
    [m({}), m({ deletionGracePeriodSeconds: 30 }), ["field.deletionGracePeriodSeconds: Invalid value: 30: field is immutable"]],
    [m({ deletionGracePeriodSeconds: 30 }), m({}), [`field.deletionGracePeriodSeconds: Invalid value: "null": field is immutable`]],
    [m({ generation: 5 }), m({ generation: 4 }), ["field.generation: Invalid value: 4: must not be decremented"]],
    [m({ generation: 1 }), m({ generation: 2 }), []],
    [m({}), m({ name: "other" }), [`field.name: Invalid value: "other": field is immutable`]],
    [m({ namespace: "a" }), m({ namespace: "b" }), [`field.namespace: Invalid value: "b": field is immutable`]],
    [m({ uid: "1" }), m({ uid: "2" }), [`field.uid: Invalid value: "2": field is immutable`]],
    [m({ creationTimestamp: now }), m({ creationTimestamp: "1970-01-01T00:16:40.000Z" }), []],
    [m({ creationTimestamp: now }), m({ creationTimestamp: later }), ["field.creationTimestamp: Invalid value: 1970-01-01 00:33:20 +0000 UTC: field is immutable"]],
    [m({}), m({ resourceVersion: "" }), [`field.resourceVersion: Invalid value: "": must be specified for an update`]],
    // finalizers may only shrink once deletion started
    [
      m({ deletionTimestamp: now, finalizers: ["x/a"] }),
      m({ deletionTimestamp: now, finalizers: ["x/a", "y/b"] }),
      [`field.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"y/b"}`],
    ],
    [m({ deletionTimestamp: now, finalizers: ["x/a", "y/b"] }), m({ deletionTimestamp: now, finalizers: ["x/a"] }), []],
    [m({ finalizers: ["x/a"] }), m({ finalizers: ["x/a", "y/b"] }), []],
    [m({}), m({ labels: { a: "b c" } }), [`field.labels: Invalid value: "b c": ${labelValueMsg}`]],
  ];
  for (const [oldMeta, newMeta, want] of cases) {
    assert.deepEqual(msgs(validateObjectMetaUpdate(newMeta, oldMeta, "field")), want, JSON.stringify([oldMeta, newMeta]));
  }
});

test("validateImmutableField: deep JSON equality", () => {
  assert.deepEqual(validateImmutableField({ a: [1, { b: "c" }] }, { a: [1, { b: "c" }] }, "spec.x"), []);
  assert.deepEqual(validateImmutableField({ a: 1, b: null }, { a: 1 }, "spec.x"), []);
  assert.deepEqual(validateImmutableField([], undefined, "spec.x"), []);
  assert.deepEqual(msgs(validateImmutableField("b", "a", "spec.x")), [`spec.x: Invalid value: "b": field is immutable`]);
  assert.deepEqual(msgs(validateImmutableField({ matchLabels: { a: "b" } }, { matchLabels: { a: "c" } }, "spec.selector", printedValue("v1.LabelSelector{...}"))), [
    "spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable",
  ]);
});

test("metav1 LabelSelector validation", () => {
  assert.deepEqual(msgs(validateLabelSelector(null, {}, "spec.selector")), []);
  assert.deepEqual(
    msgs(
      validateLabelSelector(
        {
          matchLabels: { "a b": "c" },
          matchExpressions: [
            { key: "k", operator: "In" },
            { key: "k", operator: "Exists", values: ["x"] },
            { key: "k", operator: "Gt", values: ["1"] },
            { key: "k", operator: "NotIn", values: ["a b"] },
          ],
        },
        {},
        "spec.selector",
      ),
    ),
    [
      `spec.selector.matchLabels: Invalid value: "a b": name part ${qnameMsg}`,
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      `spec.selector.matchExpressions[2].operator: Invalid value: "Gt": not a valid selector operator`,
      `spec.selector.matchExpressions[3].values[0]: Invalid value: "a b": ${labelValueMsg}`,
    ],
  );
});

test("finalizer names and warnings", () => {
  assert.deepEqual(msgs(validateKubeFinalizerName("kubernetes", "spec.finalizers[0]")), []);
  assert.deepEqual(msgs(validateKubeFinalizerName("custom", "spec.finalizers[0]")), [
    `spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified`,
  ]);
  assert.deepEqual(finalizerWarnings(["b.io", "a", "x.io/ok", "orphan", "a"], ["b.io"]), [
    `metadata.finalizers: "a": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers`,
  ]);
  assert.deepEqual(finalizerWarnings(["resources-finalizer.argocd.argoproj.io"]), [
    `metadata.finalizers: "resources-finalizer.argocd.argoproj.io": prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers`,
  ]);
});

test("request options: dryRun, fieldValidation, fieldManager, delete options", () => {
  assert.deepEqual(msgs(validateDryRun("dryRun", ["All"])), []);
  assert.deepEqual(msgs(validateDryRun("dryRun", ["x"])), [`dryRun: Unsupported value: []string{"x"}: supported values: "All"`]);
  assert.deepEqual(msgs(validateFieldValidation("fieldValidation", "Strict")), []);
  assert.deepEqual(msgs(validateFieldValidation("fieldValidation", "strict")), [
    `fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"`,
  ]);
  assert.deepEqual(msgs(validateFieldManager("m".repeat(129), "fieldManager")), ["fieldManager: Too long: may not be more than 128 bytes"]);
  assert.deepEqual(msgs(validateDeleteOptions({ propagationPolicy: "Sideways" })), [
    `propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"`,
  ]);
  assert.deepEqual(msgs(validateDeleteOptions({ propagationPolicy: "Orphan", orphanDependents: true })), [
    `propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set`,
  ]);
});
