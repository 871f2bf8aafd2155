import { errors } from "../api/status.js";
import { PROTOBUF_MEDIA_TYPE } from "../protobuf/index.js";

/**
 * Content negotiation as kube's handlers/negotiation does it: the Accept header's clauses in
 * goautoneg's order (q-values, then specific before wildcard), each matched against the
 * serializers in kube's order (JSON, YAML, protobuf); the first clause a serializer can serve
 * wins. A clause may ask for a conversion (`as=Table;g=meta.k8s.io;v=v1`,
 * `as=PartialObjectMetadata[List]`), a stream (`stream=watch`) or pretty output (`pretty=1`).
 *
 * Protobuf is served for kinds that have a protobuf form (the endpoint says so) and for
 * PartialObjectMetadata; Table is JSON or YAML only (it has no protobuf form); custom resources
 * have none, so `application/vnd.kubernetes.protobuf, *\/*` gets them JSON, as from kube.
 */

export type Encoding = "json" | "yaml" | "protobuf";
export type Conversion = "" | "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList" | "APIGroupDiscoveryList";

const JSON_MEDIA_TYPE = "application/json";
const YAML_MEDIA_TYPE = "application/yaml";

export interface Negotiated {
  encoding: Encoding;
  conversion: Conversion;
  /** Group/version of the conversion's type (meta.k8s.io v1 / v1beta1; apidiscovery v2 / v2beta1). */
  convVersion: string;
  /** The Content-Type to answer with (for a watch: of the stream). */
  contentType: string;
  pretty: boolean;
}

export interface NegotiateOptions {
  /** The endpoint's kind has a protobuf form (built-in kinds; not custom resources). */
  protobuf?: boolean;
  /** A watch: the serializer must stream (JSON, protobuf; not YAML), as kube's NegotiateOutputMediaTypeStream. */
  watch?: boolean;
}

/** One clause of an Accept header, as goautoneg parses it. */
export interface MediaRange {
  type: string;
  subType: string;
  params: Record<string, string>;
  q: number;
}

/** Go's ParseFloat for a q-value; what it cannot parse is 0 (goautoneg ignores the error). */
function qValue(s: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : 0;
}

/** goautoneg's order: higher q first, then a concrete type before `*`, then a concrete subtype before `*`. */
function less(a: MediaRange, b: MediaRange): boolean {
  if (a.q > b.q) return true;
  if (a.type !== "*" && b.type === "*") return true;
  if (a.subType !== "*" && b.subType === "*") return true;
  return false;
}

/**
 * The clauses of an Accept header, sorted as goautoneg.ParseAccept sorts them (Go's sort.Sort,
 * an insertion sort for the dozen clauses headers have). Clauses with q=0 are kept, at the end
 * of the order, as kube does; names are compared as sent (no case folding).
 */
export function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const raw of header.split(",")) {
    const [range = "", ...ps] = trimSpaces(raw).split(";");
    const sp = range.split("/");
    const type = trimSpaces(sp[0] ?? "");
    let subType: string;
    if (sp.length === 1 && type === "*") subType = "*";
    else if (sp.length === 2) subType = trimSpaces(sp[1]!);
    else continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of ps) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const token = trimSpaces(p.slice(0, eq));
      if (token === "q") q = qValue(p.slice(eq + 1));
      else params[token] = trimSpaces(p.slice(eq + 1));
    }
    out.push({ type, subType, params, q });
  }
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && less(out[j]!, out[j - 1]!); j--) [out[j], out[j - 1]] = [out[j - 1]!, out[j]!];
  }
  return out;
}

/** Parsed Accept headers: clients send the same few again and again. */
const parsedAccepts = new Map<string, readonly MediaRange[]>();

function clausesOf(header: string): readonly MediaRange[] {
  let c = parsedAccepts.get(header);
  if (c === undefined) {
    c = parseAccept(header);
    if (parsedAccepts.size >= 256) parsedAccepts.clear();
    parsedAccepts.set(header, c);
  }
  return c;
}

/** strings.Trim(s, " "): spaces only. */
function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) === 0x20) b--;
  return s.slice(a, b);
}

interface Serializer {
  encoding: Encoding;
  mediaType: string;
  subType: string;
  /** Has a stream serializer (watch). */
  stream: boolean;
}

/** kube's serializers in its order (CodecFactory: JSON, YAML, protobuf). */
const serializers: readonly Serializer[] = [
  { encoding: "json", mediaType: JSON_MEDIA_TYPE, subType: "json", stream: true },
  { encoding: "yaml", mediaType: YAML_MEDIA_TYPE, subType: "yaml", stream: false },
  { encoding: "protobuf", mediaType: PROTOBUF_MEDIA_TYPE, subType: "vnd.kubernetes.protobuf", stream: true },
];

const notAcceptable = (watch: boolean) =>
  errors.notAcceptable(
    watch
      ? `only the following media types are accepted: ${JSON_MEDIA_TYPE};stream=watch, ${PROTOBUF_MEDIA_TYPE};stream=watch`
      : `only the following media types are accepted: ${serializers.map((s) => s.mediaType).join(", ")}`,
  );

/** Whether `s` can serve `clause` on this endpoint (kube's acceptMediaTypeOptions and AllowsMediaTypeTransform). */
function accepts(clause: MediaRange, s: Serializer, allowed: readonly Conversion[], opts: NegotiateOptions, pretty: boolean): Negotiated | undefined {
  const p = clause.params;
  const stream = p["stream"];
  if (stream && (!s.stream || stream !== "watch")) return undefined;
  // sv: the meta group's version for generic output; kube's resource endpoints know only v1.
  if (p["sv"] && p["sv"] !== "v1") return undefined;
  const isPretty = pretty || p["pretty"] === "1";
  const as = p["as"];
  const g = p["g"];
  const v = p["v"];
  if (as === undefined && g === undefined && v === undefined) {
    if (s.encoding === "protobuf" && !opts.protobuf) return undefined;
    return { encoding: s.encoding, conversion: "", convVersion: "", contentType: s.mediaType, pretty: isPretty };
  }
  const conv = (as ?? "") as Conversion;
  const version = v ?? "";
  let ok = false;
  if (g === "meta.k8s.io" && (version === "v1" || version === "v1beta1")) {
    // Table has no protobuf form; PartialObjectMetadata has one whatever the resource.
    if (conv === "Table") ok = s.encoding !== "protobuf";
    else if (conv === "PartialObjectMetadata" || conv === "PartialObjectMetadataList") ok = true;
  } else if (g === "apidiscovery.k8s.io" && (version === "v2" || version === "v2beta1")) {
    ok = conv === "APIGroupDiscoveryList" && s.encoding !== "protobuf";
  }
  if (!ok || !allowed.includes(conv)) return undefined;
  // Protobuf's Content-Type is the plain media type (kube's serializer.MediaType).
  const contentType = s.encoding === "protobuf" ? s.mediaType : `${s.mediaType};as=${conv};v=${version};g=${g}`;
  return { encoding: s.encoding, conversion: conv, convVersion: version, contentType, pretty: isPretty };
}

/**
 * Picks the response format. `allowed` lists the conversions this endpoint can make (lists and
 * objects of resources with metadata allow Table and PartialObjectMetadata); an Accept with
 * nothing we can produce is 406. A watch answers protobuf as `...protobuf;stream=watch`.
 */
export function negotiate(accept: string | undefined, allowed: readonly Conversion[], pretty = false, opts: NegotiateOptions = {}): Negotiated {
  let found: Negotiated | undefined;
  let stream = true;
  if (!accept) found = { encoding: "json", conversion: "", convVersion: "", contentType: JSON_MEDIA_TYPE, pretty };
  else {
    search: for (const clause of clausesOf(accept)) {
      for (const s of serializers) {
        const match = (clause.type === "application" && (clause.subType === s.subType || clause.subType === "*")) || (clause.type === "*" && clause.subType === "*");
        if (!match) continue;
        found = accepts(clause, s, allowed, opts, pretty);
        if (found) {
          stream = s.stream;
          break search;
        }
      }
    }
  }
  if (!found || (opts.watch && !stream)) throw notAcceptable(opts.watch === true);
  if (opts.watch && found.encoding === "protobuf") found.contentType = `${PROTOBUF_MEDIA_TYPE};stream=watch`;
  if (found.encoding !== "json") found.pretty = false;
  return found;
}

/**
 * The format of an error's Status (kube's ErrorNegotiated: no conversions, any serializer,
 * whatever the endpoint); JSON when nothing matches (kube's WriteRawJSON).
 */
export function negotiateStatus(accept: string | undefined): Negotiated {
  try {
    return negotiate(accept, [], false, { protobuf: true });
  } catch {
    return { encoding: "json", conversion: "", convVersion: "", contentType: JSON_MEDIA_TYPE, pretty: false };
  }
}
