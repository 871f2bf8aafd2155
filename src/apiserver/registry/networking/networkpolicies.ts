/** networking.k8s.io/v1 NetworkPolicy (kube's networkpolicy strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import {
  forbidden, goQuote, invalid, isValidCIDR, isValidPortName, isValidPortNum, notSupported, printedValue, required,
} from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { generationStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, len, s, specOf, type Json } from "../groupsupport/json.js";
import { validateLabelSelector } from "../groupsupport/validate.js";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  for (const dir of ["ingress", "egress"]) {
    for (const rule of arr(spec[dir])) {
      for (const port of arr(isObj(rule) ? rule.ports : undefined)) {
        if (isObj(port) && (port.protocol === undefined || port.protocol === null)) port.protocol = "TCP";
      }
    }
  }
  // A policy without policyTypes is about ingress, and about egress too when it has egress rules.
  if (len(spec.policyTypes) === 0) spec.policyTypes = len(spec.egress) > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

function validatePort(port: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const proto = port.protocol;
  if (typeof proto === "string" && !["TCP", "UDP", "SCTP"].includes(proto)) {
    errs.push(notSupported(`${path}.protocol`, proto, ["TCP", "UDP", "SCTP"]));
  }
  const endPort = port.endPort;
  const hasEnd = typeof endPort === "number";
  if (port.port === undefined || port.port === null) {
    if (hasEnd) errs.push(invalid(`${path}.endPort`, endPort, "may not be specified when `port` is not specified"));
  } else if (typeof port.port === "number") {
    const p = port.port;
    for (const m of isValidPortNum(p)) errs.push(invalid(`${path}.port`, p, m));
    if (hasEnd) {
      if (endPort < p) errs.push(invalid(`${path}.endPort`, p, "must be greater than or equal to `port`"));
      for (const m of isValidPortNum(endPort)) errs.push(invalid(`${path}.endPort`, endPort, m));
    }
  } else {
    if (hasEnd) errs.push(invalid(`${path}.endPort`, endPort, "may not be specified when `port` is non-numeric"));
    const name = s(port.port);
    for (const m of isValidPortName(name)) errs.push(invalid(`${path}.port`, name, m));
  }
  return errs;
}

function validatePeer(peer: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (isObj(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (isObj(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (isObj(peer.ipBlock)) {
    peers++;
    errs.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(required(path, "must specify a peer"));
  else if (peers > 1 && isObj(peer.ipBlock)) errs.push(forbidden(path, "may not specify both ipBlock and another peer"));
  return errs;
}

function validateIPBlock(block: Json, path: string): FieldError[] {
  const cidr = s(block.cidr);
  if (cidr === "") return [required(`${path}.cidr`)];
  const errs = isValidCIDR(cidr).map((m) => invalid(`${path}.cidr`, cidr, m));
  const outer = parseCIDR(cidr);
  if (!outer) return errs;
  arr(block.except).forEach((e, i) => {
    const ep = `${path}.except[${i}]`;
    const ex = s(e);
    errs.push(...isValidCIDR(ex).map((m) => invalid(ep, ex, m)));
    const inner = parseCIDR(ex);
    if (!inner) return;
    if (!(inner.bits === outer.bits && contains(outer, inner.addr)) || outer.prefix >= inner.prefix) {
      errs.push(invalid(ep, ex, "must be a strict subset of `cidr`"));
    }
  });
  return errs;
}

interface Net {
  addr: bigint;
  prefix: number;
  bits: 32 | 128;
}

/** A CIDR as Go's net.ParseCIDR reads it (leading zeros in IPv4 tolerated, as ParseCIDRSloppy does). */
function parseCIDR(v: string): Net | undefined {
  const slash = v.indexOf("/");
  if (slash < 0) return undefined;
  const prefix = Number(v.slice(slash + 1));
  const ip = v.slice(0, slash);
  if (/^\d+(\.\d+){3}$/.test(ip)) {
    const parts = ip.split(".").map(Number);
    if (parts.some((p) => p > 255) || !(prefix >= 0 && prefix <= 32)) return undefined;
    return { addr: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n), prefix, bits: 32 };
  }
  if (!ip.includes(":") || !(prefix >= 0 && prefix <= 128)) return undefined;
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const hs = head ? head.split(":") : [];
  const ts = tail ? tail.split(":") : [];
  const groups = tail === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill("0"), ...ts];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { addr: groups.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g, 16)), 0n), prefix, bits: 128 };
}

function contains(net: Net, addr: bigint): boolean {
  const shift = BigInt(net.bits - net.prefix);
  return addr >> shift === net.addr >> shift;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = validateLabelSelector(isObj(spec.podSelector) ? spec.podSelector : {}, "spec.podSelector");
  for (const [dir, peersKey] of [["ingress", "from"], ["egress", "to"]] as const) {
    arr(spec[dir]).forEach((r, i) => {
      const rule = isObj(r) ? r : {};
      const rp = `spec.${dir}[${i}]`;
      arr(rule.ports).forEach((port, j) => errs.push(...validatePort(isObj(port) ? port : {}, `${rp}.ports[${j}]`)));
      arr(rule[peersKey]).forEach((peer, j) => errs.push(...validatePeer(isObj(peer) ? peer : {}, `${rp}.${peersKey}[${j}]`)));
    });
  }
  const types = arr(spec.policyTypes);
  if (types.length > 2) {
    errs.push(invalid("spec.policyTypes", printedValue(`[]networking.PolicyType{${types.map((x) => goQuote(s(x))).join(", ")}}`), "may not specify more than two policyTypes"));
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== "Ingress" && t !== "Egress") errs.push(notSupported(`spec.policyTypes[${i}]`, s(t), ["Ingress", "Egress"]));
  });
  return errs;
}

export const networkPolicyStrategy: Strategy = {
  defaults,
  ...generationStrategy(),
  validate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
