// The normalization rules: what may legitimately differ between two etcd-compatible servers
// that behave the same. Each rule is listed (and explained) in README.md; keep the two in step.
// Everything not rewritten here is compared byte for byte.
import { renderProtobuf } from "./pbtext.js";
import type { Format } from "./scenario.js";

/** What one side knows about its own server, for value substitution. */
export interface SideContext {
  /** host:port of the client URL, e.g. 127.0.0.1:41234 */
  clientAddr: string;
  peerAddr: string;
  clusterId: bigint | null;
  memberId: bigint | null;
  /** Lease ids granted during the scenario, in grant order (named L1, L2, ...). */
  leases: bigint[];
  /** Per-member scratch directory (for `snapshot save {tmp}/...`). */
  tmpDir: string;
}

export interface NormalizeInput {
  /** etcdctl arguments of the step, without the global flags the runner adds. */
  args: string[];
  format: Format;
  stream: "stdout" | "stderr";
  data: Buffer;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Go's time.Duration.String(), e.g. 1.454809ms, 2m3.5s, 812µs. */
const GO_DURATION = String.raw`(?:\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h))+`;

/** Rule 1: tables are compared by cell content, not by column widths. */
export function collapseTables(text: string): string {
  return text
    .split("\n")
    .flatMap((line) => {
      if (/^\+[-+]+\+$/.test(line)) return [];
      if (line.startsWith("|") && line.endsWith("|") && line.length > 1) {
        return ["| " + line.slice(1, -1).split("|").map((c) => c.trim()).join(" | ") + " |"];
      }
      return [line];
    })
    .join("\n");
}

/** Ids at least this big are substituted wherever they appear (rule 2). */
const BLIND_MIN = 1n << 32n;
/** JSON and `fields` keys whose number is a member, cluster or lease id. */
const ID_KEYS = "ID|id|lease|Lease|leader|Leader|cluster_id|member_id|ClusterID|MemberID";

/** Rule 2: per-member values (addresses, scratch paths, ids) become placeholders. */
export function substituteValues(text: string, ctx: SideContext): string {
  const pairs: [RegExp, string][] = [];
  pairs.push([new RegExp(escapeRe(ctx.tmpDir), "g"), "<TMP>"]);
  pairs.push([new RegExp(escapeRe(ctx.clientAddr) + "(?!\\d)", "g"), "<CLIENT_ADDR>"]);
  pairs.push([new RegExp(escapeRe(ctx.peerAddr) + "(?!\\d)", "g"), "<PEER_ADDR>"]);
  const ids: [bigint | null, string][] = [
    [ctx.clusterId, "<CLUSTER_ID>"],
    [ctx.memberId, "<MEMBER_ID>"],
    ...ctx.leases.map((id, i): [bigint, string] => [id, `<L${i + 1}>`]),
  ];
  for (const [id, name] of ids) {
    if (id === null || id === 0n) continue;
    const dec = id.toString(10);
    const hex = `0*${id.toString(16)}`; // etcdctl prints %x, and %016x for some lease messages
    if (id >= BLIND_MIN) {
      // Big (random-looking) ids cannot collide with other numbers: replace them anywhere.
      pairs.push([new RegExp(`(?<![0-9A-Za-z])(?:${dec}|${hex})(?![0-9A-Za-z])`, "g"), name]);
      continue;
    }
    // Small ids (a server may number leases 1, 2, ...) only where etcdctl prints ids.
    pairs.push([new RegExp(`("(?:${ID_KEYS})" ?: ?)${dec}(?![0-9])`, "g"), `$1${name}`]);
    pairs.push([new RegExp(`(memberID:)${dec}(?![0-9])`, "g"), `$1${name}`]);
    pairs.push([new RegExp(`(lease )${hex}(?![0-9a-f])`, "g"), `$1${name}`]);
    pairs.push([new RegExp(`^${hex}(?=$|, )`, "gm"), name]);
    pairs.push([new RegExp(`(, |\\| )${hex}(?=, | \\|)`, "g"), `$1${name}`]);
  }
  let out = text;
  for (const [re, rep] of pairs) out = out.replace(re, rep);
  return out;
}

/** Rule 3: the raft term in every response header (json, fields, proto text). */
export function normalizeHeaderTerm(text: string): string {
  return text
    .replace(/"raft_term":\d+/g, '"raft_term":<TERM>')
    .replace(/"RaftTerm" : \d+/g, '"RaftTerm" : <TERM>')
    .replace(/\braft_term:\d+/g, "raft_term:<TERM>"); // Go's proto text, in some etcdctl errors
}

/** Rule 4: etcdctl's own zap warning lines carry a timestamp and a random client id. */
export function normalizeClientLogs(text: string): string {
  return text
    .replace(/^(\{"level":"\w+","ts":")[^"]*(")/gm, "$1<TS>$2")
    .replace(/endpoint:\/\/client-[0-9a-f-]{36}\//g, "endpoint://client-<UUID>/");
}

/** Rule 5: `endpoint status`: version, db sizes, raft term and indexes. */
export function normalizeEndpointStatus(text: string): string {
  let out = text
    .replace(/"version":"[^"]*"/g, '"version":"<VERSION>"')
    .replace(/"(dbSize|dbSizeInUse|raftIndex|raftTerm|raftAppliedIndex)":\d+/g, '"$1":<N>')
    .replace(/^"Version" : "[^"]*"$/gm, '"Version" : "<VERSION>"')
    .replace(/^"(DBSize|DBSizeInUse|RaftIndex|RaftTerm|RaftAppliedIndex)" : \d+$/gm, '"$1" : <N>');
  // simple: "addr, id, version, db size, is leader, is learner, term, index, applied, errors"
  // table rows (after rule 1) have the same columns between "|".
  out = out
    .split("\n")
    .map((line) => {
      const table = line.startsWith("| ");
      const cells = table ? line.slice(2, -2).split(" | ") : line.split(", ");
      if (cells.length < 9 || !cells[0]!.endsWith("<CLIENT_ADDR>")) return line;
      for (const i of [2, 3, 6, 7, 8]) cells[i] = "<N>";
      return table ? `| ${cells.join(" | ")} |` : cells.join(", ");
    })
    .join("\n");
  return out;
}

/** Rule 6: `endpoint health`: how long the health probe took. */
export function normalizeHealthTook(text: string): string {
  return text
    .replace(new RegExp(`took = ${GO_DURATION}`, "g"), "took = <DURATION>")
    .replace(new RegExp(`"took":"${GO_DURATION}"`, "g"), '"took":"<DURATION>"')
    .replace(new RegExp(`^"Took" : ${GO_DURATION}$`, "gm"), '"Took" : <DURATION>')
    .replace(new RegExp(`^(\\| \\S*<CLIENT_ADDR> \\| \\w+ \\| )${GO_DURATION}( \\|)`, "gm"), "$1<DURATION>$2");
}

/**
 * Rule 0: binary protobuf is decoded to text (see pbtext.ts). Leading text lines (the prompts of
 * `txn -i`) are kept as text; output that does not decode is kept as latin1 text.
 */
export function protobufToText(data: Buffer): string {
  for (let start = 0; start <= data.length; ) {
    const rendered = renderProtobuf(data.subarray(start));
    if (rendered !== null) return data.subarray(0, start).toString("latin1") + rendered;
    const nl = data.indexOf(10, start);
    if (nl < 0 || !/^[\x20-\x7e]*$/.test(data.subarray(start, nl).toString("latin1"))) break;
    start = nl + 1;
  }
  return data.toString("latin1");
}

/**
 * Rule 7: `lease timetolive --keys`: etcd keeps a lease's keys in a Go map, so their order is
 * random; they are sorted (simple: inside "attached keys([...])", json: the "keys" array,
 * fields: consecutive "Key" lines).
 */
export function sortLeaseKeys(text: string): string {
  const sorted = (items: string[]) => [...items].sort();
  let out = text.replace(/attached keys\(\[([^\]]*)\]\)/g, (_m, list: string) =>
    `attached keys([${sorted(list === "" ? [] : list.split(" ")).join(" ")}])`,
  );
  out = out.replace(/"keys":\[([^\]]*)\]/g, (_m, list: string) => `"keys":[${sorted(list === "" ? [] : list.split(",")).join(",")}]`);
  return out.replace(/(?:^"Key" : .*\n)+/gm, (block) => sorted(block.slice(0, -1).split("\n")).join("\n") + "\n");
}

/**
 * Rule 8: when etcdctl itself panics (e.g. on a response without a header), the Go stack trace
 * keeps its function names and files but loses goroutine numbers, argument words, code offsets
 * and fault addresses, which vary from run to run.
 */
export function normalizeGoPanic(text: string): string {
  if (!/^panic: /m.test(text)) return text;
  return text
    .replace(/^goroutine \d+ \[/gm, "goroutine <N> [")
    .replace(/^([\w./*()-]+)\((?:0x[0-9a-f]+|\{|\.\.\.).*\)$/gm, "$1(...)")
    .replace(/^(\t\S+\.go:\d+)(?: \+0x[0-9a-f]+)?$/gm, "$1")
    .replace(/^(\[signal \w+: [^\]]*?) addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\]$/gm, "$1]");
}

function subcommand(args: string[]): string {
  return args.filter((a) => !a.startsWith("-")).slice(0, 2).join(" ");
}

export function normalize(input: NormalizeInput, ctx: SideContext): string {
  let text: string;
  if (input.format === "protobuf" && input.stream === "stdout") {
    text = protobufToText(input.data);
  } else {
    text = input.data.toString("utf8");
  }
  text = collapseTables(text);
  text = substituteValues(text, ctx);
  text = normalizeHeaderTerm(text);
  text = normalizeClientLogs(text);
  const sub = subcommand(input.args);
  if (sub === "endpoint status") text = normalizeEndpointStatus(text);
  if (sub === "endpoint health") text = normalizeHealthTook(text);
  if (sub === "lease timetolive" && input.args.includes("--keys")) text = sortLeaseKeys(text);
  if (input.stream === "stderr") text = normalizeGoPanic(text);
  return text;
}

const REMAINING_TTL = /remaining\((-?\d+)s\)|"ttl":(-?\d+)|^"TTL" : (-?\d+)$/gm;

/**
 * Rule 9 (a tolerance, applied when comparing): the remaining TTL that `lease timetolive`
 * prints is whole seconds left at the moment each server answers; the two servers answer a
 * few milliseconds apart, so the candidate's value may be one off the reference's. Returns the
 * candidate text with such values replaced by the reference's; anything else is left alone.
 */
export function reconcileRemainingTtl(args: string[], ref: string, cand: string): string {
  if (subcommand(args) !== "lease timetolive") return cand;
  const refValues = [...ref.matchAll(REMAINING_TTL)].map((m) => m[1] ?? m[2] ?? m[3]!);
  let i = 0;
  const out = cand.replace(REMAINING_TTL, (match, ...groups: unknown[]) => {
    const value = (groups.slice(0, 3).find((g) => g !== undefined) as string);
    const want = refValues[i++];
    if (want === undefined || Math.abs(Number(want) - Number(value)) > 1) return match;
    return match.replace(value, want);
  });
  return i === refValues.length ? out : cand;
}
