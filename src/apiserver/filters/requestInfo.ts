/**
 * RequestInfo: what a request is about, parsed from its method and path the way kube's
 * RequestInfoFactory does, before authentication and authorization look at it.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection, or the lower-case HTTP method. */
  verb: string;
  apiPrefix: "api" | "apis" | "";
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the subresource (pods/x/proxy/a/b). */
  parts: string[];
}

const namespaceSubresources = new Set(["status", "finalize"]);

/** Splits the path (without query) into its segments, decoding each; empty segments dropped at the ends. */
function segments(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed === "") return [];
  const out: string[] = [];
  for (const raw of trimmed.split("/")) {
    try {
      out.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return out;
}

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: "", apiGroup: "", apiVersion: "",
    namespace: "", resource: "", subresource: "", name: "", parts: [],
  };
  const segs = segments(path);
  if (!segs || segs.length === 0) return info;
  let cur = segs;
  if (cur[0] !== "api" && cur[0] !== "apis") return info;
  info.apiPrefix = cur[0] as "api" | "apis";
  cur = cur.slice(1);
  if (info.apiPrefix === "apis") {
    if (cur.length < 1) return info;
    info.apiGroup = cur[0]!;
    cur = cur.slice(1);
  }
  if (cur.length < 1) return info;
  info.apiVersion = cur[0]!;
  cur = cur.slice(1);
  if (cur.length < 1) return info;
  info.isResourceRequest = true;

  // The legacy /watch/ prefix.
  let watchPrefix = false;
  if (cur[0] === "watch") {
    watchPrefix = true;
    cur = cur.slice(1);
  }
  if (cur[0] === "namespaces" && cur.length > 1) {
    info.namespace = cur[1]!;
    if (cur.length > 2 && !namespaceSubresources.has(cur[2]!)) cur = cur.slice(2);
  }
  info.resource = cur[0] ?? "";
  if (cur.length >= 2) info.name = cur[1]!;
  if (cur.length >= 3) info.subresource = cur[2]!;
  if (cur.length > 3) info.parts = cur.slice(3);
  // For the namespaces resource itself kube keeps namespace == name (RBAC in that namespace
  // applies); the router knows namespaces are cluster-scoped.

  const m = method.toUpperCase();
  const watchParam = query.get("watch");
  const watching = queryBool(watchParam);
  if (watchPrefix) info.verb = "watch";
  else if (m === "GET" || m === "HEAD") info.verb = info.name ? "get" : watching ? "watch" : "list";
  else if (m === "POST") info.verb = "create";
  else if (m === "PUT") info.verb = "update";
  else if (m === "PATCH") info.verb = "patch";
  else if (m === "DELETE") info.verb = info.name ? "delete" : "deletecollection";
  // A watch of one object by name (GET ?watch=true on an item) is a watch.
  if (info.verb === "get" && watching) info.verb = "watch";
  return info;
}

/** kube's query-parameter booleans: present and not "0"/"false" (any case) is true. */
export function queryBool(v: string | null): boolean {
  if (v === null) return false;
  const l = v.toLowerCase();
  return l !== "0" && l !== "false";
}
