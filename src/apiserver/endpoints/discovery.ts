import { createHash } from "node:crypto";
import type { ResourceInfo } from "../registry/types.js";

/**
 * Discovery documents built once from the served resources: the legacy ones (/api, /apis,
 * /api/v1, /apis/<g>, /apis/<g>/<v>) and the aggregated ones (apidiscovery.k8s.io v2 and
 * v2beta1), each serialized once with an ETag.
 */

export interface GroupVersions {
  group: string;
  /** Versions in preference order; the first is preferred. */
  versions: string[];
}

export interface Discovery {
  apiVersions(serverAddress: string): Buffer;
  apiGroupList(): Buffer;
  /** /apis/<group> */
  apiGroup(group: string): Buffer | undefined;
  /** /api/v1 or /apis/<g>/<v> */
  resourceList(group: string, version: string): Buffer | undefined;
  /** Aggregated: core (for /api) or every other group (for /apis), in v2 or v2beta1. */
  aggregated(which: "api" | "apis", version: "v2" | "v2beta1"): { body: Buffer; etag: string };
}

/** kube's storageVersionHash: base64 of the first 8 bytes of sha256("<group>/<version>/<kind>"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash("sha256").update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString("base64");
}

function gv(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function groupVersionsOf(resources: readonly ResourceInfo[], groupOrder: readonly string[]): GroupVersions[] {
  const byGroup = new Map<string, string[]>();
  for (const r of resources) {
    const vs = byGroup.get(r.group) ?? [];
    if (!vs.includes(r.version)) vs.push(r.version);
    byGroup.set(r.group, vs);
  }
  const groups = [...byGroup.keys()];
  const rank = (g: string) => {
    const i = groupOrder.indexOf(g);
    return i < 0 ? groupOrder.length : i;
  };
  groups.sort((a, b) => (a === "" ? -1 : b === "" ? 1 : rank(a) - rank(b) || a.localeCompare(b)));
  return groups.map((group) => ({ group, versions: byGroup.get(group)! }));
}

export function buildDiscovery(resources: readonly ResourceInfo[], groupOrder: readonly string[]): Discovery {
  const groups = groupVersionsOf(resources, groupOrder);
  const byGV = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const k = gv(r.group, r.version);
    byGV.set(k, [...(byGV.get(k) ?? []), r]);
  }
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  const groupDoc = (g: GroupVersions) => ({
    name: g.group,
    versions: g.versions.map((v) => ({ groupVersion: gv(g.group, v), version: v })),
    preferredVersion: { groupVersion: gv(g.group, g.versions[0]!), version: g.versions[0]! },
  });

  const resourceListCache = new Map<string, Buffer>();
  const resourceList = (group: string, version: string): Buffer | undefined => {
    const k = gv(group, version);
    const cached = resourceListCache.get(k);
    if (cached) return cached;
    const rs = byGV.get(k);
    if (!rs) return undefined;
    const entries: Record<string, unknown>[] = [];
    for (const r of rs) {
      const e: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
      if (r.shortNames?.length) e.shortNames = r.shortNames;
      if (r.categories?.length) e.categories = r.categories;
      if (r.verbs.length) e.storageVersionHash = storageVersionHash(r.group, r.storageVersion ?? r.version, r.kind);
      entries.push(e);
      for (const s of r.subresources ?? []) {
        const se: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: "", namespaced: r.namespaced };
        if (s.group !== r.group || s.version !== r.version) {
          se.group = s.group;
          se.version = s.version;
        }
        se.kind = s.kind;
        se.verbs = s.verbs;
        entries.push(se);
      }
    }
    entries.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const doc: Record<string, unknown> = { kind: "APIResourceList" };
    if (group) doc.apiVersion = "v1";
    doc.groupVersion = k;
    doc.resources = entries;
    const buf = json(doc);
    resourceListCache.set(k, buf);
    return buf;
  };

  const aggregatedGroup = (g: GroupVersions) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      resources: [...(byGV.get(gv(g.group, v)) ?? [])]
        .sort((a, b) => a.resource.localeCompare(b.resource))
        .map((r) => {
          const e: Record<string, unknown> = {
            resource: r.resource,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? "Namespaced" : "Cluster",
            singularResource: r.singular,
            verbs: r.verbs,
          };
          if (r.shortNames?.length) e.shortNames = r.shortNames;
          if (r.categories?.length) e.categories = r.categories;
          if (r.subresources?.length) {
            e.subresources = [...r.subresources]
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs }));
          }
          return e;
        }),
      freshness: "Current",
    })),
  });

  const aggCache = new Map<string, { body: Buffer; etag: string }>();
  const aggregated = (which: "api" | "apis", version: "v2" | "v2beta1") => {
    const k = `${which}/${version}`;
    const cached = aggCache.get(k);
    if (cached) return cached;
    const items = groups.filter((g) => (which === "api" ? g.group === "" : g.group !== "")).map(aggregatedGroup);
    const body = json({ kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items });
    const etag = `"${createHash("sha512").update(body).digest("hex").slice(0, 32)}"`;
    const v = { body, etag };
    aggCache.set(k, v);
    return v;
  };

  const groupList = json({ kind: "APIGroupList", apiVersion: "v1", groups: groups.filter((g) => g.group !== "").map(groupDoc) });
  const groupDocs = new Map(groups.filter((g) => g.group !== "").map((g) => [g.group, json({ kind: "APIGroup", apiVersion: "v1", ...groupDoc(g) })]));

  return {
    apiVersions: (serverAddress) =>
      json({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] }),
    apiGroupList: () => groupList,
    apiGroup: (group) => groupDocs.get(group),
    resourceList,
    aggregated,
  };
}
