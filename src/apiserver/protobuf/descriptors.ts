/**
 * Compiles schema.ts's field strings into descriptors, once per message and on first use.
 *
 * A field string is `<number>:<jsonName>:<type>[:<flags>]`, fields separated by spaces, in Go
 * declaration order (which is the JSON key order). Types: a scalar (string int32 int64 bool
 * double bytes), a message (`Name` in the same package, `pkg/v.Name` elsewhere), `[]T`
 * (repeated), `{K}V` (map). Flags: o = omitempty, p = Go pointer, i = embedded inline (its JSON
 * fields sit in the parent). A message string starting with `@` names a type with its own JSON
 * form, implemented in decode.ts and encode.ts.
 */

import { apiVersions, kinds, messages } from "./schema.js";

export type Scalar = "string" | "int32" | "int64" | "bool" | "double" | "bytes";

export type Special =
  | "quantity"
  | "intorstring"
  | "time"
  | "microtime"
  | "duration"
  | "fieldsv1"
  | "rawextension"
  | "unknown"
  | "json"
  | "propsorarray"
  | "propsorbool"
  | "propsorstringarray"
  | "slice";

export interface FieldDesc {
  num: number;
  /** JSON name; "" for an inline field. */
  name: string;
  card: "one" | "repeated" | "map";
  /** The element type (repeated), value type (map) or the field's type. */
  scalar?: Scalar;
  message?: MessageDesc;
  omitempty: boolean;
  pointer: boolean;
  inline: boolean;
  /** Position in MessageDesc.fields. */
  index: number;
}

export interface MessageDesc {
  key: string;
  special?: Special;
  /** For `slice` (a named Go slice wrapped in a message): the item type. */
  item?: { scalar?: Scalar; message?: MessageDesc };
  /** In Go declaration order (JSON order). */
  fields: FieldDesc[];
  /** By field number. */
  byNum: (FieldDesc | undefined)[];
  /** In field-number order, as Go's marshallers write them. */
  encodeOrder: FieldDesc[];
}

const scalars = new Set<string>(["string", "int32", "int64", "bool", "double", "bytes"]);
const compiled = new Map<string, MessageDesc>();

function resolve(pkg: string, ref: string): { scalar?: Scalar; message?: MessageDesc } {
  if (scalars.has(ref)) return { scalar: ref as Scalar };
  return { message: messageDesc(ref.includes(".") ? ref : `${pkg}.${ref}`) };
}

/** The descriptor of `<package>.<Message>`; throws if the table has no such message. */
export function messageDesc(key: string): MessageDesc {
  const done = compiled.get(key);
  if (done) return done;
  const spec = messages[key];
  if (spec === undefined) throw new Error(`protobuf schema: no message ${key}`);
  const desc: MessageDesc = { key, fields: [], byNum: [], encodeOrder: [] };
  compiled.set(key, desc); // before the fields: messages may refer to themselves
  const pkg = key.slice(0, key.lastIndexOf("."));
  if (spec.startsWith("@")) {
    const [special, item] = spec.slice(1).split(" ");
    desc.special = special as Special;
    if (item) desc.item = resolve(pkg, item);
    return desc;
  }
  for (const f of spec ? spec.split(" ") : []) {
    const [num, name, type, flags = ""] = f.split(":") as [string, string, string, string?];
    let card: FieldDesc["card"] = "one";
    let elem = type;
    if (type.startsWith("[]")) {
      card = "repeated";
      elem = type.slice(2);
    } else if (type.startsWith("{")) {
      card = "map";
      elem = type.slice(type.indexOf("}") + 1); // keys are strings throughout the API
    }
    const field: FieldDesc = {
      num: Number(num),
      name,
      card,
      ...resolve(pkg, elem),
      omitempty: flags.includes("o"),
      pointer: flags.includes("p"),
      inline: flags.includes("i"),
      index: desc.fields.length,
    };
    desc.fields.push(field);
    desc.byNum[field.num] = field;
  }
  desc.encodeOrder = [...desc.fields].sort((a, b) => a.num - b.num);
  return desc;
}

/** Options kinds and WatchEvent: registered in every served group/version (metav1.AddToGroupVersion). */
const metaVersioned = new Set(["WatchEvent", "ListOptions", "GetOptions", "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions"]);
/** Registered unversioned: found by kind whatever the group/version. */
const metaUnversioned = new Set(["Status", "APIVersions", "APIGroupList", "APIGroup", "APIResourceList"]);
/** What meta.k8s.io/v1 and v1beta1 register (metav1.AddMetaToScheme); Table has no protobuf form. */
const metaGroup = new Set(["TableOptions", "PartialObjectMetadata", "PartialObjectMetadataList"]);

const kindSets = new Map<string, Set<string>>(Object.entries(kinds).map(([pkg, list]) => [pkg, new Set(list.split(" "))]));

/** The message key of a top-level kind, or undefined when the kind has no protobuf type. */
export function kindKey(apiVersion: string, kind: string): string | undefined {
  const pkg = apiVersions[apiVersion];
  if (pkg === undefined) return metaUnversioned.has(kind) ? `meta/v1.${kind}` : undefined;
  if (pkg.startsWith("meta/")) {
    if (pkg === "meta/v1beta1" && kind === "PartialObjectMetadataList") return "meta/v1beta1.PartialObjectMetadataList";
    if (metaGroup.has(kind)) return `meta/v1.${kind}`;
  } else if (kindSets.get(pkg)?.has(kind)) {
    return `${pkg}.${kind}`;
  }
  if (metaVersioned.has(kind) || metaUnversioned.has(kind)) return `meta/v1.${kind}`;
  return undefined;
}
