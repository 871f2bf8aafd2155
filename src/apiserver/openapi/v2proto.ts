/**
 * /openapi/v2 as protobuf: the swagger document encoded as gnostic's `openapi.v2.Document`
 * (github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto), which is what kube-apiserver
 * answers when asked for `application/com.github.proto-openapi.spec.v2[@.]v1.0+protobuf` and what
 * client-go's `OpenAPISchema()` decodes (kubectl's v2 validation, `explain` before 1.27, lists).
 *
 * kube builds it by parsing its JSON with gnostic and marshaling the result, so this follows
 * gnostic's mapping: fields in field-number order, proto3 zero values left out, oneofs chosen
 * the way gnostic's parser chooses them (a parameter by its `in`, a security scheme by its
 * `type`/`flow`), and every value gnostic keeps as text (vendor extensions, `default`, `enum`,
 * `example`) as an `Any { yaml }` holding the value as go-yaml v3 prints it.
 */

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Content negotiation (kube-openapi's handler)

/** The Content-Type kube answers protobuf with (the `@` spelling is accepted, never sent). */
export const V2_PROTOBUF_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
const V2_PROTOBUF_SUBTYPES = ["com.github.proto-openapi.spec.v2@v1.0+protobuf", "com.github.proto-openapi.spec.v2.v1.0+protobuf"];

/**
 * Which form of /openapi/v2 an Accept header gets: the first clause (by q, then specificity)
 * that names JSON, the protobuf or a wildcard decides; no header means JSON; `undefined` is 406.
 */
export function negotiateV2(accept: string | undefined): "json" | "protobuf" | undefined {
  const clauses = (accept?.trim() ? accept : "*/*")
    .split(",")
    .map((part) => {
      const [range = "", ...params] = part.split(";").map((s) => s.trim());
      const [type = "", subtype = ""] = range.split("/");
      const qParam = params.find((p) => /^q\s*=/i.test(p));
      const q = qParam ? Number(qParam.slice(qParam.indexOf("=") + 1)) : 1;
      return { type, subtype, q: Number.isNaN(q) ? 0 : q };
    })
    .filter((c) => c.type && c.subtype && c.q > 0);
  // Stable: equal clauses keep the client's order.
  const rank = (c: { type: string; subtype: string }) => (c.type === "*" ? 0 : c.subtype === "*" ? 1 : 2);
  clauses.sort((a, b) => b.q - a.q || rank(b) - rank(a));
  for (const c of clauses) {
    if (c.type !== "application" && c.type !== "*") continue;
    if (c.subtype === "json" || c.subtype === "*") return "json";
    if (V2_PROTOBUF_SUBTYPES.includes(c.subtype)) return "protobuf";
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Protobuf writer

/**
 * An append-only protobuf writer. A nested message is written in place after a one-byte length
 * guess and moved right when its length needs more bytes, so nothing is built twice.
 */
class Writer {
  buf = Buffer.allocUnsafe(1 << 20);
  pos = 0;
  /** yamlV3 text by the value's JSON, for this document. */
  readonly yaml = new Map<string, string>();

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      // int64 two's complement: always ten bytes.
      let x = BigInt.asUintN(64, BigInt(v));
      for (let i = 0; i < 9; i++, x >>= 7n) this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      this.buf[this.pos++] = Number(x);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A proto3 string: left out when empty. */
  string(field: number, s: unknown): void {
    if (typeof s !== "string" || s === "") return;
    this.tag(field, 2);
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  strings(field: number, list: unknown): void {
    if (!Array.isArray(list)) return;
    for (const s of list) {
      // Repeated strings keep empty entries.
      this.tag(field, 2);
      const text = typeof s === "string" ? s : "";
      const n = Buffer.byteLength(text);
      this.varint(n);
      this.ensure(n);
      this.pos += this.buf.write(text, this.pos, "utf8");
    }
  }

  /** A proto3 bool: left out when false, unless it is a oneof member (`always`). */
  bool(field: number, b: unknown, always = false): void {
    if (typeof b !== "boolean" || (!b && !always)) return;
    this.tag(field, 0);
    this.varint(b ? 1 : 0);
  }

  int64(field: number, n: unknown): void {
    if (typeof n !== "number" || n === 0 || !Number.isFinite(n)) return;
    this.tag(field, 0);
    this.varint(Math.trunc(n));
  }

  double(field: number, n: unknown): void {
    if (typeof n !== "number" || n === 0) return;
    this.tag(field, 1);
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(n, this.pos);
  }

  /** A message field, written even when empty (a present message is never a zero value). */
  message(field: number, body: () => void): void {
    this.tag(field, 2);
    this.ensure(1);
    const start = ++this.pos;
    body();
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[start - 1] = len;
      return;
    }
    let extra = 0;
    for (let v = len >> 7; v > 0; v >>= 7) extra++;
    this.ensure(extra);
    this.buf.copy(this.buf, start + extra, start, this.pos);
    const end = this.pos + extra;
    this.pos = start - 1;
    this.varint(len);
    this.pos = end;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

// ---------------------------------------------------------------------------------------------
// The document, message by message (field numbers from OpenAPIv2.proto)

/** Encodes a parsed swagger 2.0 document as gnostic's `openapi.v2.Document`. */
export function encodeV2Document(doc: Json): Buffer {
  const w = new Writer();
  w.string(1, doc.swagger);
  withObject(doc.info, (info) =>
    w.message(2, () => {
      w.string(1, info.title);
      w.string(2, info.version);
      w.string(3, info.description);
      w.string(4, info.termsOfService);
      withObject(info.contact, (c) => w.message(5, () => (w.string(1, c.name), w.string(2, c.url), w.string(3, c.email), extensions(w, 4, c))));
      withObject(info.license, (l) => w.message(6, () => (w.string(1, l.name), w.string(2, l.url), extensions(w, 3, l))));
      extensions(w, 7, info);
    }),
  );
  w.string(3, doc.host);
  w.string(4, doc.basePath);
  w.strings(5, doc.schemes);
  w.strings(6, doc.consumes);
  w.strings(7, doc.produces);
  withObject(doc.paths, (paths) =>
    w.message(8, () => {
      extensions(w, 1, paths);
      for (const [path, item] of Object.entries(paths)) {
        if (path.startsWith("/") && isObject(item)) w.message(2, () => (w.string(1, path), w.message(2, () => pathItem(w, item))));
      }
    }),
  );
  withObject(doc.definitions, (defs) => w.message(9, () => namedSchemas(w, defs)));
  withObject(doc.parameters, (params) =>
    w.message(10, () => {
      for (const [name, p] of Object.entries(params)) if (isObject(p)) w.message(1, () => (w.string(1, name), w.message(2, () => parameter(w, p))));
    }),
  );
  withObject(doc.responses, (responses) =>
    w.message(11, () => {
      for (const [name, r] of Object.entries(responses)) if (isObject(r)) w.message(1, () => (w.string(1, name), w.message(2, () => response(w, r))));
    }),
  );
  eachObject(doc.security, (req) => w.message(12, () => securityRequirement(w, req)));
  withObject(doc.securityDefinitions, (defs) =>
    w.message(13, () => {
      for (const [name, d] of Object.entries(defs)) if (isObject(d)) w.message(1, () => (w.string(1, name), w.message(2, () => securityScheme(w, d))));
    }),
  );
  eachObject(doc.tags, (t) => w.message(14, () => (w.string(1, t.name), w.string(2, t.description), externalDocs(w, 3, t.externalDocs), extensions(w, 4, t))));
  externalDocs(w, 15, doc.externalDocs);
  extensions(w, 16, doc);
  return w.finish();
}

function pathItem(w: Writer, item: Json): void {
  w.string(1, item.$ref);
  const methods = ["get", "put", "post", "delete", "options", "head", "patch"] as const;
  methods.forEach((m, i) => withObject(item[m], (op) => w.message(2 + i, () => operation(w, op))));
  eachObject(item.parameters, (p) => w.message(9, () => parametersItem(w, p)));
  extensions(w, 10, item);
}

function operation(w: Writer, op: Json): void {
  w.strings(1, op.tags);
  w.string(2, op.summary);
  w.string(3, op.description);
  externalDocs(w, 4, op.externalDocs);
  w.string(5, op.operationId);
  w.strings(6, op.produces);
  w.strings(7, op.consumes);
  eachObject(op.parameters, (p) => w.message(8, () => parametersItem(w, p)));
  withObject(op.responses, (responses) =>
    w.message(9, () => {
      for (const [code, r] of Object.entries(responses)) {
        if (!/^([0-9]{3}|default)$/.test(code) || !isObject(r)) continue;
        w.message(1, () => {
          w.string(1, code);
          // ResponseValue: a reference (2) or a response (1).
          w.message(2, () => (typeof r.$ref === "string" ? w.message(2, () => jsonReference(w, r)) : w.message(1, () => response(w, r))));
        });
      }
      extensions(w, 2, responses);
    }),
  );
  w.strings(10, op.schemes);
  w.bool(11, op.deprecated);
  eachObject(op.security, (req) => w.message(12, () => securityRequirement(w, req)));
  extensions(w, 13, op);
}

/** ParametersItem: a reference (2) or a parameter (1). */
function parametersItem(w: Writer, p: Json): void {
  if (typeof p.$ref === "string") w.message(2, () => jsonReference(w, p));
  else w.message(1, () => parameter(w, p));
}

/** Parameter: body (1) or non-body (2: header 1, formData 2, query 3, path 4 by `in`). */
function parameter(w: Writer, p: Json): void {
  if (p.in === "body") {
    w.message(1, () => {
      w.string(1, p.description);
      w.string(2, p.name);
      w.string(3, p.in);
      w.bool(4, p.required);
      withObject(p.schema, (s) => w.message(5, () => schema(w, s)));
      extensions(w, 6, p);
    });
    return;
  }
  const which = { header: 1, formData: 2, query: 3, path: 4 }[String(p.in)];
  if (!which) return;
  // Query and formData carry allowEmptyValue (5) after name, which shifts the rest by one.
  const shift = which === 2 || which === 3 ? 1 : 0;
  w.message(2, () =>
    w.message(which, () => {
      w.bool(1, p.required);
      w.string(2, p.in);
      w.string(3, p.description);
      w.string(4, p.name);
      if (shift) w.bool(5, p.allowEmptyValue);
      primitive(w, 5 + shift, p);
      extensions(w, 22 + shift, p);
    }),
  );
}

/**
 * The 17 fields a non-body parameter, a header and PrimitivesItems share, numbered from `first`:
 * type, format, items, collectionFormat, default, maximum, exclusiveMaximum, minimum,
 * exclusiveMinimum, maxLength, minLength, pattern, maxItems, minItems, uniqueItems, enum, multipleOf.
 */
function primitive(w: Writer, first: number, p: Json): void {
  const f = first;
  w.string(f, p.type);
  w.string(f + 1, p.format);
  withObject(p.items, (items) => w.message(f + 2, () => (primitive(w, 1, items), extensions(w, 18, items))));
  w.string(f + 3, p.collectionFormat);
  if ("default" in p) anyField(w, f + 4, p.default);
  w.double(f + 5, p.maximum);
  w.bool(f + 6, p.exclusiveMaximum);
  w.double(f + 7, p.minimum);
  w.bool(f + 8, p.exclusiveMinimum);
  w.int64(f + 9, p.maxLength);
  w.int64(f + 10, p.minLength);
  w.string(f + 11, p.pattern);
  w.int64(f + 12, p.maxItems);
  w.int64(f + 13, p.minItems);
  w.bool(f + 14, p.uniqueItems);
  if (Array.isArray(p.enum)) for (const v of p.enum) anyField(w, f + 15, v);
  w.double(f + 16, p.multipleOf);
}

function response(w: Writer, r: Json): void {
  w.string(1, r.description);
  // SchemaItem: a file schema (2) when the type is "file", else a schema (1).
  withObject(r.schema, (s) => w.message(2, () => (s.type === "file" ? w.message(2, () => fileSchema(w, s)) : w.message(1, () => schema(w, s)))));
  withObject(r.headers, (headers) =>
    w.message(3, () => {
      for (const [name, h] of Object.entries(headers)) {
        if (isObject(h)) w.message(1, () => (w.string(1, name), w.message(2, () => (primitive(w, 1, h), w.string(18, h.description), extensions(w, 19, h)))));
      }
    }),
  );
  withObject(r.examples, (examples) => w.message(4, () => namedAnys(w, 1, examples, () => true)));
  extensions(w, 5, r);
}

function fileSchema(w: Writer, s: Json): void {
  w.string(1, s.format);
  w.string(2, s.title);
  w.string(3, s.description);
  if ("default" in s) anyField(w, 4, s.default);
  w.strings(5, s.required);
  w.string(6, s.type);
  w.bool(7, s.readOnly);
  externalDocs(w, 8, s.externalDocs);
  if ("example" in s) anyField(w, 9, s.example);
  extensions(w, 10, s);
}

function schema(w: Writer, s: Json): void {
  w.string(1, s.$ref);
  w.string(2, s.format);
  w.string(3, s.title);
  w.string(4, s.description);
  if ("default" in s) anyField(w, 5, s.default);
  w.double(6, s.multipleOf);
  w.double(7, s.maximum);
  w.bool(8, s.exclusiveMaximum);
  w.double(9, s.minimum);
  w.bool(10, s.exclusiveMinimum);
  w.int64(11, s.maxLength);
  w.int64(12, s.minLength);
  w.string(13, s.pattern);
  w.int64(14, s.maxItems);
  w.int64(15, s.minItems);
  w.bool(16, s.uniqueItems);
  w.int64(17, s.maxProperties);
  w.int64(18, s.minProperties);
  w.strings(19, s.required);
  if (Array.isArray(s.enum)) for (const v of s.enum) anyField(w, 20, v);
  // AdditionalPropertiesItem: a schema (1) or a boolean (2, kept even when false).
  if (typeof s.additionalProperties === "boolean") w.message(21, () => w.bool(2, s.additionalProperties, true));
  else withObject(s.additionalProperties, (a) => w.message(21, () => w.message(1, () => schema(w, a))));
  if (typeof s.type === "string") w.message(22, () => w.strings(1, [s.type]));
  else if (Array.isArray(s.type)) w.message(22, () => w.strings(1, s.type));
  // ItemsItem holds a list; swagger's single `items` schema is a list of one.
  if (isObject(s.items)) w.message(23, () => schemaList(w, [s.items]));
  else if (Array.isArray(s.items)) w.message(23, () => schemaList(w, s.items as unknown[]));
  eachObject(s.allOf, (a) => w.message(24, () => schema(w, a)));
  withObject(s.properties, (props) => w.message(25, () => namedSchemas(w, props)));
  w.string(26, s.discriminator);
  w.bool(27, s.readOnly);
  withObject(s.xml, (x) =>
    w.message(28, () => (w.string(1, x.name), w.string(2, x.namespace), w.string(3, x.prefix), w.bool(4, x.attribute), w.bool(5, x.wrapped), extensions(w, 6, x))),
  );
  externalDocs(w, 29, s.externalDocs);
  if ("example" in s) anyField(w, 30, s.example);
  extensions(w, 31, s);
}

function schemaList(w: Writer, list: unknown[]): void {
  for (const s of list) if (isObject(s)) w.message(1, () => schema(w, s));
}

/** Definitions and Properties: `repeated NamedSchema additional_properties = 1`. */
function namedSchemas(w: Writer, schemas: Json): void {
  for (const [name, s] of Object.entries(schemas)) if (isObject(s)) w.message(1, () => (w.string(1, name), w.message(2, () => schema(w, s))));
}

function jsonReference(w: Writer, r: Json): void {
  w.string(1, r.$ref);
  w.string(2, r.description);
}

/** SecurityRequirement: `repeated NamedStringArray`; the StringArray is there even when empty. */
function securityRequirement(w: Writer, req: Json): void {
  for (const [name, scopes] of Object.entries(req)) w.message(1, () => (w.string(1, name), w.message(2, () => w.strings(1, scopes))));
}

/** SecurityDefinitionsItem: basic (1), apiKey (2), oauth2 by flow: implicit 3, password 4, application 5, accessCode 6. */
function securityScheme(w: Writer, d: Json): void {
  const scopes = (field: number) =>
    withObject(d.scopes, (sc) => w.message(field, () => {
      for (const [name, v] of Object.entries(sc)) w.message(1, () => (w.string(1, name), w.string(2, v)));
    }));
  if (d.type === "basic") w.message(1, () => (w.string(1, d.type), w.string(2, d.description), extensions(w, 3, d)));
  else if (d.type === "apiKey") w.message(2, () => (w.string(1, d.type), w.string(2, d.name), w.string(3, d.in), w.string(4, d.description), extensions(w, 5, d)));
  else if (d.type === "oauth2" && d.flow === "accessCode") {
    w.message(6, () => (w.string(1, d.type), w.string(2, d.flow), scopes(3), w.string(4, d.authorizationUrl), w.string(5, d.tokenUrl), w.string(6, d.description), extensions(w, 7, d)));
  } else if (d.type === "oauth2") {
    const which = { implicit: 3, password: 4, application: 5 }[String(d.flow)];
    if (!which) return;
    // implicit has authorizationUrl where password and application have tokenUrl.
    const url = which === 3 ? d.authorizationUrl : d.tokenUrl;
    w.message(which, () => (w.string(1, d.type), w.string(2, d.flow), scopes(3), w.string(4, url), w.string(5, d.description), extensions(w, 6, d)));
  }
}

function externalDocs(w: Writer, field: number, docs: unknown): void {
  withObject(docs, (d) => w.message(field, () => (w.string(1, d.description), w.string(2, d.url), extensions(w, 3, d))));
}

/** Vendor extensions: every `x-` key as `NamedAny { name, Any { yaml } }`, in document order. */
function extensions(w: Writer, field: number, o: Json): void {
  namedAnys(w, field, o, (k) => k.startsWith("x-"));
}

function namedAnys(w: Writer, field: number, o: Json, keep: (key: string) => boolean): void {
  for (const [k, v] of Object.entries(o)) if (keep(k)) w.message(field, () => (w.string(1, k), anyField(w, 2, v)));
}

/** gnostic's `Any`: the value as YAML text (field 2); the google.protobuf.Any (1) stays unset. */
function anyField(w: Writer, field: number, v: unknown): void {
  // The same few values (list types, GVKs, actions) recur thousands of times.
  const key = JSON.stringify(v) ?? "null";
  let text = w.yaml.get(key);
  if (text === undefined) w.yaml.set(key, (text = yamlV3(v)));
  w.message(field, () => w.string(2, text));
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function withObject(v: unknown, f: (o: Json) => void): void {
  if (isObject(v)) f(v);
}

function eachObject(v: unknown, f: (o: Json) => void): void {
  if (Array.isArray(v)) for (const o of v) if (isObject(o)) f(o);
}

// ---------------------------------------------------------------------------------------------
// YAML as go-yaml v3 prints a value parsed from JSON

/**
 * `yaml.Marshal` of a JSON value, as gnostic stores extension values: block style, indent 4
 * (a collection nested under a key starts at the next multiple of four; one that is a sequence
 * item sits two columns in, after "- "), empty collections as `{}`/`[]`, strings plain when
 * they read back as the same string, double-quoted when they would read back as another type
 * (`""`, `"true"`, `"1"`), single-quoted when plain text would not parse, literal when multi-line.
 */
export function yamlV3(v: unknown): string {
  let out = "";
  const round4 = (i: number) => 4 * Math.floor((i + 4) / 4);
  const isBlock = (x: unknown): x is Json | unknown[] => (Array.isArray(x) ? x.length > 0 : isObject(x) && Object.keys(x).length > 0);
  const value = (x: unknown, indent: number, inSeq: boolean): void => {
    // The caller wrote "key:" or "-"; `indent` is that line's indentation.
    if (isBlock(x)) {
      const inner = inSeq ? indent + 2 : round4(indent);
      if (inSeq) out += " ";
      else out += "\n";
      block(x, inner, inSeq);
      return;
    }
    out += " " + scalar(x, inSeq ? indent + 2 : round4(indent));
  };
  const block = (x: Json | unknown[], indent: number, firstInline: boolean): void => {
    const pad = " ".repeat(indent);
    if (Array.isArray(x)) {
      x.forEach((item, i) => {
        out += (i === 0 && firstInline ? "" : pad) + "-";
        value(item, indent, true);
      });
    } else {
      Object.entries(x).forEach(([k, item], i) => {
        out += (i === 0 && firstInline ? "" : pad) + scalar(k, indent, true).slice(0, -1) + ":";
        value(item, indent, false);
      });
    }
  };
  if (isBlock(v)) block(v, 0, false);
  else out = scalar(v, 4);
  return out;
}

/** One scalar (or empty collection) and its line break; `indent` is for a literal block's lines. */
function scalar(v: unknown, indent: number, key = false): string {
  if (v === null || v === undefined) return "null\n";
  if (typeof v === "boolean" || typeof v === "number") return `${String(v)}\n`;
  if (Array.isArray(v)) return "[]\n";
  if (typeof v !== "string") return "{}\n";
  if (resolvesAsNonString(v)) return doubleQuoted(v) + "\n";
  const a = analyze(v);
  if (v.includes("\n") && !key) {
    if (a.blockAllowed) return literal(v, indent);
    return doubleQuoted(v) + "\n";
  }
  if (a.blockPlainAllowed) return v + "\n";
  if (a.singleQuotedAllowed) return `'${v.replace(/'/g, "''")}'\n`;
  return doubleQuoted(v) + "\n";
}

/** go-yaml v3's resolve(): what an untagged plain scalar reads back as. */
function resolvesAsNonString(s: string): boolean {
  if (["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"].includes(s)) return true;
  if ([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"].includes(s)) return true;
  if (/^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$/.test(s)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return true;
  // Timestamps: a date, optionally followed by a time.
  if (/^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s)) return true;
  return false;
}

/** libyaml's analyze_scalar, for block context. */
function analyze(s: string): { blockPlainAllowed: boolean; singleQuotedAllowed: boolean; blockAllowed: boolean } {
  let blockIndicators = s.startsWith("---") || s.startsWith("...");
  let special = false;
  let tabs = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const chars = [...s];
  const blank = (c: string | undefined) => c === undefined || c === " " || c === "\t" || c === "\n" || c === "\r";
  chars.forEach((c, i) => {
    const followedByWhitespace = blank(chars[i + 1]);
    const precededByWhitespace = i === 0 || blank(chars[i - 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(c)) blockIndicators = true;
      if ((c === "?" || c === ":" || c === "-") && followedByWhitespace) blockIndicators = true;
    } else {
      if (c === ":" && followedByWhitespace) blockIndicators = true;
      if (c === "#" && precededByWhitespace) blockIndicators = true;
    }
    if (c === "\t") tabs = true;
    else if (!printable(c)) special = true;
    const last = i === chars.length - 1;
    if (c === " ") {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (c === "\n" || c === "\r" || c === "\u0085" || c === "\u2028" || c === "\u2029") {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = previousBreak = false;
    }
  });
  let blockPlainAllowed = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators);
  let singleQuotedAllowed = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || tabs || special) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || special) blockAllowed = false;
  return { blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

/** libyaml's is_printable (no tab, no NEL, nothing outside the Basic Multilingual Plane). */
function printable(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if (cp === 0x0a || (cp >= 0x20 && cp <= 0x7e)) return true;
  return (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

/** go-yaml's literal block: the header, then each line indented; a leading break ends the header line. */
function literal(s: string, indent: number): string {
  const chomp = s.endsWith("\n") ? (s === "\n" || s.endsWith("\n\n") ? "+" : "") : "-";
  // A first line that starts with a space or a break needs an explicit indentation indicator.
  let out = `|${s.startsWith(" ") || s.startsWith("\n") ? "4" : ""}${chomp}`;
  let atLineStart = false;
  let afterBreak = true;
  for (const c of s) {
    if (c === "\n") {
      out += "\n";
      atLineStart = afterBreak = true;
      continue;
    }
    if (afterBreak) out += (atLineStart ? "" : "\n") + " ".repeat(indent);
    out += c;
    atLineStart = afterBreak = false;
  }
  return atLineStart ? out : out + "\n";
}

const ESCAPES: Record<number, string> = { 0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e", 34: '"', 92: "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P" };

function doubleQuoted(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    const escape = !printable(c) || cp === 0x0a || cp === 0x2028 || cp === 0x2029 || cp === 34 || cp === 92;
    if (!escape) out += c;
    else if (ESCAPES[cp] !== undefined) out += "\\" + ESCAPES[cp];
    else if (cp <= 0xff) out += "\\x" + cp.toString(16).toUpperCase().padStart(2, "0");
    else if (cp <= 0xffff) out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
    else out += "\\U" + cp.toString(16).toUpperCase().padStart(8, "0");
  }
  return out + '"';
}
