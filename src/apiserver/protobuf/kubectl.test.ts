/**
 * Decodes what kubectl 1.32 really sends. A loopback server records each request body (and
 * answers 500, so kubectl gives up after one try); the same command with `-o json
 * --dry-run=client` prints the object kubectl built, which is what it would have sent as JSON.
 * Each command gets its own URL prefix (`-s http://127.0.0.1:<port>/<n>`) so they can run at once.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { decodeProtobuf, encodeProtobuf, PROTOBUF_MEDIA_TYPE } from "./index.js";

const KUBECTL = "/usr/bin/kubectl";
const skip = existsSync(KUBECTL) ? false : "kubectl is not installed";

interface Captured {
  method: string;
  path: string;
  contentType?: string;
  accept?: string;
  body: Buffer;
}

const captured = new Map<string, Captured>();
/** Prefixes answered with a protobuf response instead of a 500. */
const replies = new Map<string, (body: Buffer) => { status: number; body: Uint8Array }>();
let server: http.Server;
let port = 0;
let home = "";

/** Just enough discovery for `create role/clusterrole --resource=pods` to resolve pods. */
const discovery: Record<string, unknown> = {
  "/version": { major: "1", minor: "32", gitVersion: "v1.32.4" },
  "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] },
  "/apis": { kind: "APIGroupList", apiVersion: "v1", groups: [] },
  "/api/v1": {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [{ name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["create", "get", "list"] }],
  },
};

before(async () => {
  home = mkdtempSync(join(tmpdir(), "kplane-protobuf-"));
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const [, prefix = "", ...rest] = url.pathname.split("/");
      const path = "/" + rest.join("/");
      const doc = req.method === "GET" ? discovery[path] : undefined;
      res.setHeader("content-type", "application/json");
      if (doc) {
        res.end(JSON.stringify(doc));
        return;
      }
      const reply = replies.get(prefix);
      if (reply && req.method !== "GET") {
        const answer = reply(Buffer.concat(chunks));
        res.statusCode = answer.status;
        res.setHeader("content-type", PROTOBUF_MEDIA_TYPE);
        res.end(answer.body);
        return;
      }
      if (req.method !== "GET") {
        captured.set(prefix, {
          method: req.method ?? "",
          path: url.pathname.slice(prefix.length + 1),
          contentType: req.headers["content-type"],
          accept: req.headers.accept,
          body: Buffer.concat(chunks),
        });
      }
      res.statusCode = 500;
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

function kubectl(prefix: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(KUBECTL, ["-s", `http://127.0.0.1:${port}/${prefix}`, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: home },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const cases: { name: string; args: string[]; path: string }[] = [
  { name: "deployment", args: ["create", "deployment", "web", "--image=nginx", "--replicas=3", "--port=80"], path: "/apis/apps/v1/namespaces/default/deployments" },
  { name: "configmap", args: ["create", "configmap", "cm", "--from-literal=a=b", "--from-literal=empty="], path: "/api/v1/namespaces/default/configmaps" },
  { name: "secret", args: ["create", "secret", "generic", "s", "--from-literal=user=admin", "--from-literal=pw=\u00e9\u00ff\n"], path: "/api/v1/namespaces/default/secrets" },
  { name: "secret docker-registry", args: ["create", "secret", "docker-registry", "reg", "--docker-server=r.io", "--docker-username=u", "--docker-password=p"], path: "/api/v1/namespaces/default/secrets" },
  { name: "service clusterip", args: ["create", "service", "clusterip", "svc", "--tcp=80:8080", "--tcp=443:https"], path: "/api/v1/namespaces/default/services" },
  { name: "service nodeport", args: ["create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"], path: "/api/v1/namespaces/default/services" },
  { name: "job", args: ["create", "job", "j", "--image=busybox", "--", "echo", "hi"], path: "/apis/batch/v1/namespaces/default/jobs" },
  { name: "cronjob", args: ["create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *", "--restart=OnFailure"], path: "/apis/batch/v1/namespaces/default/cronjobs" },
  { name: "namespace", args: ["create", "namespace", "team-a"], path: "/api/v1/namespaces" },
  { name: "role", args: ["create", "role", "r", "--verb=get", "--verb=list", "--resource=pods", "--resource-name=p1"], path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles" },
  { name: "rolebinding", args: ["create", "rolebinding", "rb", "--role=r", "--user=alice", "--serviceaccount=default:sa"], path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings" },
  { name: "clusterrole", args: ["create", "clusterrole", "cr", "--verb=get", "--resource=pods", "--non-resource-url=/healthz"], path: "/apis/rbac.authorization.k8s.io/v1/clusterroles" },
  { name: "clusterrole aggregated", args: ["create", "clusterrole", "agg", "--aggregation-rule=rbac.example.com/aggregate=true"], path: "/apis/rbac.authorization.k8s.io/v1/clusterroles" },
  { name: "clusterrolebinding", args: ["create", "clusterrolebinding", "crb", "--clusterrole=cr", "--group=devs"], path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" },
  { name: "quota", args: ["create", "quota", "q", "--hard=cpu=1500m,memory=1Gi,pods=2", "--scopes=BestEffort"], path: "/api/v1/namespaces/default/resourcequotas" },
  { name: "priorityclass", args: ["create", "priorityclass", "pc", "--value=1000", "--global-default=true", "--description=hi"], path: "/apis/scheduling.k8s.io/v1/priorityclasses" },
  { name: "pdb int", args: ["create", "poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=1"], path: "/apis/policy/v1/namespaces/default/poddisruptionbudgets" },
  { name: "pdb percent", args: ["create", "poddisruptionbudget", "pdb2", "--selector=app=web", "--max-unavailable=50%"], path: "/apis/policy/v1/namespaces/default/poddisruptionbudgets" },
  { name: "ingress", args: ["create", "ingress", "ing", "--rule=foo.com/bar*=svc:80,tls=cert", "--class=nginx", "--annotation=a=b"], path: "/apis/networking.k8s.io/v1/namespaces/default/ingresses" },
  { name: "serviceaccount", args: ["create", "serviceaccount", "sa"], path: "/api/v1/namespaces/default/serviceaccounts" },
];

for (const [i, c] of cases.entries()) {
  test(`kubectl create ${c.name}: the protobuf body decodes to the object kubectl builds`, { skip }, async () => {
    const prefix = `c${i}`;
    const withFlags = (...flags: string[]) => {
      const dash = c.args.indexOf("--"); // flags go before a container command
      return dash < 0 ? [...c.args, ...flags] : [...c.args.slice(0, dash), ...flags, ...c.args.slice(dash)];
    };
    const [sent, dry] = await Promise.all([kubectl(prefix, withFlags("--validate=false")), kubectl(`d${i}`, withFlags("-o", "json", "--dry-run=client"))]);
    const got = captured.get(prefix);
    assert.ok(got, `kubectl sent nothing: ${sent.stderr}`);
    assert.equal(got.method, "POST");
    assert.equal(got.path, c.path);
    assert.equal(got.contentType, PROTOBUF_MEDIA_TYPE);
    assert.equal(got.accept, `${PROTOBUF_MEDIA_TYPE},application/json`);
    assert.equal(dry.code, 0, dry.stderr);
    const body = new Uint8Array(got.body);
    const decoded = decodeProtobuf(body);
    assert.deepEqual(decoded.object, JSON.parse(dry.stdout));
    // Go's marshaller wrote these bytes; ours writes the same ones.
    assert.deepEqual(Buffer.from(encodeProtobuf(decoded.object)!), got.body);
  });
}

test("kubectl create token: TokenRequest on the token subresource", { skip }, async () => {
  await Promise.all([
    kubectl("t0", ["create", "token", "default"]),
    kubectl("t1", ["create", "token", "build", "--audience=a", "--audience=b", "--duration=10m", "--bound-object-kind=Pod", "--bound-object-name=p1", "--bound-object-uid=123"]),
  ]);
  const meta = { kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: null } };
  const status = { token: "", expirationTimestamp: null };
  // `kubectl create token` has no --dry-run; these are the Go JSON of the TokenRequest it builds
  // (TokenRequestSpec's fields have no omitempty, so nil ones are null).
  const want: Record<string, unknown>[] = [
    { ...meta, spec: { audiences: null, expirationSeconds: null, boundObjectRef: null }, status },
    { ...meta, spec: { audiences: ["a", "b"], expirationSeconds: 600, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p1", uid: "123" } }, status },
  ];
  for (const [i, w] of want.entries()) {
    const got = captured.get(`t${i}`);
    assert.ok(got, "kubectl sent nothing");
    assert.equal(got.path, `/api/v1/namespaces/default/serviceaccounts/${i ? "build" : "default"}/token`);
    assert.equal(got.contentType, PROTOBUF_MEDIA_TYPE);
    const decoded = decodeProtobuf(new Uint8Array(got.body));
    assert.deepEqual(decoded.object, w);
    assert.deepEqual(Buffer.from(encodeProtobuf(decoded.object)!), got.body);
  }
});

test("kubectl reads our protobuf responses: the created object and a Status error", { skip }, async () => {
  let created: Record<string, unknown> | undefined;
  replies.set("r0", (body) => {
    const { object } = decodeProtobuf(new Uint8Array(body));
    const metadata = object.metadata as Record<string, unknown>;
    created = {
      ...object,
      metadata: { ...metadata, namespace: "default", uid: "0b4d9a4e-1f6b-4a8e-9d2a-3c1f2e5d6a7b", resourceVersion: "41", generation: 1, creationTimestamp: "2024-05-06T07:08:09Z" },
      status: { conditions: [{ type: "Progressing", status: "True", lastUpdateTime: "2024-05-06T07:08:09Z", lastTransitionTime: "2024-05-06T07:08:09Z", reason: "NewReplicaSetCreated" }] },
    };
    return { status: 201, body: encodeProtobuf(created)! };
  });
  replies.set("r1", () => ({
    status: 409,
    body: encodeProtobuf({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'deployments.apps "web" already exists',
      reason: "AlreadyExists",
      details: { name: "web", group: "apps", kind: "deployments" },
      code: 409,
    })!,
  }));
  const args = ["create", "deployment", "web", "--image=nginx", "--validate=false"];
  const [ok, conflict] = await Promise.all([kubectl("r0", [...args, "-o", "json"]), kubectl("r1", args)]);
  assert.equal(ok.code, 0, ok.stderr);
  // kubectl decoded our bytes with Go's protobuf types and printed them as JSON.
  assert.deepEqual(JSON.parse(ok.stdout), decodeProtobuf(encodeProtobuf(created!)!).object);
  assert.equal(conflict.code, 1);
  // The message kubectl prints is the one inside our Status.
  assert.equal(conflict.stderr, 'error: failed to create deployment: deployments.apps "web" already exists\n');
});
