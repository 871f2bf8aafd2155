// Structured JSON log lines on stderr, shaped like etcd's (level, ts, msg, fields), so the
// same log tooling reads both.

type Fields = Record<string, unknown>;

function write(level: string, msg: string, fields: Fields): void {
  const line = JSON.stringify({ level, ts: new Date().toISOString(), caller: "kplane", msg, ...fields }, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v);
  process.stderr.write(line + "\n");
}

export const log = {
  info: (msg: string, fields: Fields = {}) => write("info", msg, fields),
  warn: (msg: string, fields: Fields = {}) => write("warn", msg, fields),
  error: (msg: string, fields: Fields = {}) => write("error", msg, fields),
};
export type Logger = typeof log;
