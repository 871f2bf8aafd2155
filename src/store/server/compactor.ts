import { create } from "@bufbuild/protobuf";
import { CompactionRequestSchema, type CompactionRequest } from "../api/gen/rpc_pb.js";
import { StoreError } from "../errors.js";

/** What the compactor needs from the member. */
interface Compactable {
  readonly kv: { currentRev: number; compactMainRev: number };
  isLeader(): boolean;
  propose(kind: "compaction", req: CompactionRequest): Promise<unknown>;
}

/** Parses --auto-compaction-retention: a duration ("30m", "1h30m", "10s") or a number of hours. */
export function parseRetention(mode: "periodic" | "revision", s: string): number {
  if (mode === "revision") return Number.parseInt(s, 10) || 0;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 3600_000;
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s))) {
    const n = Number(m[1]);
    ms += n * ({ h: 3600_000, m: 60_000, s: 1000, ms: 1 } as const)[m[2] as "h" | "m" | "s" | "ms"];
    consumed += m[0].length;
  }
  if (consumed !== s.length) throw new Error(`invalid auto-compaction-retention ${JSON.stringify(s)}`);
  return ms;
}

/**
 * etcd's auto-compaction. periodic: keep `retention` of history, sampling the revision every
 * tenth of the compaction interval (the retention, at most an hour) and compacting to the
 * sample taken `retention` ago. revision: every 5 minutes compact to current - retention.
 */
export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private readonly retention: number;

  constructor(
    private readonly m: Compactable,
    private readonly mode: "periodic" | "revision",
    retention: string,
    private readonly revisionInterval = 5 * 60_000,
  ) {
    this.retention = parseRetention(mode, retention);
  }

  start(): void {
    if (this.retention <= 0) return;
    if (this.mode === "revision") {
      this.timer = setInterval(() => this.compactTo(this.m.kv.currentRev - this.retention), this.revisionInterval);
    } else {
      const interval = Math.min(this.retention, 3600_000);
      const step = interval / 10;
      const keep = Math.ceil(this.retention / step);
      const revs: number[] = [];
      let lastSuccess = Date.now();
      let wait = this.retention;
      this.timer = setInterval(() => {
        revs.push(this.m.kv.currentRev);
        if (revs.length > keep + 1) revs.shift();
        if (Date.now() - lastSuccess < wait) return;
        wait = interval;
        this.compactTo(revs[0]!).then((ok) => {
          if (ok) lastSuccess = Date.now();
        });
      }, step);
    }
    this.timer.unref();
  }

  private async compactTo(rev: number): Promise<boolean> {
    if (!this.m.isLeader() || rev <= 0 || rev <= this.m.kv.compactMainRev) return true;
    try {
      await this.m.propose("compaction", create(CompactionRequestSchema, { revision: BigInt(rev) }));
      return true;
    } catch (e) {
      return e instanceof StoreError && e.kind === "compacted";
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
