/** Endpoints (core/v1): every subset has addresses; ports named when several; protocol TCP by default. */
import type { FieldError, KObject } from "../../api/types.js";
import { child, index, invalid, isValidPortNum, nameIsDNSSubdomain, notSupported, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { validateNonSpecialIP } from "./services.js";
import { defaultString, int, objs, s, validateDNS1123Label, validateIP, validateQualifiedName, type Json } from "./util.js";

function defaults(ep: KObject): void {
  for (const ss of objs(ep.subsets)) for (const p of objs(ss.ports)) defaultString(p, "protocol", "TCP");
}

function validateAddress(a: Json, path: string): FieldError[] {
  const errs = validateIP(s(a.ip), child(path, "ip"));
  if (s(a.hostname) !== "") errs.push(...validateDNS1123Label(s(a.hostname), child(path, "hostname")));
  if (typeof a.nodeName === "string") for (const m of nameIsDNSSubdomain(a.nodeName, false)) errs.push(invalid(child(path, "nodeName"), a.nodeName, m));
  errs.push(...validateNonSpecialIP(s(a.ip), child(path, "ip")));
  return errs;
}

function validate(ep: KObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(ep.subsets).forEach((ss, i) => {
    const p = index("subsets", i);
    const addrs = objs(ss.addresses);
    const notReady = objs(ss.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0) errs.push(required(p, "must specify `addresses` or `notReadyAddresses`"));
    addrs.forEach((a, j) => errs.push(...validateAddress(a, index(child(p, "addresses"), j))));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, index(child(p, "notReadyAddresses"), j))));
    const ports = objs(ss.ports);
    ports.forEach((port, j) => {
      const pp = index(child(p, "ports"), j);
      const name = s(port.name);
      if (ports.length > 1 && name === "") errs.push(required(child(pp, "name"), ""));
      else if (name !== "") errs.push(...validateDNS1123Label(name, child(pp, "name")));
      for (const m of isValidPortNum(int(port.port))) errs.push(invalid(child(pp, "port"), int(port.port), m));
      const proto = s(port.protocol);
      if (proto === "") errs.push(required(child(pp, "protocol"), ""));
      else if (!["SCTP", "TCP", "UDP"].includes(proto)) errs.push(notSupported(child(pp, "protocol"), proto, ["SCTP", "TCP", "UDP"]));
      if (typeof port.appProtocol === "string") errs.push(...validateQualifiedName(port.appProtocol, child(pp, "appProtocol")));
    });
  });
  return errs;
}

export const endpointsStrategy: Strategy = {
  defaults,
  validate,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
