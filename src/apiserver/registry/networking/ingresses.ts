/** networking.k8s.io/v1 Ingress (kube's ingress strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import {
  invalid, isDNS1123Subdomain, isValidIP, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, nameIsDNS1035Label,
  nameIsDNSSubdomain, notSupported, printedValue, required,
} from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { oldObjectOf, specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, s, type Json } from "../groupsupport/json.js";
import { validateTypedLocalObjectReference } from "./backends.js";

const ingressClassAnnotation = "kubernetes.io/ingress.class";
const pathTypes = ["Exact", "ImplementationSpecific", "Prefix"];
const invalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"];
const invalidPathSuffixes = ["/..", "/."];

interface Options {
  /** Updates of objects that already had them keep passing (kube's AllowInvalid... options). */
  allowInvalidSecretName: boolean;
  allowInvalidWildcardHostRule: boolean;
}

function isIP(host: string): boolean {
  return isValidIP(host).length === 0;
}

function validateBackend(backend: Json, path: string): FieldError[] {
  const hasResource = isObj(backend.resource);
  const svc = backend.service;
  if (hasResource && isObj(svc)) return [invalid(path, "", "cannot set both resource and service backends")];
  if (hasResource) return validateTypedLocalObjectReference(backend.resource as Json, `${path}.resource`);
  if (!isObj(svc)) return [invalid(path, "", "resource or service backend is required")];
  const errs: FieldError[] = [];
  const name = s(svc.name);
  if (name === "") errs.push(required(`${path}.service.name`));
  else for (const m of nameIsDNS1035Label(name, false)) errs.push(invalid(`${path}.service.name`, name, m));
  const port = isObj(svc.port) ? svc.port : {};
  const portName = s(port.name);
  const portNumber = typeof port.number === "number" ? port.number : 0;
  if (portName !== "" && portNumber !== 0) errs.push(invalid(path, "", "cannot set both port name & port number"));
  else if (portName !== "") for (const m of isValidPortName(portName)) errs.push(invalid(`${path}.service.port.name`, portName, m));
  else if (portNumber !== 0) for (const m of isValidPortNum(portNumber)) errs.push(invalid(`${path}.service.port.number`, portNumber, m));
  else errs.push(required(path, "port name or number is required"));
  return errs;
}

function validatePath(p: Json, path: string): FieldError[] {
  const pt = p.pathType;
  if (pt === undefined || pt === null) return [required(`${path}.pathType`, "pathType must be specified")];
  const errs: FieldError[] = [];
  const value = s(p.path);
  switch (pt) {
    case "Exact":
    case "Prefix":
      if (!value.startsWith("/")) errs.push(invalid(`${path}.path`, value, "must be an absolute path"));
      if (value.length > 0) {
        for (const seq of invalidPathSequences) if (value.includes(seq)) errs.push(invalid(`${path}.path`, value, `must not contain '${seq}'`));
        for (const suf of invalidPathSuffixes) if (value.endsWith(suf)) errs.push(invalid(`${path}.path`, value, `cannot end with '${suf}'`));
      }
      break;
    case "ImplementationSpecific":
      if (value.length > 0 && !value.startsWith("/")) errs.push(invalid(`${path}.path`, value, "must be an absolute path"));
      break;
    default:
      errs.push(notSupported(`${path}.pathType`, s(pt), pathTypes));
  }
  errs.push(...validateBackend(isObj(p.backend) ? p.backend : {}, `${path}.backend`));
  return errs;
}

function validateRules(rules: unknown[], opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const rule = isObj(r) ? r : {};
    const p = `spec.rules[${i}]`;
    const host = s(rule.host);
    let wildcard = false;
    if (host !== "") {
      if (isIP(host)) errs.push(invalid(`${p}.host`, host, "must be a DNS name, not an IP address"));
      if (host.includes("*")) {
        for (const m of isWildcardDNS1123Subdomain(host)) errs.push(invalid(`${p}.host`, host, m));
        wildcard = true;
      } else {
        for (const m of isDNS1123Subdomain(host)) errs.push(invalid(`${p}.host`, host, m));
      }
    }
    if ((!wildcard || !opts.allowInvalidWildcardHostRule) && isObj(rule.http)) {
      const paths = arr(rule.http.paths);
      if (paths.length === 0) errs.push(required(`${p}.http.paths`));
      paths.forEach((x, j) => errs.push(...validatePath(isObj(x) ? x : {}, `${p}.http.paths[${j}]`)));
    }
  });
  return errs;
}

function validateTLS(tls: unknown[], opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    const entry = isObj(t) ? t : {};
    arr(entry.hosts).forEach((h, j) => {
      const host = s(h);
      const hp = `spec.tls[${i}].hosts[${j}]`;
      const msgs = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(invalid(hp, host, m));
    });
    const secret = s(entry.secretName);
    if (!opts.allowInvalidSecretName && secret !== "") {
      for (const m of nameIsDNSSubdomain(secret, false)) errs.push(invalid(`spec.tls[${i}].secretName`, secret, m));
    }
  });
  return errs;
}

function validateSpec(spec: Json, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(spec.rules);
  if (rules.length === 0 && !isObj(spec.defaultBackend)) {
    errs.push(invalid("spec", printedValue("[]networking.IngressRule(nil)"), "either `defaultBackend` or `rules` must be specified"));
  }
  if (isObj(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  if (rules.length > 0) errs.push(...validateRules(rules, opts));
  if (arr(spec.tls).length > 0) errs.push(...validateTLS(arr(spec.tls), opts));
  if (typeof spec.ingressClassName === "string") {
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) errs.push(invalid("spec.ingressClassName", spec.ingressClassName, m));
  }
  return errs;
}

/** Whether a stored ingress already had what newer validation rejects (kube keeps such updates passing). */
function optionsFor(old: KObject | undefined): Options {
  if (!old) return { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false };
  const spec = isObj(old.spec) ? old.spec : {};
  const badSecret = arr(spec.tls).some((t) => {
    const name = s(isObj(t) ? t.secretName : undefined);
    return name !== "" && nameIsDNSSubdomain(name, false).length > 0;
  });
  const badWildcard = arr(spec.rules).some((r) => {
    if (!isObj(r) || !s(r.host).includes("*") || !isObj(r.http)) return false;
    return validateRules([r], { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false }).length > 0;
  });
  return { allowInvalidSecretName: badSecret, allowInvalidWildcardHostRule: badWildcard };
}

/** ValidateIngressCreate on create, ValidateIngressUpdate on update (kube runs one or the other). */
function validate(obj: KObject): FieldError[] {
  const old = oldObjectOf(obj);
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = validateSpec(spec, optionsFor(old));
  if (!old) {
    const annotation = obj.metadata.annotations?.[ingressClassAnnotation];
    if (annotation !== undefined && typeof spec.ingressClassName === "string" && annotation !== spec.ingressClassName) {
      errs.push(invalid(`annotations.${ingressClassAnnotation}`, annotation, "must match `ingressClassName` when both are specified"));
    }
  }
  return errs;
}

function validateStatus(obj: KObject): FieldError[] {
  const lb = isObj(obj.status) && isObj(obj.status.loadBalancer) ? obj.status.loadBalancer : {};
  const errs: FieldError[] = [];
  arr(lb.ingress).forEach((x, i) => {
    const ing = isObj(x) ? x : {};
    const p = `status.loadBalancer.ingress[${i}]`;
    const ip = s(ing.ip);
    if (ip !== "") for (const m of isValidIP(ip)) errs.push(invalid(`${p}.ip`, ip, m));
    const host = s(ing.hostname);
    if (host !== "") {
      for (const m of isDNS1123Subdomain(host)) errs.push(invalid(`${p}.hostname`, host, m));
      if (isIP(host)) errs.push(invalid(`${p}.hostname`, host, "must be a DNS name, not an IP address"));
    }
  });
  return errs;
}

export const ingressStrategy: Strategy = {
  ...specStatusStrategy({ zeroStatus: () => ({ loadBalancer: {} }), generation: true, validateStatusUpdate: validateStatus }),
  validate,
  warningsOnCreate(obj) {
    return obj.metadata.annotations?.[ingressClassAnnotation] !== undefined
      ? [`annotation "${ingressClassAnnotation}" is deprecated, please use 'spec.ingressClassName' instead`]
      : [];
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
