/**
 * Mutating and validating webhook configurations (kube's admissionregistration/v1 defaults,
 * strategies and validation, 1.32). CEL matchConditions are not compiled here.
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  duplicate, invalid, isDNS1035Label, isDNS1123Subdomain, isFullyQualifiedName, isValidPortNum, jsonEqual, notSupported, required,
} from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { generationStrategy, oldObjectOf } from "../groupsupport/lifecycle.js";
import { arr, isObj, s, setDefault, type Json } from "../groupsupport/json.js";
import { validateLabelSelector } from "../groupsupport/validate.js";
import { defaultRule, validateRuleWithOperations } from "./rules.js";

const failurePolicies = ["Fail", "Ignore"];
const matchPolicies = ["Equivalent", "Exact"];
const sideEffectClasses = ["None", "NoneOnDryRun"];
const reinvocationPolicies = ["IfNeeded", "Never"];
const acceptedReviewVersions = ["v1", "v1beta1"];

function defaultWebhook(hook: Json, mutating: boolean): void {
  setDefault(hook, "failurePolicy", "Fail");
  setDefault(hook, "matchPolicy", "Equivalent");
  setDefault(hook, "namespaceSelector", {});
  setDefault(hook, "objectSelector", {});
  setDefault(hook, "timeoutSeconds", 10);
  if (mutating) setDefault(hook, "reinvocationPolicy", "Never");
  for (const rule of arr(hook.rules)) defaultRule(rule);
  const svc = isObj(hook.clientConfig) ? hook.clientConfig.service : undefined;
  if (isObj(svc)) setDefault(svc, "port", 443);
}

/** ValidateWebhookURL (https required). */
export function validateWebhookURL(path: string, raw: string): FieldError[] {
  const form = "; desired format: https://host[/path]";
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Go's url.Parse accepts far more than WHATWG's URL; a relative reference has no scheme or host.
    return [invalid(path, "", `'https' is the only allowed URL scheme${form}`), invalid(path, "", `host must be specified${form}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "https") errs.push(invalid(path, scheme, `'https' is the only allowed URL scheme${form}`));
  if (u.host === "") errs.push(invalid(path, u.host, `host must be specified${form}`));
  if (u.username !== "" || u.password !== "") {
    errs.push(invalid(path, u.password ? `${u.username}:${u.password}` : u.username, "user information is not permitted in the URL"));
  }
  if (u.hash.length > 1) errs.push(invalid(path, u.hash.slice(1), "fragments are not permitted in the URL"));
  if (u.search.length > 1) errs.push(invalid(path, u.search.slice(1), "query parameters are not permitted in the URL"));
  return errs;
}

/** ValidateWebhookService. */
export function validateWebhookService(path: string, svc: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (s(svc.name) === "") errs.push(required(`${path}.name`, "service name is required"));
  if (s(svc.namespace) === "") errs.push(required(`${path}.namespace`, "service namespace is required"));
  const port = typeof svc.port === "number" ? svc.port : 0;
  const portErrs = isValidPortNum(port);
  if (portErrs.length > 0) errs.push(invalid(`${path}.port`, port, `port is not valid: ${portErrs.join(", ")}`));
  if (typeof svc.path !== "string") return errs;
  const p = svc.path;
  if (p === "/" || p.length === 0) return errs;
  if (p === "//") return [...errs, invalid(`${path}.path`, p, "segment[0] may not be empty")];
  if (!p.startsWith("/")) errs.push(invalid(`${path}.path`, p, "must start with a '/'"));
  let check = p.slice(1);
  if (check.endsWith("/")) check = check.slice(0, -1);
  check.split("/").forEach((step, i) => {
    if (step.length === 0) {
      errs.push(invalid(`${path}.path`, p, `segment[${i}] may not be empty`));
      return;
    }
    for (const f of isDNS1123Subdomain(step)) errs.push(invalid(`${path}.path`, p, `segment[${i}]: ${f}`));
  });
  return errs;
}

interface Options {
  requireUniqueWebhookNames: boolean;
  requireRecognizedAdmissionReviewVersion: boolean;
}

function validateReviewVersions(versions: string[], requireRecognized: boolean, path: string): FieldError[] {
  if (versions.length < 1) return [required(path, `must specify one of ${acceptedReviewVersions.join(", ")}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(invalid(`${path}[${i}]`, v, "duplicate version"));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(invalid(`${path}[${i}]`, v, m));
    if (acceptedReviewVersions.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted) errs.push(invalid(path, versions, `must include at least one of ${acceptedReviewVersions.join(", ")}`));
  return errs;
}

function validateWebhook(hook: Json, mutating: boolean, path: string): FieldError[] {
  const errs = isFullyQualifiedName(`${path}.name`, s(hook.name));
  arr(hook.rules).forEach((r, i) => errs.push(...validateRuleWithOperations(isObj(r) ? r : {}, `${path}.rules[${i}]`)));
  const check = (k: string, allowed: string[]) => {
    if (typeof hook[k] === "string" && !allowed.includes(hook[k] as string)) errs.push(notSupported(`${path}.${k}`, hook[k], allowed));
  };
  check("failurePolicy", failurePolicies);
  check("matchPolicy", matchPolicies);
  if (mutating) check("reinvocationPolicy", reinvocationPolicies);
  errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  const cc = isObj(hook.clientConfig) ? hook.clientConfig : {};
  const hasURL = typeof cc.url === "string";
  const hasService = isObj(cc.service);
  if (hasURL === hasService) errs.push(required(`${path}.clientConfig`, "exactly one of url or service is required"));
  else if (hasURL) errs.push(...validateWebhookURL(`${path}.clientConfig.url`, cc.url as string));
  else errs.push(...validateWebhookService(`${path}.clientConfig.service`, cc.service as Json));
  const se = hook.sideEffects;
  if (se === undefined || se === null) errs.push(required(`${path}.sideEffects`, `must specify one of ${sideEffectClasses.join(", ")}`));
  else if (!sideEffectClasses.includes(s(se))) errs.push(notSupported(`${path}.sideEffects`, s(se), sideEffectClasses));
  const t = hook.timeoutSeconds;
  if (typeof t === "number" && (t > 30 || t < 1)) errs.push(invalid(`${path}.timeoutSeconds`, t, "the timeout value must be between 1 and 30 seconds"));
  return errs;
}

/** Options kube relaxes for updates of objects stored before a rule existed. */
function optionsFor(old: KObject | undefined): Options {
  if (!old) return { requireUniqueWebhookNames: true, requireRecognizedAdmissionReviewVersion: true };
  const hooks = arr(old.webhooks).filter(isObj);
  const names = hooks.map((h) => s(h.name));
  return {
    requireUniqueWebhookNames: new Set(names).size === names.length,
    requireRecognizedAdmissionReviewVersion: hooks.every((h) => arr(h.admissionReviewVersions).some((v) => acceptedReviewVersions.includes(s(v)))),
  };
}

function validateConfiguration(obj: KObject, mutating: boolean): FieldError[] {
  const opts = optionsFor(oldObjectOf(obj));
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(obj.webhooks).forEach((h, i) => {
    const hook = isObj(h) ? h : {};
    const p = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, mutating, p));
    errs.push(...validateReviewVersions(arr(hook.admissionReviewVersions).map(s), opts.requireRecognizedAdmissionReviewVersion, `${p}.admissionReviewVersions`));
    const name = s(hook.name);
    if (opts.requireUniqueWebhookNames && name !== "") {
      if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
      else names.add(name);
    }
  });
  return errs;
}

function webhookStrategy(mutating: boolean): Strategy {
  return {
    defaults(obj) {
      for (const h of arr(obj.webhooks)) if (isObj(h)) defaultWebhook(h, mutating);
    },
    ...generationStrategy((obj, old) => !jsonEqual(obj.webhooks, old.webhooks)),
    validate: (obj) => validateConfiguration(obj, mutating),
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
  };
}

export const mutatingWebhookConfigurationStrategy = webhookStrategy(true);
export const validatingWebhookConfigurationStrategy = webhookStrategy(false);
