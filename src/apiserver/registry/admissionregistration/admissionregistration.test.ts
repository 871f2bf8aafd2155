import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { validatingAdmissionPolicyBindingStrategy as vapb, validatingAdmissionPolicyStrategy as vap } from "./policies.js";
import { mutatingWebhookConfigurationStrategy as mwc, validatingWebhookConfigurationStrategy as vwc } from "./webhooks.js";

const config: KObject = {
  metadata: { name: "hooks" },
  webhooks: [
    {
      name: "check.example.com",
      clientConfig: { service: { name: "svc", namespace: "default", path: "/validate" } },
      rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
    },
  ],
};

test("webhook defaults", () => {
  const { obj, errors } = runCreate(mwc, config);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.webhooks, [
    {
      name: "check.example.com",
      clientConfig: { service: { name: "svc", namespace: "default", path: "/validate", port: 443 } },
      rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "*" }],
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
      failurePolicy: "Fail",
      matchPolicy: "Equivalent",
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
      reinvocationPolicy: "Never",
    },
  ]);
  assert.equal(obj.metadata.generation, 1);
  const v = runCreate(vwc, config).obj.webhooks as Record<string, unknown>[];
  assert.equal(v[0]!.reinvocationPolicy, undefined);
});

test("webhook validation", () => {
  const bad = edited(config, {
    webhooks: [
      {
        name: "check",
        clientConfig: { url: "http://example.com/x?y=1" },
        rules: [{ operations: ["*", "CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["*", "pods"] }],
        admissionReviewVersions: ["v2"],
        timeoutSeconds: 60,
      },
    ],
  });
  assert.deepEqual(runCreate(vwc, bad).errors, [
    'webhooks[0].name: Invalid value: "check": should be a domain with at least three segments separated by dots',
    `webhooks[0].rules[0].operations: Invalid value: []string{"*", "CREATE"}: if '*' is present, must not specify other operations`,
    `webhooks[0].rules[0].resources: Invalid value: []string{"*", "pods"}: if '*' is present, must not specify other resources without subresources`,
    `webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
    'webhooks[0].clientConfig.url: Invalid value: "y=1": query parameters are not permitted in the URL',
    "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
    "webhooks[0].timeoutSeconds: Invalid value: 60: the timeout value must be between 1 and 30 seconds",
    'webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
  ]);
});

test("webhook generation follows the webhooks", () => {
  const stored = created(vwc, config);
  assert.equal(runUpdate(vwc, edited(stored, { "metadata.labels": { a: "b" } }), stored).obj.metadata.generation, 1);
  assert.equal(runUpdate(vwc, edited(stored, { "webhooks.0.timeoutSeconds": 5 }), stored).obj.metadata.generation, 2);
});

test("validating admission policy and binding", () => {
  const policy: KObject = {
    metadata: { name: "replicas" },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] }] },
      validations: [{ expression: "object.spec.replicas <= 5" }],
    },
  };
  const { obj, errors } = runCreate(vap, policy);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    failurePolicy: "Fail",
    matchConstraints: {
      matchPolicy: "Equivalent",
      namespaceSelector: {},
      objectSelector: {},
      resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"], scope: "*" }],
    },
    validations: [{ expression: "object.spec.replicas <= 5" }],
  });
  assert.deepEqual(obj.status, {});
  assert.deepEqual(runCreate(vap, { metadata: { name: "p" }, spec: {} }).errors, [
    "spec.matchConstraints: Required value",
    "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
    "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item",
  ]);
  assert.deepEqual(runCreate(vapb, { metadata: { name: "b" }, spec: { policyName: "replicas", validationActions: ["Deny", "Warn"] } }).errors, [
    'spec.validationActions: Invalid value: []string{"Deny", "Warn"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
  ]);
});
