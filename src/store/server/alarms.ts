import { AlarmType } from "../api/gen/rpc_pb.js";
import type { Backend } from "../mvcc/backend.js";

export interface Alarm {
  memberId: bigint;
  alarm: AlarmType;
}

function alarmKey(a: Alarm): Buffer {
  const b = Buffer.alloc(12);
  b.writeBigUInt64BE(a.memberId, 0);
  b.writeInt32BE(a.alarm, 8);
  return b;
}

/** Active alarms (NOSPACE, CORRUPT), applied through the log and kept in the backend. */
export class AlarmStore {
  private active = new Map<string, Alarm>();

  constructor(private readonly backend: Backend) {
    backend.forEach("alarm", undefined, undefined, (k) => {
      const a = { memberId: k.readBigUInt64BE(0), alarm: k.readInt32BE(8) as AlarmType };
      this.active.set(k.toString("hex"), a);
    });
  }

  /** Returns the alarm if it was not active before. */
  activate(a: Alarm): Alarm | undefined {
    const k = alarmKey(a);
    if (this.active.has(k.toString("hex"))) return undefined;
    this.active.set(k.toString("hex"), a);
    this.backend.put("alarm", k, new Uint8Array(0));
    return a;
  }

  /** Returns the alarm if it was active. */
  deactivate(a: Alarm): Alarm | undefined {
    const k = alarmKey(a);
    const had = this.active.get(k.toString("hex"));
    if (!had) return undefined;
    this.active.delete(k.toString("hex"));
    this.backend.delete("alarm", k);
    return had;
  }

  /** Active alarms of one type (NONE = all). */
  get(type: AlarmType): Alarm[] {
    return [...this.active.values()].filter((a) => type === AlarmType.NONE || a.alarm === type);
  }

  has(type: AlarmType): boolean {
    return this.get(type).length > 0;
  }
}
