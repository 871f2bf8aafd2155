import assert from "node:assert/strict";
import { test } from "node:test";
import { messageDesc } from "./descriptors.js";
import { decodeMessage } from "./decode.js";
import { encodeMessage } from "./encode.js";
import { decodeErrorMessage, decodeProtobuf, encodeProtobuf, encodeWatchEvent, hasProtobufType, ProtobufError } from "./index.js";
import { formatDuration, parseDuration } from "./values.js";
import { Writer } from "./wire.js";

/** JSON -> protobuf -> the JSON kube would hold. */
function viaProtobuf(obj: Record<string, unknown>): Record<string, unknown> {
  const bytes = encodeProtobuf(obj);
  assert.ok(bytes, `${String(obj.apiVersion)} ${String(obj.kind)} has no protobuf type`);
  return decodeProtobuf(bytes).object;
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

test("hasProtobufType: built-in kinds, meta kinds in every group/version, not custom resources or Table", () => {
  assert.equal(hasProtobufType("v1", "Pod"), true);
  assert.equal(hasProtobufType("v1", "PodList"), true);
  assert.equal(hasProtobufType("apps/v1", "Deployment"), true);
  assert.equal(hasProtobufType("autoscaling/v1", "Scale"), true);
  assert.equal(hasProtobufType("policy/v1", "Eviction"), true);
  assert.equal(hasProtobufType("apiextensions.k8s.io/v1", "CustomResourceDefinition"), true);
  assert.equal(hasProtobufType("apiregistration.k8s.io/v1", "APIService"), true);
  assert.equal(hasProtobufType("apps/v1", "DeleteOptions"), true);
  assert.equal(hasProtobufType("batch/v1", "WatchEvent"), true);
  assert.equal(hasProtobufType("v1", "Status"), true);
  assert.equal(hasProtobufType("meta.k8s.io/v1", "PartialObjectMetadataList"), true);
  assert.equal(hasProtobufType("meta.k8s.io/v1beta1", "PartialObjectMetadataList"), true);
  assert.equal(hasProtobufType("meta.k8s.io/v1", "Table"), false);
  assert.equal(hasProtobufType("apps/v1", "Pod"), false);
  assert.equal(hasProtobufType("apps/v1beta1", "Deployment"), false);
  assert.equal(hasProtobufType("stable.example.com/v1", "CronTab"), false);
  assert.equal(encodeProtobuf({ apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: {} }), undefined);
});

test("Go's zero-value rules: omitempty drops zero scalars, pointers keep them, structs always appear", () => {
  const out = viaProtobuf({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", generation: 0, labels: {} },
    spec: { replicas: 0, paused: false, template: { spec: { containers: [{ name: "c", image: "", ports: [] }] } } },
  });
  assert.deepEqual(out, {
    kind: "Deployment",
    apiVersion: "apps/v1",
    metadata: { name: "d", creationTimestamp: null },
    spec: {
      replicas: 0, // *int32: present on the wire, so kept
      selector: null, // *LabelSelector without omitempty
      template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: "c", resources: {} }] } },
      strategy: {},
    },
    status: {},
  });
});

test("non-omitempty fields come back as null or zero; slices written empty stay absent", () => {
  const out = viaProtobuf({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [] });
  assert.deepEqual(out, { kind: "Role", apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "r", creationTimestamp: null }, rules: null });
  const rb = viaProtobuf({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "b" } });
  assert.deepEqual(rb.roleRef, { apiGroup: "", kind: "", name: "" });
});

test("value types: Quantity, IntOrString, Time, MicroTime, []byte, map<string,bytes>", () => {
  const pod = viaProtobuf({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", creationTimestamp: "2024-05-06T07:08:09Z", deletionTimestamp: "2024-05-06T07:08:10.5+02:00" },
    spec: {
      containers: [
        {
          name: "c",
          resources: { limits: { cpu: "500m", memory: "1Gi" }, requests: { cpu: 1 } },
          readinessProbe: { httpGet: { port: "http" } },
          livenessProbe: { tcpSocket: { port: 8080 } },
          env: [{ name: "X", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } }],
        },
      ],
    },
  });
  const c = (pod.spec as { containers: Record<string, Record<string, unknown>>[] }).containers[0]!;
  assert.deepEqual(c.resources, { limits: { cpu: "500m", memory: "1Gi" }, requests: { cpu: "1" } });
  assert.deepEqual(c.readinessProbe!.httpGet, { port: "http" });
  assert.deepEqual(c.livenessProbe!.tcpSocket, { port: 8080 });
  // A non-pointer Quantity is a struct: its zero value prints as "0" (kube shows divisor: "0").
  assert.deepEqual(c.env, [{ name: "X", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "0" } } }]);
  const meta = pod.metadata as Record<string, unknown>;
  assert.equal(meta.creationTimestamp, "2024-05-06T07:08:09Z");
  assert.equal(meta.deletionTimestamp, "2024-05-06T05:08:10Z"); // UTC, whole seconds

  const lease = viaProtobuf({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: { renewTime: "2024-01-02T03:04:05.123456789Z" } });
  assert.deepEqual(lease.spec, { renewTime: "2024-01-02T03:04:05.123456Z" });

  const secret = viaProtobuf({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { a: "aGk=", empty: "" }, type: "Opaque" });
  assert.deepEqual(secret.data, { a: "aGk=", empty: "" });
  const csr = viaProtobuf({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: {}, spec: { signerName: "x" } });
  assert.equal((csr.spec as Record<string, unknown>).request, null); // []byte without omitempty, never set
});

test("special JSON forms: RawExtension, FieldsV1, apiextensions JSON and schema unions", () => {
  const rev = viaProtobuf({
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "r", managedFields: [{ manager: "m", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "f:data": {} } }] },
    data: { spec: { template: { $patch: "replace" } } },
    revision: 3,
  });
  assert.deepEqual(rev.data, { spec: { template: { $patch: "replace" } } });
  assert.deepEqual((rev.metadata as { managedFields: unknown[] }).managedFields, [{ manager: "m", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "f:data": {} } }]);

  const schema = {
    type: "object",
    required: ["spec"],
    "x-kubernetes-preserve-unknown-fields": true,
    properties: {
      spec: {
        type: "object",
        default: { replicas: 1 },
        additionalProperties: false,
        properties: { replicas: { type: "integer", minimum: 0, maximum: 10.5, enum: [1, 2] }, ref: { $ref: "#/x" } },
        "x-kubernetes-validations": [{ rule: "self.replicas >= 0", message: "m" }],
      },
      tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
      tuple: { type: "array", items: [{ type: "string" }, { type: "integer" }] },
      anything: { additionalProperties: true, "x-kubernetes-int-or-string": true },
      typed: { type: "object", additionalProperties: { type: "string" } },
      dep: { type: "object", dependencies: { a: ["b"], c: { required: ["d"] } } },
    },
  };
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      names: { plural: "crontabs", kind: "CronTab" },
      scope: "Namespaced",
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } }],
    },
  };
  const out = viaProtobuf(crd) as { spec: { versions: { schema: { openAPIV3Schema: unknown } }[] } };
  assert.deepEqual(out.spec.versions[0]!.schema.openAPIV3Schema, schema);
});

test("lists and watch events: items without TypeMeta, length-prefixed frames with the object embedded", () => {
  const list = viaProtobuf({
    apiVersion: "v1",
    kind: "ConfigMapList",
    metadata: { resourceVersion: "12", continue: "abc" },
    items: [{ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "a", namespace: "ns" }, data: { k: "v" } }],
  });
  assert.deepEqual(list, {
    kind: "ConfigMapList",
    apiVersion: "v1",
    metadata: { resourceVersion: "12", continue: "abc" },
    items: [{ metadata: { name: "a", namespace: "ns", creationTimestamp: null }, data: { k: "v" } }],
  });

  const cm = { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "a", resourceVersion: "7", creationTimestamp: null }, data: { k: "v" } };
  const frame = encodeWatchEvent("ADDED", cm)!;
  const length = new DataView(frame.buffer, frame.byteOffset).getUint32(0, false);
  assert.equal(length, frame.length - 4);
  const event = decodeProtobuf(frame.subarray(4));
  assert.equal(event.kind, "WatchEvent");
  assert.equal(event.apiVersion, "v1");
  assert.deepEqual(event.object, { kind: "WatchEvent", apiVersion: "v1", type: "ADDED", object: cm });
  assert.equal(encodeWatchEvent("ADDED", { apiVersion: "x.io/v1", kind: "Foo", metadata: {} }), undefined);
});

test("integers: negatives take ten bytes, int64 beyond 32 bits, packed repeated numbers decode", () => {
  const out = viaProtobuf({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", generation: 2 ** 40 + 3, deletionGracePeriodSeconds: -1 },
    spec: { securityContext: { runAsUser: -5, supplementalGroups: [1, 2 ** 33] }, containers: [] },
  });
  const meta = out.metadata as Record<string, unknown>;
  assert.equal(meta.generation, 2 ** 40 + 3);
  assert.equal(meta.deletionGracePeriodSeconds, -1);
  assert.deepEqual((out.spec as { securityContext: unknown }).securityContext, { runAsUser: -5, supplementalGroups: [1, 2 ** 33] });

  // PodSecurityContext.supplementalGroups (field 4) packed: tag 0x22, length 3, values 1, 300.
  const desc = messageDesc("core/v1.PodSecurityContext");
  assert.deepEqual(decodeMessage(desc, hex("22 03 01 ac02"), true), { supplementalGroups: [1, 300] });
  const w = new Writer();
  encodeMessage(w, messageDesc("core/v1.PodSecurityContext"), { runAsUser: -1 });
  assert.equal(Buffer.from(w.finish()).toString("hex"), "10ffffffffffffffffff01");
});

test("unknown fields are skipped; a repeated struct field merges like protobuf", () => {
  const desc = messageDesc("meta/v1.ObjectMeta");
  // name "a"; unknown field 99 (varint 1); unknown field 100 (bytes, 1 byte); labels x=y
  const ok = hex("0a0161 9806 01 a20601 00 5a06 0a0178 120179");
  assert.deepEqual(decodeMessage(desc, ok, true), { name: "a", creationTimestamp: null, labels: { x: "y" } });
  assert.throws(() => decodeMessage(desc, ok.subarray(0, ok.length - 1), true), /unexpected EOF/);
  // ObjectMeta.labels appear twice: entries add up.
  assert.deepEqual(decodeMessage(desc, hex("5a06 0a0161 120162 5a06 0a0163 120164"), true), { creationTimestamp: null, labels: { a: "b", c: "d" } });
  // DeploymentSpec.strategy (field 4) twice: the messages merge.
  const spec = messageDesc("apps/v1.DeploymentSpec");
  const merged = decodeMessage(spec, hex("2208 0a06 526563726561 2202 1200"), true) as Record<string, unknown>;
  assert.deepEqual(merged.strategy, { type: "Recrea", rollingUpdate: {} });
});

test("errors carry kube's wording", () => {
  const fail = (body: Uint8Array, message: string, expected = "Deployment") => {
    try {
      decodeProtobuf(body);
      assert.fail("decoded");
    } catch (e) {
      assert.ok(e instanceof ProtobufError);
      assert.equal(decodeErrorMessage(e, expected, body), message);
    }
  };
  fail(new Uint8Array(0), "the object provided is unrecognized (must be of type Deployment): empty data (<empty>)");
  fail(
    Buffer.from('{"kind":"Deployment","apiVersion":"apps/v1"}'),
    'the object provided is unrecognized (must be of type Deployment): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Deployment","apiVersi ...)',
  );
  fail(hex("6b387300"), "the object provided is unrecognized (must be of type Deployment): empty body (6b387300)");
  fail(hex("6b387300 0a09 0a07 617070732f7631 1200"), `the object provided is unrecognized (must be of type Deployment): Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"apps/v1", Kind:""}' (6b3873000a090a07617070732f76311200)`);
  // typeMeta{apps/v1, Foo}
  const foo = hex("6b387300 0a0e 0a07 617070732f7631 1203 466f6f");
  fail(foo, 'Foo in version "v1" cannot be handled as a Deployment: no kind "Foo" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
  const good = encodeProtobuf({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } })!;
  const raw = good.subarray(4);
  const envelopeEnd = 2 + raw[1]!; // typeMeta field
  // An envelope cut short fails before the kind is known.
  fail(Uint8Array.from([...good.subarray(0, 4 + envelopeEnd), 0x12, 0x10, 0x0a]), `the object provided is unrecognized (must be of type Deployment): unexpected EOF (${Buffer.from(good.subarray(0, 4 + envelopeEnd)).toString("hex")}12100a)`);
  // A whole envelope around a Deployment that is cut short.
  const truncated = Uint8Array.from([...good.subarray(0, 4 + envelopeEnd), 0x12, 0x04, 0x0a, 0x05, 0x0a, 0x03]);
  fail(truncated, 'Deployment in version "v1" cannot be handled as a Deployment: unexpected EOF');
  // A wire type that does not fit the field: metadata (1) sent as a varint.
  fail(Uint8Array.from([...good.subarray(0, 4 + envelopeEnd), 0x12, 0x02, 0x08, 0x01]), 'Deployment in version "v1" cannot be handled as a Deployment: proto: wrong wireType = 0 for field metadata');
  // An invalid quantity.
  const rq = encodeProtobuf({ apiVersion: "v1", kind: "ResourceQuota", metadata: {}, spec: { hard: { cpu: "lots" } } })!;
  fail(rq, `ResourceQuota in version "v1" cannot be handled as a ResourceQuota: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`, "ResourceQuota");
});

test("defaults from the endpoint fill in an empty envelope type", () => {
  const body = encodeProtobuf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })!;
  // Rewrite typeMeta to empty: k8s\0, field 1 length 0, then the rest from field 2.
  const rest = body.subarray(4 + 2 + body[5]!);
  const bare = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x00, ...rest]);
  const out = decodeProtobuf(bare, { apiVersion: "v1", kind: "ConfigMap" });
  assert.equal(out.kind, "ConfigMap");
  assert.equal(out.apiVersion, "v1");
  assert.deepEqual(out.object.metadata, { name: "c", creationTimestamp: null });
});

test("Go durations", () => {
  const cases: [string, bigint][] = [
    ["0s", 0n],
    ["1ns", 1n],
    ["1.5µs", 1500n],
    ["2.000001ms", 2_000_001n],
    ["1s", 1_000_000_000n],
    ["1m30.5s", 90_500_000_000n],
    ["1h0m0s", 3_600_000_000_000n],
    ["-2h3m4s", -7_384_000_000_000n],
  ];
  for (const [text, ns] of cases) {
    assert.equal(formatDuration(ns), text);
    assert.equal(parseDuration(text), ns);
  }
  assert.equal(parseDuration("1.5h"), 5_400_000_000_000n);
  assert.equal(parseDuration("300ms"), 300_000_000n);
  assert.throws(() => parseDuration("5"), /invalid duration/);
});
