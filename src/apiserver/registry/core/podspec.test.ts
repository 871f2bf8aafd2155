import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFieldError } from "../../validation/index.js";
import { defaultPodTemplateSpec, validatePodSpec, validatePodTemplateSpec } from "./podspec.js";

test("a workload's pod template gets what kube stores", () => {
  const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } };
  defaultPodTemplateSpec(t);
  assert.deepEqual(t, {
    metadata: { creationTimestamp: null, labels: { app: "web" } },
    spec: {
      containers: [{
        name: "nginx", image: "nginx:1.27", imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 80, protocol: "TCP" }], resources: {},
        terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
      }],
      dnsPolicy: "ClusterFirst", restartPolicy: "Always", schedulerName: "default-scheduler", securityContext: {}, terminationGracePeriodSeconds: 30,
    },
  });
  assert.deepEqual(validatePodTemplateSpec(t, "spec.template"), []);
});

test("template paths: labels sit at <path>.labels, the spec at <path>.spec", () => {
  const t = { metadata: { labels: { "bad key!": "v" } }, spec: { containers: [{ name: "c", image: "i" }], ephemeralContainers: [{ name: "e", image: "i" }] } };
  defaultPodTemplateSpec(t);
  const errs = validatePodTemplateSpec(t, "spec.template").map(formatFieldError);
  assert.ok(errs[0]!.startsWith(`spec.template.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters`), errs[0]);
  assert.equal(errs.at(-1), "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template");
});

test("a spec that skipped defaulting reports the defaulted fields as required", () => {
  const errs = validatePodSpec({ containers: [{ name: "c", image: "i" }] }, "spec").map(formatFieldError);
  assert.deepEqual(errs, [
    "spec.terminationGracePeriodSeconds: Required value",
    "spec.containers[0].terminationMessagePolicy: Required value",
    "spec.containers[0].imagePullPolicy: Required value",
    "spec.restartPolicy: Required value",
    "spec.dnsPolicy: Required value",
  ]);
});

test("host network: templates may leave hostPort 0, pods may not differ", () => {
  const spec = { hostNetwork: true, containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, hostPort: 81 }] }] };
  const t = { spec };
  defaultPodTemplateSpec(t);
  assert.deepEqual(validatePodSpec(t.spec, "spec").map(formatFieldError), [
    "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true",
  ]);
});

test("probes, volumes and tolerations", () => {
  const t = {
    spec: {
      containers: [{ name: "c", image: "i", livenessProbe: { exec: { command: [] }, successThreshold: 2 } }],
      volumes: [{ name: "s", secret: { defaultMode: 1000 } }, { name: "h", hostPath: { path: "/a/../b", type: "Dir" } }],
      tolerations: [{ operator: "Equal", value: "x" }],
    },
  };
  defaultPodTemplateSpec(t);
  assert.deepEqual(validatePodSpec(t.spec, "spec").map(formatFieldError), [
    "spec.volumes[0].secret.secretName: Required value",
    "spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
    `spec.volumes[1].hostPath.path: Invalid value: "/a/../b": must not contain '..'`,
    `spec.volumes[1].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"`,
    "spec.containers[0].livenessProbe.exec.command: Required value",
    "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    `spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when \`key\` is empty, which means "match all values and all keys"`,
  ]);
});
