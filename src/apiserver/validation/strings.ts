/**
 * String and number checks as kube's k8s.io/apimachinery/pkg/util/validation (1.32): each returns
 * kube's messages, word for word; an empty list means valid. Lengths are UTF-8 bytes, as Go's len().
 */
import type { FieldError } from "../api/types.js";
import { invalid, required } from "./field.js";

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

// ---- message helpers (MaxLenError, RegexError, EmptyError, InclusiveRangeError) ----

export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** kube's RegexError: the message, then the examples and the regex. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`;
}

export function emptyError(): string {
  return "must be non-empty";
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

// ---- qualified names and label values ----

const qnameCharFmt = "[A-Za-z0-9]";
const qnameExtCharFmt = "[-A-Za-z0-9_.]";
const qualifiedNameFmt = `(${qnameCharFmt}${qnameExtCharFmt}*)?${qnameCharFmt}`;
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const qualifiedNameMaxLength = 63;
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);

/** A label key / annotation key / finalizer: `[prefix/]name`, prefix a DNS subdomain. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push("prefix part " + emptyError());
    else for (const m of isDNS1123Subdomain(prefix)) errs.push("prefix part " + m);
  } else {
    return [
      "a qualified name " +
        regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc") +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part " + emptyError());
  else if (byteLength(name) > qualifiedNameMaxLength) errs.push("name part " + maxLenError(qualifiedNameMaxLength));
  if (!qualifiedNameRe.test(name)) {
    errs.push("name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"));
  }
  return errs;
}

const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const labelValueMaxLength = 63;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > labelValueMaxLength) errs.push(maxLenError(labelValueMaxLength));
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"));
  return errs;
}

// ---- DNS names ----

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const dns1123LabelMaxLength = 63;
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > dns1123LabelMaxLength) errs.push(maxLenError(dns1123LabelMaxLength));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push("must not contain dots");
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"));
  }
  return errs;
}

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const dns1123SubdomainMaxLength = 253;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > dns1123SubdomainMaxLength) errs.push(maxLenError(dns1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"));
  return errs;
}

const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const dns1035LabelMaxLength = 63;
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > dns1035LabelMaxLength) errs.push(maxLenError(dns1035LabelMaxLength));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"));
  return errs;
}

const wildcardDNS1123SubdomainFmt = `\\*\\.${dns1123SubdomainFmt}`;
const wildcardDNS1123SubdomainErrMsg =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const wildcardDNS1123SubdomainRe = new RegExp(`^${wildcardDNS1123SubdomainFmt}$`);

export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > dns1123SubdomainMaxLength) errs.push(maxLenError(dns1123SubdomainMaxLength));
  if (!wildcardDNS1123SubdomainRe.test(value)) {
    errs.push(regexError(wildcardDNS1123SubdomainErrMsg, wildcardDNS1123SubdomainFmt, "*.example.com"));
  }
  return errs;
}

/** IsFullyQualifiedDomainName: a trailing dot allowed, at least two labels. */
export function isFullyQualifiedDomainName(field: string, name: string): FieldError[] {
  if (name.length === 0) return [required(field)];
  if (name.endsWith(".")) name = name.slice(0, -1);
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(field, name, errs.join(","))];
  const labels = name.split(".");
  if (labels.length < 2) return [invalid(field, name, "should be a domain with at least two segments separated by dots")];
  for (const label of labels) {
    const le = isDNS1123Label(label);
    if (le.length > 0) return [invalid(field, label, le.join(","))];
  }
  return [];
}

/** IsFullyQualifiedName: a DNS subdomain with at least three labels (CRD names are checked elsewhere). */
export function isFullyQualifiedName(field: string, name: string): FieldError[] {
  if (name.length === 0) return [required(field)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(field, name, errs.join(","))];
  if (name.split(".").length < 3) return [invalid(field, name, "should be a domain with at least three segments separated by dots")];
  return [];
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** IsDomainPrefixedPath: `acme.io/foo` (ingress class controllers, ...). */
export function isDomainPrefixedPath(field: string, dpPath: string): FieldError[] {
  if (dpPath.length === 0) return [required(field)];
  const slash = dpPath.indexOf("/");
  const host = slash < 0 ? dpPath : dpPath.slice(0, slash);
  const path = slash < 0 ? "" : dpPath.slice(slash + 1);
  if (slash < 0 || host.length === 0 || path.length === 0) {
    return [invalid(field, dpPath, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => invalid(field, host, m));
  if (!httpPathRe.test(path)) errs.push(invalid(field, path, regexError("Invalid path", httpPathFmt)));
  return errs;
}

// ---- identifiers, ports, ids ----

const cIdentifierFmt = "[A-Za-z_][A-Za-z0-9_]*";
const cIdentifierErrMsg =
  "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const cIdentifierRe = new RegExp(`^${cIdentifierFmt}$`);

export function isCIdentifier(value: string): string[] {
  if (!cIdentifierRe.test(value)) return [regexError(cIdentifierErrMsg, cIdentifierFmt, "my_name", "MY_NAME", "MyName")];
  return [];
}

export function isValidPortNum(port: number): string[] {
  if (port >= 1 && port <= 65535) return [];
  return [inclusiveRangeError(1, 65535)];
}

export function isInRange(value: number, min: number, max: number): string[] {
  if (value >= min && value <= max) return [];
  return [inclusiveRangeError(min, max)];
}

const maxInt32 = 2147483647;

export function isValidGroupID(gid: number): string[] {
  if (gid >= 0 && gid <= maxInt32) return [];
  return [inclusiveRangeError(0, maxInt32)];
}

export function isValidUserID(uid: number): string[] {
  if (uid >= 0 && uid <= maxInt32) return [];
  return [inclusiveRangeError(0, maxInt32)];
}

/** An IANA_SVC_NAME: at most 15 characters, a-z 0-9 and single inner hyphens, one letter at least. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
  if (port.includes("--")) errs.push("must not contain consecutive hyphens");
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-"))) errs.push("must not begin or end with a hyphen");
  return errs;
}

// ---- IPs and CIDRs (netutils.ParseIPSloppy: IPv4 octets may carry leading zeros) ----

const ipv4Sloppy = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIPv4Sloppy(s: string): boolean {
  const m = ipv4Sloppy.exec(s);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

function parseIPv6(s: string): "v4mapped" | "v6" | undefined {
  // Go's net.ParseIP: hex groups, one "::", an optional trailing dotted IPv4, no zone.
  if (s.includes("%")) return undefined;
  let body = s;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.slice(lastColon + 1).includes(".")) {
    if (!parseIPv4Sloppy(s.slice(lastColon + 1))) return undefined;
    body = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = body.indexOf("::");
  if (dbl >= 0 && body.indexOf("::", dbl + 1) >= 0) return undefined;
  const groupsOf = (part: string): string[] | undefined => {
    if (part === "") return [];
    const gs = part.split(":");
    return gs.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? gs : undefined;
  };
  let groups: string[];
  if (dbl >= 0) {
    const left = groupsOf(body.slice(0, dbl));
    const right = groupsOf(body.slice(dbl + 2));
    if (!left || !right || left.length + right.length > 7) return undefined;
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  } else {
    const all = groupsOf(body);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const n = groups.map((g) => parseInt(g, 16));
  const mapped = n.slice(0, 5).every((x) => x === 0) && n[5] === 0xffff;
  return mapped ? "v4mapped" : "v6";
}

/** kube's IsValidIP message (1.32 returns it as a field error; this gives the message). */
export function isValidIP(value: string): string[] {
  if (parseIPv4Sloppy(value) || parseIPv6(value) !== undefined) return [];
  return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];
}

export function isValidIPv4Address(value: string): string[] {
  if (parseIPv4Sloppy(value) || parseIPv6(value) === "v4mapped") return [];
  return ["must be a valid IPv4 address"];
}

export function isValidIPv6Address(value: string): string[] {
  if (parseIPv6(value) === "v6") return [];
  return ["must be a valid IPv6 address"];
}

export function isValidCIDR(value: string): string[] {
  const slash = value.indexOf("/");
  const ok =
    slash >= 0 &&
    (() => {
      const ip = value.slice(0, slash);
      const bits = value.slice(slash + 1);
      if (!/^\d{1,3}$/.test(bits)) return false;
      const b = Number(bits);
      if (parseIPv4Sloppy(ip)) return b <= 32;
      return parseIPv6(ip) !== undefined && b <= 128;
    })();
  return ok ? [] : ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
}

// ---- misc ----

const percentFmt = "[0-9]+%";
const percentRe = new RegExp(`^${percentFmt}$`);

export function isValidPercent(percent: string): string[] {
  if (!percentRe.test(percent)) {
    return [regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, "1%", "93%")];
  }
  return [];
}

const httpHeaderNameFmt = "[-A-Za-z0-9]+";
const httpHeaderNameRe = new RegExp(`^${httpHeaderNameFmt}$`);

export function isHTTPHeaderName(value: string): string[] {
  if (!httpHeaderNameRe.test(value)) {
    return [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, "X-Header-Name")];
  }
  return [];
}

const envVarNameFmt = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const envVarNameRe = new RegExp(`^${envVarNameFmt}$`);

export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(value)) {
    errs.push(
      regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        envVarNameFmt,
        "my.env-name",
        "MY_ENV.NAME",
        "MyEnvName1",
      ),
    );
  }
  return errs.concat(hasChDirPrefix(value));
}

/** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation): printable ASCII except '='. */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push("environment variable name " + emptyError());
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7f || c < 0x20 || c === 0x7f || ch === "=") {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

const configMapKeyFmt = "[-._a-zA-Z0-9]+";
const configMapKeyRe = new RegExp(`^${configMapKeyFmt}$`);

/** A ConfigMap / Secret data key. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > dns1123SubdomainMaxLength) errs.push(maxLenError(dns1123SubdomainMaxLength));
  if (!configMapKeyRe.test(value)) {
    errs.push(
      regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFmt, "key.name", "KEY_NAME", "key-name"),
    );
  }
  return errs.concat(hasChDirPrefix(value));
}

function hasChDirPrefix(value: string): string[] {
  if (value === ".") return ["must not be '.'"];
  if (value === "..") return ["must not be '..'"];
  if (value.startsWith("..")) return ["must not start with '..'"];
  return [];
}
