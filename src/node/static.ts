/**
 * Static pods: manifests read from a directory (or one file), and the mirror pod each node
 * posts for each of them, named and annotated as the kubelet's file source and mirror client do.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KObject } from "../client/types.js";

export const CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";

export interface Manifest {
  /** The file it came from, for messages. */
  file: string;
  pod: KObject;
}

/** Parses one file's text: YAML or JSON, one Pod (further documents are ignored, as the kubelet reads one). */
export function parseManifest(file: string, text: string): Manifest {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const first = docs[0];
  if (!first) throw new Error(`${file}: no pod in file`);
  if (first.errors.length) throw new Error(`${file}: ${first.errors[0]!.message}`);
  const pod = first.toJSON() as KObject | null;
  if (!pod || typeof pod !== "object" || Array.isArray(pod)) throw new Error(`${file}: not an object`);
  if (pod.kind !== undefined && pod.kind !== "Pod") throw new Error(`${file}: kind ${String(pod.kind)} is not Pod`);
  if (!pod.metadata?.name) throw new Error(`${file}: metadata.name is required`);
  return { file, pod };
}

/** Reads every manifest under `path` (a file or a directory; dotfiles skipped, as the kubelet does). Bad files are reported, not fatal. */
export async function loadManifests(path: string): Promise<{ manifests: Manifest[]; errors: string[] }> {
  const manifests: Manifest[] = [];
  const errors: string[] = [];
  const info = await stat(path);
  const files = info.isDirectory()
    ? (await readdir(path)).filter((f) => !f.startsWith(".")).sort().map((f) => join(path, f))
    : [path];
  for (const f of files) {
    try {
      if (!(await stat(f)).isFile()) continue;
      manifests.push(parseManifest(f, await readFile(f, "utf8")));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { manifests, errors };
}

/** `<name>-<nodeName>`, the static pod's name on the API server. */
export const mirrorPodName = (podName: string, nodeName: string): string => `${podName}-${nodeName}`;

/**
 * The mirror pod of `manifest` on `node`: the kubelet's defaults for a file source (name,
 * namespace, nodeName, a NoExecute toleration for everything), the config annotations with the
 * hash that identifies this version, and the Node as controlling owner.
 */
export function mirrorPod(manifest: Manifest, node: { name: string; uid: string }, seenMs: number): KObject {
  const src = manifest.pod;
  const spec = structuredClone((src.spec ?? {}) as Record<string, unknown>);
  spec.nodeName = node.name;
  const tolerations = Array.isArray(spec.tolerations) ? [...(spec.tolerations as Record<string, unknown>[])] : [];
  if (!tolerations.some((t) => t.operator === "Exists" && t.effect === "NoExecute" && !t.key)) tolerations.push({ operator: "Exists", effect: "NoExecute" });
  spec.tolerations = tolerations;
  const name = mirrorPodName(src.metadata.name ?? "", node.name);
  const namespace = src.metadata.namespace || "default";
  const hash = createHash("md5").update(JSON.stringify({ name, namespace, labels: src.metadata.labels ?? {}, annotations: src.metadata.annotations ?? {}, spec })).digest("hex");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      ...(src.metadata.labels ? { labels: { ...src.metadata.labels } } : {}),
      annotations: {
        ...(src.metadata.annotations ?? {}),
        [CONFIG_HASH_ANNOTATION]: hash,
        [CONFIG_MIRROR_ANNOTATION]: hash,
        [CONFIG_SEEN_ANNOTATION]: new Date(seenMs).toISOString().replace(/Z$/, "000000Z"),
        [CONFIG_SOURCE_ANNOTATION]: "file",
      },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid, controller: true }],
    },
    spec,
  };
}

/** True when `pod` is the current mirror of `want` (same config hash). */
export function isCurrentMirror(pod: KObject, want: KObject): boolean {
  return pod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === want.metadata.annotations?.[CONFIG_HASH_ANNOTATION];
}
