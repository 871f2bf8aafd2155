/** discovery.k8s.io/v1 EndpointSlice (kube's endpointslice strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import {
  duplicate, internal, invalid, isFullyQualifiedDomainName, isValidIPv4Address, isValidIPv6Address, isValidLabelValue,
  jsonEqual, nameIsDNSSubdomain, notSupported, required, tooMany, validateLabels,
} from "../../validation/index.js";
import { validateNonSpecialIP } from "../core/services.js";
import { validateDNS1123Label, validateQualifiedName } from "../core/util.js";
import type { Strategy } from "../types.js";
import { generationStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, len, s, setDefault, stringMap, type Json } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";

const addressTypes = ["FQDN", "IPv4", "IPv6"];
const protocols = ["SCTP", "TCP", "UDP"];
const maxTopologyLabels = 16;
const maxAddresses = 100;
const maxPorts = 20000;
const maxEndpoints = 1000;
const maxZoneHints = 8;

function defaults(obj: KObject): void {
  for (const port of arr(obj.ports)) {
    if (!isObj(port)) continue;
    setDefault(port, "name", "");
    setDefault(port, "protocol", "TCP");
  }
}

function validateEndpoints(endpoints: unknown[], addressType: string): FieldError[] {
  if (endpoints.length > maxEndpoints) return [tooMany("endpoints", endpoints.length, maxEndpoints)];
  const errs: FieldError[] = [];
  endpoints.forEach((e, i) => {
    const ep = isObj(e) ? e : {};
    const p = `endpoints[${i}]`;
    const addresses = arr(ep.addresses);
    if (addresses.length === 0) errs.push(required(`${p}.addresses`, "must contain at least 1 address"));
    else if (addresses.length > maxAddresses) errs.push(tooMany(`${p}.addresses`, addresses.length, maxAddresses));
    addresses.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      const addr = s(a);
      if (addressType === "IPv4" || addressType === "IPv6") {
        const msgs = addressType === "IPv4" ? isValidIPv4Address(addr) : isValidIPv6Address(addr);
        if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(ap, addr, m)));
        else errs.push(...validateNonSpecialIP(addr, ap));
      } else if (addressType === "FQDN") {
        errs.push(...isFullyQualifiedDomainName(ap, addr));
      }
    });
    if (typeof ep.nodeName === "string") {
      for (const m of nameIsDNSSubdomain(ep.nodeName, false)) errs.push(invalid(`${p}.nodeName`, ep.nodeName, m));
    }
    const topo = stringMap(ep.deprecatedTopology);
    const tp = `${p}.deprecatedTopology`;
    if (len(topo) > maxTopologyLabels) errs.push(tooMany(tp, len(topo), maxTopologyLabels));
    errs.push(...validateLabels(topo, tp));
    if (topo && "topology.kubernetes.io/zone" in topo) {
      errs.push(internal(`${tp}[topology.kubernetes.io/zone]`, "reserved key was not removed in conversion"));
    }
    if (typeof ep.hostname === "string") errs.push(...validateDNS1123Label(ep.hostname, `${p}.hostname`));
    if (isObj(ep.hints)) errs.push(...validateHints(ep.hints, `${p}.hints`));
  });
  return errs;
}

function validateHints(hints: Json, path: string): FieldError[] {
  const zones = arr(hints.forZones);
  const fz = `${path}.forZones`;
  if (zones.length > maxZoneHints) return [tooMany(fz, zones.length, maxZoneHints)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  zones.forEach((z, i) => {
    const name = s(isObj(z) ? z.name : undefined);
    const zp = `${fz}[${i}].name`;
    if (seen.has(name)) errs.push(duplicate(zp, name));
    else seen.add(name);
    for (const m of isValidLabelValue(name)) errs.push(invalid(zp, name, m));
  });
  return errs;
}

function validatePorts(ports: unknown[]): FieldError[] {
  if (ports.length > maxPorts) return [tooMany("ports", ports.length, maxPorts)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((x, i) => {
    const port = isObj(x) ? x : {};
    const p = `ports[${i}]`;
    const name = s(port.name);
    if (name !== "") errs.push(...validateDNS1123Label(name, `${p}.name`));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(required(`${p}.protocol`));
    else if (!protocols.includes(s(port.protocol))) errs.push(notSupported(`${p}.protocol`, s(port.protocol), protocols));
    if (typeof port.appProtocol === "string") errs.push(...validateQualifiedName(port.appProtocol, `${p}.appProtocol`));
  });
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const at = s(obj.addressType);
  if (at === "") errs.push(required("addressType"));
  else if (!addressTypes.includes(at)) errs.push(notSupported("addressType", at, addressTypes));
  errs.push(...validateEndpoints(arr(obj.endpoints), at));
  errs.push(...validatePorts(arr(obj.ports)));
  return errs;
}

/** Everything but metadata is the slice's content; content or label changes are a new generation. */
function contentChanged(obj: KObject, old: KObject): boolean {
  const strip = (o: KObject) => {
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !jsonEqual(strip(obj), strip(old)) || !jsonEqual(obj.metadata.labels, old.metadata.labels);
}

export const endpointSliceStrategy: Strategy = {
  defaults,
  ...generationStrategy(contentChanged),
  validate,
  validateUpdate: (obj, old) => immutable(obj.addressType, old.addressType, "addressType"),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
