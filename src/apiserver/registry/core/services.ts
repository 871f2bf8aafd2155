/**
 * Services (pkg/registry/core/service/strategy.go and core validation). ClusterIP(s),
 * ipFamilies, ipFamilyPolicy and node ports are assigned by the service REST layer in kube
 * (pkg/registry/core/service/storage, alloc.go); here that is registry/alloc/services.ts, which
 * must run before validate, as kube's BeginCreate/BeginUpdate run before the strategy validates.
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  child, fieldImmutableErrorMsg, forbidden, index, invalid, isValidCIDR, isValidPortNum, notSupported, printedValue, required,
  validateLabels,
} from "../../validation/index.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import {
  defaultString, ensureObj, int, isObj, num, obj, objs, s, setDefault, strMap, validateDNS1123Label, validateDNS1123Subdomain,
  validateIP, validatePortNumOrName, validateQualifiedName, type Json,
} from "./util.js";

const maxClientIPAffinitySeconds = 86400;

const needsClusterIP = (spec: Json) => s(spec.type) !== "ExternalName";
const needsNodePort = (spec: Json) => spec.type === "NodePort" || spec.type === "LoadBalancer";
const needsHealthCheck = (spec: Json) => spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
const externallyAccessible = (spec: Json) =>
  spec.type === "LoadBalancer" || spec.type === "NodePort" || (spec.type === "ClusterIP" && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
const isHeadless = (spec: Json) => Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 1 && spec.clusterIPs[0] === "None";

// ---- defaults (SetDefaults_Service) ----

function defaults(svc: KObject): void {
  const spec = ensureObj(svc, "spec");
  ensureObj(ensureObj(svc, "status"), "loadBalancer");
  defaultString(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP" && num(obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds) === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  defaultString(spec, "type", "ClusterIP");
  for (const p of objs(spec.ports)) {
    defaultString(p, "protocol", "TCP");
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === "") p.targetPort = int(p.port);
  }
  if (externallyAccessible(spec)) defaultString(spec, "externalTrafficPolicy", "Cluster");
  if (spec.type === "NodePort" || spec.type === "LoadBalancer" || spec.type === "ClusterIP") setDefault(spec, "internalTrafficPolicy", "Cluster");
  if (spec.type === "LoadBalancer") {
    setDefault(spec, "allocateLoadBalancerNodePorts", true);
    for (const ing of objs(obj(obj(svc.status).loadBalancer).ingress)) if (s(ing.ip) !== "") setDefault(ing, "ipMode", "VIP");
  }
}

// ---- create / update ----

/** Fields the old type needed and the new one does not, when the client left them as they were. */
function dropTypeDependentFields(spec: Json, old: Json, svc: KObject): void {
  const same = (k: string) => JSON.stringify(spec[k]) === JSON.stringify(old[k]);
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (same("clusterIP") && same("clusterIPs")) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same("ipFamilies")) delete spec.ipFamilies;
    if (same("ipFamilyPolicy")) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(spec)) {
    const ports = objs(spec.ports);
    const oldPorts = objs(old.ports);
    if (ports.length === oldPorts.length && ports.every((p, i) => int(p.nodePort) === int(oldPorts[i]!.nodePort))) {
      for (const p of ports) delete p.nodePort;
    }
  }
  if (needsHealthCheck(old) && !needsHealthCheck(spec) && int(old.healthCheckNodePort) === int(spec.healthCheckNodePort)) {
    delete spec.healthCheckNodePort;
  }
  if (old.type === "LoadBalancer" && spec.type !== "LoadBalancer") {
    if (typeof spec.allocateLoadBalancerNodePorts === "boolean" && spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (same("loadBalancerClass")) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(spec) && same("externalTrafficPolicy")) delete spec.externalTrafficPolicy;
  if (spec.type !== "LoadBalancer") ensureObj(svc, "status").loadBalancer = {};
}

// ---- validation (ValidateService) ----

const protocols = ["SCTP", "TCP", "UDP"];

/** Go's %#v of the (protocol, port) key kube reports duplicate ports with. */
function servicePortKey(protocol: string, port: number): ReturnType<typeof printedValue> {
  return printedValue(
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
      `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function validate(svc: KObject): FieldError[] {
  const spec = obj(svc.spec);
  const annotations = strMap(svc.metadata.annotations) ?? {};
  const errs: FieldError[] = [];
  const hints = annotations["service.kubernetes.io/topology-aware-hints"];
  const mode = annotations["service.kubernetes.io/topology-mode"];
  if (hints !== undefined && mode !== undefined && hints !== mode) {
    errs.push(invalid("metadata.annotations[service.kubernetes.io/topology-mode]", mode, "must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"));
  }
  const headless = isHeadless(spec);
  const ports = objs(spec.ports);
  if (ports.length === 0 && !headless && spec.type !== "ExternalName") errs.push(required("spec.ports", ""));
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(s) : [];
  switch (spec.type) {
    case "LoadBalancer":
    case "NodePort":
      if (headless) errs.push(invalid("spec.clusterIPs[0]", clusterIPs[0], `may not be set to 'None' for ${spec.type} services`));
      break;
    case "ExternalName": {
      if (clusterIPs.length > 0) errs.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
      if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0) errs.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
      const cname = s(spec.externalName).replace(/\.$/, "");
      if (cname !== "") errs.push(...validateDNS1123Subdomain(cname, "spec.externalName"));
      else errs.push(required("spec.externalName", ""));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index("spec.ports", i))));
  if (isObj(spec.selector)) errs.push(...validateLabels(strMap(spec.selector), "spec.selector"));
  const affinity = s(spec.sessionAffinity);
  if (affinity === "") errs.push(required("spec.sessionAffinity", ""));
  else if (affinity !== "ClientIP" && affinity !== "None") errs.push(notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]));
  if (affinity === "ClientIP") errs.push(...validateClientIPAffinity(spec.sessionAffinityConfig));
  else if (affinity === "None" && isObj(spec.sessionAffinityConfig)) {
    errs.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
  }
  errs.push(...validateClusterIPsRelatedFields(spec));
  (Array.isArray(spec.externalIPs) ? spec.externalIPs.map(s) : []).forEach((ip, i) => {
    const ipErrs = validateIP(ip, `spec.externalIPs[${i}]`);
    errs.push(...(ipErrs.length ? ipErrs : validateNonSpecialIP(ip, `spec.externalIPs[${i}]`)));
  });
  const type = s(spec.type);
  if (type === "") errs.push(required("spec.type", ""));
  else if (!["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"].includes(type)) {
    errs.push(notSupported("spec.type", type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
  }
  if (type === "ClusterIP") {
    ports.forEach((p, i) => {
      if (int(p.nodePort) !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (int(p.nodePort) === 0) return;
    const k = `${s(p.protocol)}/${int(p.nodePort)}`;
    if (nodePorts.has(k)) errs.push({ type: "FieldValueDuplicate", field: `spec.ports[${i}].nodePort`, badValue: int(p.nodePort), detail: "" });
    nodePorts.add(k);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${s(p.protocol)}/${int(p.port)}`;
    if (portKeys.has(k)) errs.push({ type: "FieldValueDuplicate", field: `spec.ports[${i}]`, badValue: servicePortKey(s(p.protocol), int(p.port)), detail: "" });
    portKeys.add(k);
  });
  const ranges = Array.isArray(spec.loadBalancerSourceRanges) ? spec.loadBalancerSourceRanges.map(s) : [];
  const rangesAnnotation = annotations["service.beta.kubernetes.io/load-balancer-source-ranges"];
  if (ranges.length > 0) {
    // kube's path for this one is capitalised.
    if (type !== "LoadBalancer") errs.push(forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      for (const m of isValidCIDR(r.trim())) errs.push(invalid(`spec.LoadBalancerSourceRanges[${i}]`, r.trim(), m));
    });
  } else if (rangesAnnotation !== undefined) {
    const p = "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]";
    if (type !== "LoadBalancer") errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const v = rangesAnnotation.trim();
    if (v !== "") for (const r of v.split(",")) for (const m of isValidCIDR(r.trim())) errs.push(invalid(p, r.trim(), m));
  }
  if (typeof spec.allocateLoadBalancerNodePorts === "boolean" && type !== "LoadBalancer") {
    errs.push(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"));
  }
  // kube's path here lacks "spec.".
  if (type === "LoadBalancer" && typeof spec.allocateLoadBalancerNodePorts !== "boolean") errs.push(required("allocateLoadBalancerNodePorts", ""));
  errs.push(...validateLoadBalancerClass(undefined, spec));
  errs.push(...validateExternalTrafficPolicy(spec));
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (type === "NodePort" || type === "LoadBalancer" || type === "ClusterIP") errs.push(required("spec.internalTrafficPolicy", ""));
  } else if (spec.internalTrafficPolicy !== "Cluster" && spec.internalTrafficPolicy !== "Local") {
    errs.push(notSupported("spec.internalTrafficPolicy", s(spec.internalTrafficPolicy), ["Cluster", "Local"]));
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && spec.trafficDistribution !== "PreferClose") {
    errs.push(notSupported("spec.trafficDistribution", s(spec.trafficDistribution), ["PreferClose"]));
  }
  return errs;
}

function validateServicePort(p: Json, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(p.name);
  if (requireName && name === "") errs.push(required(child(path, "name"), ""));
  else if (name !== "") {
    errs.push(...validateDNS1123Label(name, child(path, "name")));
    if (names.has(name)) errs.push({ type: "FieldValueDuplicate", field: child(path, "name"), badValue: name, detail: "" });
    else names.add(name);
  }
  for (const m of isValidPortNum(int(p.port))) errs.push(invalid(child(path, "port"), int(p.port), m));
  const proto = s(p.protocol);
  if (proto === "") errs.push(required(child(path, "protocol"), ""));
  else if (!protocols.includes(proto)) errs.push(notSupported(child(path, "protocol"), proto, protocols));
  errs.push(...validatePortNumOrName(p.targetPort, child(path, "targetPort")));
  if (typeof p.appProtocol === "string") errs.push(...validateQualifiedName(p.appProtocol, child(path, "appProtocol")));
  return errs;
}

function validateClientIPAffinity(cfg: unknown): FieldError[] {
  const base = "spec.sessionAffinityConfig";
  const why = "when session affinity type is ClientIP";
  if (!isObj(cfg)) return [required(base, why)];
  if (!isObj(cfg.clientIP)) return [required(`${base}.clientIP`, why)];
  const t = num(cfg.clientIP.timeoutSeconds);
  if (t === undefined) return [required(`${base}.clientIP.timeoutSeconds`, why)];
  if (t <= 0 || t > maxClientIPAffinitySeconds) {
    return [invalid(`${base}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${maxClientIPAffinitySeconds}`)];
  }
  return [];
}

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const v6 = ip.includes(":");
  const v4 = v6 ? undefined : ip.split(".").map(Number);
  const lower = ip.toLowerCase();
  if ((v4 && v4.every((o) => o === 0)) || (v6 && /^[0:]+$/.test(lower))) errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if ((v4 && v4[0] === 127) || (v6 && /^(0*:)*:?0*1$/.test(lower) && lower !== "1")) {
    errs.push(invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  }
  if ((v4 && v4[0] === 169 && v4[1] === 254) || (v6 && /^fe[89ab]/.test(lower))) {
    errs.push(invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  }
  if ((v4 && v4[0] === 224 && v4[1] === 0 && v4[2] === 0) || (v6 && /^ff02:/.test(lower))) {
    errs.push(invalid(path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  }
  return errs;
}

function validateClusterIPsRelatedFields(spec: Json): FieldError[] {
  if (spec.type === "ExternalName") return [];
  const errs: FieldError[] = [];
  const clusterIP = s(spec.clusterIP);
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(s) : [];
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies.map(s) : [];
  if (clusterIP !== "") {
    if (ips.length === 0) errs.push(required("spec.clusterIPs", ""));
    else if (ips[0] !== clusterIP) errs.push(invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"));
  } else if (ips.length !== 0) {
    errs.push(invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified"));
  }
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6") errs.push(notSupported(`spec.ipFamilies[${i}]`, f, ["IPv4", "IPv6"]));
    if (seen.has(f)) errs.push({ type: "FieldValueDuplicate", field: `spec.ipFamilies[${i}]`, badValue: f, detail: "" });
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
    const p = s(spec.ipFamilyPolicy);
    if (!["PreferDualStack", "RequireDualStack", "SingleStack"].includes(p)) {
      errs.push(notSupported("spec.ipFamilyPolicy", p, ["PreferDualStack", "RequireDualStack", "SingleStack"]));
    }
  }
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalid("spec.clusterIPs", ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(ip, `spec.clusterIPs[${i}]`);
    if (e.length) badIPs = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid("spec.clusterIPs", ips, "may only hold up to 2 values"));
  if (badIPs) return errs;
  if (ips.length > 1 && ips[0]!.includes(":") === ips[1]!.includes(":")) {
    errs.push(invalid("spec.clusterIPs", ips, "may specify no more than one IP for each IP family"));
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === "IPv4" && ip.includes(":")) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === "IPv6" && !ip.includes(":")) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

function validateLoadBalancerClass(old: Json | undefined, spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (old && old.type === "LoadBalancer" && spec.type === "LoadBalancer" && JSON.stringify(old.loadBalancerClass) !== JSON.stringify(spec.loadBalancerClass)) {
    errs.push(invalid("spec.loadBalancerClass", spec.loadBalancerClass ?? null, "may not change once set"));
  }
  if (typeof spec.loadBalancerClass === "string") {
    if (spec.type === "LoadBalancer") errs.push(...validateQualifiedName(spec.loadBalancerClass, "spec.loadBalancerClass"));
    else errs.push(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateExternalTrafficPolicy(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const etp = s(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp !== "") errs.push(invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"));
  } else if (etp === "") errs.push(required("spec.externalTrafficPolicy", ""));
  else if (etp !== "Cluster" && etp !== "Local") errs.push(notSupported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"]));
  const hc = int(spec.healthCheckNodePort);
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) errs.push(invalid("spec.healthCheckNodePort", hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hc === 0) errs.push(required("spec.healthCheckNodePort", ""));
  else for (const m of isValidPortNum(hc)) errs.push(invalid("spec.healthCheckNodePort", hc, m));
  return errs;
}

/** ValidateServiceUpdate's own rules: cluster IPs and families may grow or shrink, not change. */
function validateUpdate(svc: KObject, old: KObject): FieldError[] {
  const spec = obj(svc.spec);
  const prev = obj(old.spec);
  const errs: FieldError[] = [];
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(s) : [];
  const oldIPs = Array.isArray(prev.clusterIPs) ? prev.clusterIPs.map(s) : [];
  const fam = Array.isArray(spec.ipFamilies) ? spec.ipFamilies.map(s) : [];
  const oldFam = Array.isArray(prev.ipFamilies) ? prev.ipFamilies.map(s) : [];
  const externalName = spec.type === "ExternalName" || prev.type === "ExternalName";
  if (!externalName && !(isHeadless(spec) && isHeadless(prev))) {
    if (oldIPs.length === ips.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalid(`spec.clusterIPs[${i}]`, ips, "may not change once set"));
      });
    } else if (oldIPs.length > ips.length) {
      if (ips.length === 0) errs.push(invalid("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset"));
      if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(invalid("spec.clusterIPs[0]", ips, "may not change once set"));
      if (ips.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
        errs.push(invalid("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(invalid("spec.clusterIPs[0]", ips, "may not change once set"));
    }
  }
  if (!externalName && isHeadless(spec) === isHeadless(prev) && !isHeadless(spec)) {
    if (oldFam.length === fam.length) {
      oldFam.forEach((f, i) => {
        if (f !== fam[i]) errs.push(invalid("spec.ipFamilies[0]", fam, "may not change once set"));
      });
    } else if (oldFam.length > fam.length) {
      if (ips.length === 0) errs.push(invalid("spec.ipFamilies[0]", fam, "primary ipFamily can not be unset"));
      if (fam.length > 0 && fam[0] !== oldFam[0]) errs.push(invalid("spec.ipFamilies[0]", ips, "may not change once set"));
      if (fam.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
        errs.push(invalid("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
      }
    } else if (oldFam.length > 0 && fam.length > 0 && fam[0] !== oldFam[0]) {
      errs.push(invalid("spec.ipFamilies[0]", ips, "may not change once set"));
    }
  }
  errs.push(...validateLoadBalancerClass(prev, spec).filter((e) => e.detail === "may not change once set"));
  if (needsHealthCheck(prev) && needsHealthCheck(spec) && int(spec.healthCheckNodePort) !== int(prev.healthCheckNodePort)) {
    errs.push(forbidden("spec.healthCheckNodePort", fieldImmutableErrorMsg));
  }
  return errs;
}

function validateStatusUpdate(svc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(obj(obj(svc.status).loadBalancer).ingress).forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    const ip = s(ing.ip);
    if (ip !== "") errs.push(...validateIP(ip, child(p, "ip")));
    const hasMode = ing.ipMode !== undefined && ing.ipMode !== null;
    if (!hasMode) {
      if (ip !== "") errs.push(required(child(p, "ipMode"), "must be specified when `ip` is set"));
    } else if (ip === "") {
      errs.push(forbidden(child(p, "ipMode"), "may not be specified when `ip` is not set"));
    } else if (ing.ipMode !== "VIP" && ing.ipMode !== "Proxy") {
      errs.push(notSupported(child(p, "ipMode"), s(ing.ipMode), ["Proxy", "VIP"]));
    }
    const host = s(ing.hostname);
    if (host !== "") {
      errs.push(...validateDNS1123Subdomain(host, child(p, "hostname")));
      if (validateIP(host, p).length === 0) errs.push(invalid(child(p, "hostname"), host, "must be a DNS name, not an IP address"));
    }
  });
  return errs;
}

const status: SubresourceStrategy = {
  prepareForUpdate(svc, old) {
    svc.spec = old.spec;
  },
  validateUpdate: validateStatusUpdate,
};

export const serviceStrategy: Strategy = {
  defaults,
  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  prepareForUpdate(svc, old) {
    svc.status = old.status ?? { loadBalancer: {} };
    dropTypeDependentFields(ensureObj(svc, "spec"), obj(old.spec), svc);
  },
  validate,
  validateUpdate,
  selectableFields(svc) {
    const spec = obj(svc.spec);
    return { "spec.clusterIP": s(spec.clusterIP), "spec.type": s(spec.type) };
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status },
};
