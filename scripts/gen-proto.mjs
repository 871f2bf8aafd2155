// Generates the etcd v3 wire types (src/store/api/gen/*_pb.ts) with protoc + protoc-gen-es.
//
// The wire contract comes from the .proto files the `etcd3` npm package ships (a devDependency).
// They are a rewritten copy of etcd's: enum values were renamed to UpperCamelCase (harmless on the
// wire, wrong for the JSON gateway, which prints enum names), options reference google.api without
// importing it, and imports are relative. This script restores etcd's names, drops comments and
// options, and adds the fields etcd 3.5/3.6 added that etcd3's copy lacks. Only the generated code
// is committed. Run: node scripts/gen-proto.mjs   (needs Debian's protobuf-compiler for `protoc`)
import { readFileSync, writeFileSync, mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "node_modules/etcd3/proto");
const out = join(root, "src/store/api/gen");

// Fields that newer etcd releases added (name, type, number), keyed by message.
const added = {
  HashKVResponse: ["int64 hash_revision = 4;"],
  SnapshotResponse: ["string version = 4;"],
  StatusResponse: ["string storageVersion = 11;", "int64 dbSizeQuota = 12;"],
  AuthUserAddRequest: ["string hashedPassword = 4;"],
  AuthUserChangePasswordRequest: ["string hashedPassword = 3;"],
};

const upperSnake = (s) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

// Removes `option (google.api.http) = { ... };` blocks, which may nest braces.
function stripHttpOptions(t) {
  const marker = /option\s*\(google\.api\.http\)\s*=\s*\{/g;
  let result = "", last = 0, m;
  while ((m = marker.exec(t))) {
    let depth = 1, i = m.index + m[0].length;
    while (depth > 0) depth += t[i] === "{" ? 1 : t[i] === "}" ? -1 : 0, i++;
    if (t[i] === ";") i++;
    result += t.slice(last, m.index);
    last = marker.lastIndex = i;
  }
  return result + t.slice(last);
}

function sanitize(text) {
  let t = text.replace(/\/\/[^\n]*/g, "");
  t = stripHttpOptions(t);
  t = t.replace(/import\s+"\.\/([^"]+)"/g, 'import "$1"');
  t = t.replace(/enum\s+(\w+)\s*\{([^}]*)\}/g, (_m, name, body) =>
    `enum ${name} {${body.replace(/(\w+)(\s*=\s*\d+\s*;)/g, (_x, v, rest) => upperSnake(v) + rest)}}`);
  for (const [msg, fields] of Object.entries(added)) {
    const re = new RegExp(`(message\\s+${msg}\\s*\\{)`);
    if (!re.test(t)) continue;
    t = t.replace(re, `$1\n  ${fields.join("\n  ")}`);
  }
  return t.replace(/\n\s*\n+/g, "\n");
}

const tmp = mkdtempSync(join(tmpdir(), "kplane-proto-"));
try {
  for (const f of ["kv.proto", "auth.proto", "rpc.proto"]) {
    writeFileSync(join(tmp, f), sanitize(readFileSync(join(src, f), "utf8")));
  }
  mkdirSync(out, { recursive: true });
  execFileSync("protoc", [
    `--plugin=protoc-gen-es=${join(root, "node_modules/.bin/protoc-gen-es")}`,
    `--es_out=${out}`,
    "--es_opt=target=ts,import_extension=js",
    `-I${tmp}`, "kv.proto", "auth.proto", "rpc.proto",
  ], { stdio: "inherit" });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
