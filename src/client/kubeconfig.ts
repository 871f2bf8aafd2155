/**
 * Reads kubectl's kubeconfig (clusters, users, contexts) into a RestConfig: the context's
 * cluster and user, with inline `*-data` (base64) or file paths relative to the kubeconfig.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import type { RestConfig } from "./rest.js";

interface Named<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}

interface ClusterEntry {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
}

interface UserEntry {
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  token?: string;
  tokenFile?: string;
}

interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface KubeconfigFile {
  clusters?: Named<ClusterEntry>[];
  users?: Named<UserEntry>[];
  contexts?: Named<ContextEntry>[];
  "current-context"?: string;
}

export interface LoadedKubeconfig extends RestConfig {
  /** The context's namespace, when it names one. */
  namespace?: string;
  context: string;
}

/** The kubeconfig's text as a RestConfig; `baseDir` resolves relative file paths. */
export function parseKubeconfig(text: string, baseDir: string, context?: string): LoadedKubeconfig {
  const cfg = (parse(text) ?? {}) as KubeconfigFile;
  const ctxName = context ?? cfg["current-context"];
  if (!ctxName) throw new Error("kubeconfig: no context given and no current-context set");
  const ctx = cfg.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig: context "${ctxName}" not found`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig: cluster "${ctx.cluster ?? ""}" of context "${ctxName}" not found or has no server`);
  const user = (ctx.user ? cfg.users?.find((u) => u.name === ctx.user)?.user : undefined) ?? {};

  const file = (p: string): Buffer => readFileSync(isAbsolute(p) ? p : resolve(baseDir, p));
  const data = (inline: string | undefined, path: string | undefined): Buffer | undefined =>
    inline ? Buffer.from(inline, "base64") : path ? file(path) : undefined;

  const out: LoadedKubeconfig = { server: cluster.server, context: ctxName };
  const ca = data(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  if (ca) out.ca = ca;
  if (cluster["insecure-skip-tls-verify"]) out.insecureSkipTLSVerify = true;
  const cert = data(user["client-certificate-data"], user["client-certificate"]);
  const key = data(user["client-key-data"], user["client-key"]);
  if (cert) out.cert = cert;
  if (key) out.key = key;
  const token = user.token ?? (user.tokenFile ? file(user.tokenFile).toString("utf8").trim() : undefined);
  if (token) out.token = token;
  if (ctx.namespace) out.namespace = ctx.namespace;
  return out;
}

/** Reads a kubeconfig file (kubectl's format); the current context unless one is named. */
export function loadKubeconfig(path: string, context?: string): LoadedKubeconfig {
  return parseKubeconfig(readFileSync(path, "utf8"), dirname(resolve(path)), context);
}
