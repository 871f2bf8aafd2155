import type { IncomingMessage, ServerResponse } from "node:http";
import { stringify as yamlStringify, parse as yamlParse } from "yaml";
import type { KObject } from "../api/types.js";
import { ApiError, errors, type Status } from "../api/status.js";
import type { Printer } from "../printers/types.js";
import type { Negotiated } from "./negotiate.js";
import { decodeErrorMessage, decodeProtobuf, encodeProtobuf, ProtobufError, PROTOBUF_MEDIA_TYPE } from "../protobuf/index.js";

/** Encoding of responses and decoding of request bodies. */

export const maxBodyBytes = 3 * 1024 * 1024;

export function send(res: ServerResponse, code: number, body: Buffer | string, contentType: string, headers?: Record<string, string>): void {
  if (res.headersSent) return;
  const buf = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(code, { "Content-Type": contentType, "Content-Length": String(buf.length), "Cache-Control": "no-cache, private", ...headers });
  res.end(buf);
}

/** JSON or YAML text of a value (protobuf: see encodeBody). */
export function encodeValue(v: unknown, neg: Pick<Negotiated, "encoding" | "pretty">): string {
  if (neg.encoding === "yaml") return yamlStringify(v, { aliasDuplicateObjects: false, lineWidth: 0 });
  return neg.pretty ? JSON.stringify(v, null, 2) + "\n" : JSON.stringify(v) + "\n";
}

/**
 * A response body in the negotiated encoding. Protobuf needs `apiVersion` and `kind` on the value
 * and a kind with a protobuf form (negotiation made sure of that).
 */
export function encodeBody(v: unknown, neg: Pick<Negotiated, "encoding" | "pretty">): Buffer | string {
  if (neg.encoding !== "protobuf") return encodeValue(v, neg);
  const b = isObject(v) ? encodeProtobuf(v) : undefined;
  if (!b) throw errors.internal(new Error(`no protobuf form for ${isObject(v) ? `${String(v.apiVersion)}, Kind=${String(v.kind)}` : typeof v}`));
  return Buffer.from(b.buffer, b.byteOffset, b.length);
}

/**
 * An error's Status, in the encoding `neg` names (handlers pass negotiateStatus's: kube words
 * errors in any format the client accepts, protobuf included); JSON without one.
 */
export function sendStatus(res: ServerResponse, err: ApiError, neg?: Pick<Negotiated, "encoding" | "pretty" | "contentType">): void {
  const headers: Record<string, string> = {};
  const retry = err.status.details?.retryAfterSeconds;
  if (retry !== undefined && (err.code === 429 || err.code === 503 || err.code === 504)) headers["Retry-After"] = String(retry);
  if (neg?.encoding === "protobuf") {
    send(res, err.code, encodeBody(err.status, neg), PROTOBUF_MEDIA_TYPE, headers);
    return;
  }
  const enc = neg && neg.encoding === "yaml" ? neg : { encoding: "json" as const, pretty: false };
  send(res, err.code, encodeValue(err.status, enc), enc.encoding === "yaml" ? "application/yaml" : "application/json", headers);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return errors.internal(err);
}

/** Reads the body up to 3 MiB (413 beyond), as kube's handlers limit it. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > maxBodyBytes) {
        failed = true;
        reject(errors.tooLarge("limit is 3145728"));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      if (!failed) reject(e);
    });
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Decodes a JSON or YAML body to a plain value; 400 with kube's wording on bad input. */
export function decodeBody(body: Buffer, contentType: string | undefined, expect?: { apiVersion: string; kind: string }): unknown {
  const mt = mediaType(contentType);
  if (mt === PROTOBUF_MEDIA_TYPE) {
    // kubectl's typed clients (create deployment|configmap|..., drain, create token) send protobuf.
    try {
      return decodeProtobuf(body, expect).object;
    } catch (e) {
      if (e instanceof ProtobufError) throw errors.badRequest(decodeErrorMessage(e, expect?.kind ?? "", body));
      throw e;
    }
  }
  const text = body.toString("utf8");
  if (mt === "application/yaml" || mt === "application/apply-patch+yaml") {
    try {
      return yamlParse(text, { version: "1.1", merge: true, uniqueKeys: true });
    } catch (e) {
      throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  if (mt === "" || mt === "application/json" || mt.endsWith("+json") || mt === "*/*") {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  throw errors.unsupportedMediaType(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The meta.k8s.io PartialObjectMetadata of an object. */
export function partialMetadata(obj: KObject, version: string): Record<string, unknown> {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

const partialHeads = new Map<string, Buffer>();
/** partialMetadata's JSON up to its metadata's value, for a metadata JSON spliced in after it. */
export function partialMetadataHead(version: string): Buffer {
  let b = partialHeads.get(version);
  if (b === undefined) {
    const text = JSON.stringify(partialMetadata({ metadata: {} }, version));
    b = Buffer.from(text.slice(0, text.length - "{}}".length));
    if (partialHeads.size < 8) partialHeads.set(version, b);
  }
  return b;
}

export type IncludeObject = "None" | "Metadata" | "Object";

/** A meta.k8s.io Table of objects, as kube's TableConvertor makes it. */
export function toTable(
  objs: readonly KObject[],
  printer: Printer,
  opts: { version: string; includeObject: IncludeObject; noHeaders: boolean; now: Date; listMeta?: Record<string, unknown> },
): Record<string, unknown> {
  const rows = objs.map((o) => {
    let row;
    try {
      row = printer.row(o, opts.now);
    } catch {
      row = { cells: [o.metadata.name ?? ""] };
    }
    const r: Record<string, unknown> = { cells: row.cells };
    if (row.conditions) r.conditions = row.conditions;
    if (opts.includeObject === "Metadata") r.object = partialMetadata(o, opts.version);
    else if (opts.includeObject === "Object") r.object = o;
    return r;
  });
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: opts.listMeta ?? {},
    columnDefinitions: opts.noHeaders ? null : printer.columns,
    rows,
  };
}

export function statusOf(err: ApiError): Status {
  return err.status;
}
