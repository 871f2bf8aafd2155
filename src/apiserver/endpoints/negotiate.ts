import { errors } from "../api/status.js";

/**
 * Content negotiation as kube's handlers/negotiation does it for JSON-based clients: the
 * Accept header's media ranges in order (q-values respected), each possibly asking for a
 * conversion (`as=Table;g=meta.k8s.io;v=v1`, `as=PartialObjectMetadata[List]`).
 */

export type Encoding = "json" | "yaml";
export type Conversion = "" | "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList" | "APIGroupDiscoveryList";

export interface Negotiated {
  encoding: Encoding;
  conversion: Conversion;
  /** Group/version of the conversion's type (meta.k8s.io v1 / v1beta1; apidiscovery v2 / v2beta1). */
  convVersion: string;
  /** The Content-Type to answer with. */
  contentType: string;
  pretty: boolean;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
  order: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: "*/*", params: {}, q: 1, order: 0 }];
  const out: MediaRange[] = [];
  header.split(",").forEach((part, order) => {
    const [t, ...ps] = part.split(";");
    const type = (t ?? "").trim().toLowerCase();
    if (!type) return;
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of ps) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"|"$/g, "");
      if (k === "q") q = Number(v);
      else params[k] = v;
    }
    if (!(q > 0)) return;
    out.push({ type, params, q, order });
  });
  return out.sort((a, b) => b.q - a.q || a.order - b.order);
}

function encodingOf(type: string): Encoding | undefined {
  if (type === "application/json" || type === "*/*" || type === "application/*") return "json";
  if (type === "application/yaml") return "yaml";
  return undefined;
}

/**
 * Picks the response format for an object endpoint. `allowed` lists the conversions this
 * endpoint can make (lists and objects of resources with metadata allow Table and
 * PartialObjectMetadata); an Accept with nothing we can produce is 406.
 */
export function negotiate(accept: string | undefined, allowed: readonly Conversion[], pretty = false): Negotiated {
  const ranges = parseAccept(accept);
  for (const r of ranges) {
    const encoding = encodingOf(r.type);
    if (!encoding) continue;
    const as = r.params["as"];
    if (!as) {
      return { encoding, conversion: "", convVersion: "", contentType: encoding === "json" ? "application/json" : "application/yaml", pretty };
    }
    const g = r.params["g"];
    const v = r.params["v"] ?? "";
    let ok = false;
    if ((as === "Table" || as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") && g === "meta.k8s.io" && (v === "v1" || v === "v1beta1")) ok = true;
    if (as === "APIGroupDiscoveryList" && g === "apidiscovery.k8s.io" && (v === "v2" || v === "v2beta1")) ok = true;
    if (!ok || !allowed.includes(as as Conversion)) continue;
    const contentType = `${encoding === "json" ? "application/json" : "application/yaml"};as=${as};v=${v};g=${g}`;
    return { encoding, conversion: as as Conversion, convVersion: v, contentType, pretty };
  }
  throw errors.notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}
