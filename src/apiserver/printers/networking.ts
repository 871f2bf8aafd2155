/** Printers for networking.k8s.io and discovery.k8s.io. */
import type { Printer } from "./types.js";
import { loadBalancerIngress } from "./core.js";
import {
  age,
  ageColumn,
  column,
  formatLabelSelector,
  int,
  isObject,
  isSet,
  listWithMore,
  name,
  nameColumn,
  obj,
  objects,
  printer,
  str,
  strings,
  type JSONObject,
} from "./format.js";

/** Up to three rule hosts, "*" when no rule names a host. */
function formatHosts(rules: JSONObject[]): string {
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    if (!more && str(rule.host) !== "") hosts.push(str(rule.host));
  }
  if (hosts.length === 0) return "*";
  return more ? `${hosts.join(",")} + ${rules.length - max} more...` : hosts.join(",");
}

export const ingresses: Printer = printer(
  [
    nameColumn,
    column("Class", "string", "The IngressClass that handles the ingress."),
    column("Hosts", "string", "Hosts the ingress rules match."),
    column("Address", "string", "Load balancer ingress points of the ingress."),
    column("Ports", "string", "Ports the ingress serves (443 when it has TLS)."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    return [
      name(o),
      isSet(spec.ingressClassName) ? str(spec.ingressClassName) : "<none>",
      formatHosts(objects(spec.rules)),
      loadBalancerIngress(obj(o, "status", "loadBalancer")),
      objects(spec.tls).length > 0 ? "80, 443" : "80",
      age(o, now),
    ];
  },
);

export const ingressClasses: Printer = printer(
  [
    nameColumn,
    column("Controller", "string", "The controller that implements the class."),
    column("Parameters", "string", "The resource holding the class's parameters."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    let parameters = "<none>";
    if (isObject(spec.parameters)) {
      const p = spec.parameters;
      parameters = `${str(p.kind)}${isSet(p.apiGroup) ? `.${str(p.apiGroup)}` : ""}/${str(p.name)}`;
    }
    return [name(o), str(spec.controller), parameters, age(o, now)];
  },
);

export const networkPolicies: Printer = printer(
  [nameColumn, column("Pod-Selector", "string", "The pods the policy applies to."), ageColumn],
  // An absent podSelector is the empty selector: it selects every pod and prints "<none>".
  (o, now) => [name(o), formatLabelSelector(obj(o, "spec", "podSelector")), age(o, now)],
);

export const serviceCIDRs: Printer = printer(
  [nameColumn, column("CIDRs", "string", "The ranges service IPs are allocated from."), ageColumn],
  (o, now) => [name(o), strings(obj(o, "spec").cidrs).join(","), age(o, now)],
);

// kube declares two columns for IPAddress but fills three cells (the age too); so do we.
export const ipAddresses: Printer = printer(
  [nameColumn, column("ParentRef", "string", "The object the IP address is allocated to.")],
  (o, now) => {
    const ref = obj(o, "spec").parentRef;
    let parent = "<none>";
    if (isObject(ref)) {
      const group = str(ref.group);
      const resource = str(ref.resource);
      parent = (group === "" ? resource : `${resource}.${group}`).toLowerCase();
      if (str(ref.namespace) !== "") parent += `/${str(ref.namespace)}`;
      parent += `/${str(ref.name)}`;
    }
    return [name(o), parent, age(o, now)];
  },
);

export const endpointSlices: Printer = printer(
  [
    nameColumn,
    column("AddressType", "string", "IPv4, IPv6 or FQDN."),
    column("Ports", "string", "Ports of the slice (numbers, or names when unnumbered)."),
    column("Endpoints", "string", "Addresses of the slice's endpoints."),
    ageColumn,
  ],
  (o, now) => {
    const ports = objects(o.ports).map((p) => (isSet(p.port) ? String(int(p.port)) : isSet(p.name) ? str(p.name) : "*"));
    const addresses = objects(o.endpoints).flatMap((e) => strings(e.addresses));
    return [name(o), str(o.addressType), listWithMore(ports, 3), listWithMore(addresses, 3), age(o, now)];
  },
);
