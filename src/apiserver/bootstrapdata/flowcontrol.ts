/**
 * API Priority and Fairness configuration kube-apiserver 1.32 keeps in the cluster
 * (apiserver/pkg/apis/flowcontrol/bootstrap): the mandatory exempt and catch-all objects and the
 * suggested ones, as flowcontrol.apiserver.k8s.io/v1, already in their defaulted form. The
 * autoupdate-spec annotation tells the server it owns their spec.
 */
import type { KObject } from "../api/types.js";

const apiVersion = "flowcontrol.apiserver.k8s.io/v1";
const annotations = (): Record<string, string> => ({ "apf.kubernetes.io/autoupdate-spec": "true" });

type Json = Record<string, unknown>;

function level(name: string, spec: Json): KObject {
  return { apiVersion, kind: "PriorityLevelConfiguration", metadata: { name, annotations: annotations() }, spec };
}

function queued(shares: number, lendablePercent: number, queues: number, handSize: number): Json {
  return {
    type: "Limited",
    limited: {
      nominalConcurrencyShares: shares,
      limitResponse: { type: "Queue", queuing: { queues, handSize, queueLengthLimit: 50 } },
      lendablePercent,
    },
  };
}

export function bootstrapPriorityLevelConfigurations(): KObject[] {
  return [
    // Mandatory.
    level("catch-all", { type: "Limited", limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" }, lendablePercent: 0 } }),
    level("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
    // Suggested.
    level("system", queued(30, 33, 64, 6)),
    level("node-high", queued(40, 25, 64, 6)),
    level("leader-election", queued(10, 0, 16, 4)),
    level("workload-high", queued(40, 50, 128, 6)),
    level("workload-low", queued(100, 90, 128, 6)),
    level("global-default", queued(20, 50, 128, 6)),
  ];
}

const groups = (...names: string[]): Json[] => names.map((name) => ({ kind: "Group", group: { name } }));
const users = (...names: string[]): Json[] => names.map((name) => ({ kind: "User", user: { name } }));
const kubeSystemServiceAccounts = (...names: string[]): Json[] =>
  names.map((name) => ({ kind: "ServiceAccount", serviceAccount: { name, namespace: "kube-system" } }));

function resourceRule(verbs: string[], apiGroups: string[], resources: string[], clusterScope: boolean): Json {
  // clusterScope is omitted when false, as kube encodes it.
  return { verbs, apiGroups, resources, ...(clusterScope ? { clusterScope } : {}), namespaces: ["*"] };
}

const nonResourceRule = (verbs: string[], nonResourceURLs: string[]): Json => ({ verbs, nonResourceURLs });

/** Everything, resource or not: the rule of the broad schemas. */
function everything(subjects: Json[]): Json {
  return { subjects, resourceRules: [resourceRule(["*"], ["*"], ["*"], true)], nonResourceRules: [nonResourceRule(["*"], ["*"])] };
}

function schema(name: string, priorityLevel: string, matchingPrecedence: number, distinguisher: "ByUser" | "ByNamespace" | undefined, rules: Json[]): KObject {
  return {
    apiVersion,
    kind: "FlowSchema",
    metadata: { name, annotations: annotations() },
    spec: {
      priorityLevelConfiguration: { name: priorityLevel },
      matchingPrecedence,
      ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}),
      rules,
    },
  };
}

const leases = (verbs: string[]): Json => resourceRule(verbs, ["coordination.k8s.io"], ["leases"], false);

export function bootstrapFlowSchemas(): KObject[] {
  const authenticatedOrNot = (): Json[] => groups("system:unauthenticated", "system:authenticated");
  return [
    // Mandatory.
    schema("exempt", "exempt", 1, undefined, [everything(groups("system:masters"))]),
    schema("catch-all", "catch-all", 10000, "ByUser", [everything(authenticatedOrNot())]),
    // Suggested, in matching-precedence order.
    schema("probes", "exempt", 2, undefined, [
      { subjects: authenticatedOrNot(), nonResourceRules: [nonResourceRule(["get"], ["/healthz", "/readyz", "/livez"])] },
    ]),
    schema("system-leader-election", "leader-election", 100, "ByUser", [
      {
        subjects: [...users("system:kube-controller-manager", "system:kube-scheduler"), ...kubeSystemServiceAccounts("*")],
        resourceRules: [leases(["get", "create", "update"])],
      },
    ]),
    // Ahead of workload-leader-election so that endpoint writes of these controllers are not
    // taken for leader election.
    schema("endpoint-controller", "workload-high", 150, "ByUser", [
      {
        subjects: [...users("system:kube-controller-manager"), ...kubeSystemServiceAccounts("endpoint-controller", "endpointslicemirroring-controller")],
        resourceRules: [resourceRule(["get", "create", "update"], [""], ["endpoints"], false)],
      },
    ]),
    schema("workload-leader-election", "leader-election", 200, "ByUser", [
      {
        subjects: kubeSystemServiceAccounts("*"),
        resourceRules: [resourceRule(["get", "create", "update"], [""], ["endpoints", "configmaps"], false), leases(["get", "create", "update"])],
      },
    ]),
    schema("system-node-high", "node-high", 400, "ByUser", [
      {
        subjects: groups("system:nodes"),
        resourceRules: [resourceRule(["*"], [""], ["nodes", "nodes/status"], true), leases(["*"])],
      },
    ]),
    schema("system-nodes", "system", 500, "ByUser", [everything(groups("system:nodes"))]),
    schema("kube-controller-manager", "workload-high", 800, "ByNamespace", [everything(users("system:kube-controller-manager"))]),
    schema("kube-scheduler", "workload-high", 800, "ByNamespace", [everything(users("system:kube-scheduler"))]),
    schema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", [everything(kubeSystemServiceAccounts("*"))]),
    schema("service-accounts", "workload-low", 9000, "ByUser", [everything(groups("system:serviceaccounts"))]),
    schema("global-default", "global-default", 9900, "ByUser", [everything(authenticatedOrNot())]),
  ];
}
