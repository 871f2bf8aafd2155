// Talking to a client port below gRPC: raw TCP bytes, hand-made HTTP/2 requests (node:http2),
// and gRPC message framing, for the fuzz test.
import http2 from "node:http2";
import net from "node:net";

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A gRPC length-prefixed message (flag 0 = uncompressed); `declared` overrides the length. */
export function grpcFrame(msg: Uint8Array, flag = 0, declared?: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = flag;
  b.writeUInt32BE(declared ?? msg.length, 1);
  return Buffer.concat([b, msg]);
}

/** An HTTP/2 frame. */
export function h2Frame(type: number, flags: number, stream: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream >>> 0, 5);
  return Buffer.concat([h, payload]);
}

export interface RawResult {
  /** The server closed (or reset) the connection before we gave up waiting. */
  closed: boolean;
  received: Buffer;
}

/**
 * Connects, writes each chunk (pausing `gapMs` between them), then waits up to `waitMs` for the
 * server to close; then closes. Never throws on connection errors (they are results here).
 */
export function rawExchange(addr: string, chunks: Buffer[], opts: { waitMs?: number; gapMs?: number; endAfterWrite?: boolean } = {}): Promise<RawResult> {
  const [host, port] = splitAddr(addr);
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let settled = false;
    const sock = net.connect({ host, port });
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ closed, received: Buffer.concat(parts) });
    };
    let timer: NodeJS.Timeout | undefined;
    sock.on("data", (d: Buffer) => parts.push(d));
    sock.on("error", () => finish(true));
    sock.on("close", () => finish(true));
    sock.on("connect", async () => {
      for (const c of chunks) {
        if (sock.destroyed) break;
        sock.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      if (opts.endAfterWrite) sock.end();
      timer = setTimeout(() => finish(false), opts.waitMs ?? 500);
    });
  });
}

export interface H2Result {
  status?: number;
  headers: Record<string, string>;
  trailers: Record<string, string>;
  data: Buffer;
  error?: string;
}

/**
 * One HTTP/2 request: `headers` as given (plus :scheme/:authority), the body chunks, END_STREAM
 * unless `noEnd`; with `cancelAfterMs` the stream is reset (CANCEL) that long after the body.
 */
export function h2Request(
  addr: string,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer[],
  opts: { noEnd?: boolean; cancelAfterMs?: number; timeoutMs?: number } = {},
): Promise<H2Result> {
  return new Promise((resolve) => {
    const out: H2Result = { headers: {}, trailers: {}, data: Buffer.alloc(0) };
    const parts: Buffer[] = [];
    let settled = false;
    const session = http2.connect(`http://${addr}`);
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) out.error = error;
      out.data = Buffer.concat(parts);
      session.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish("timeout"), opts.timeoutMs ?? 5000);
    session.on("error", (e) => finish(`session: ${e.message}`));
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(headers, { endStream: false });
    } catch (e) {
      finish(`request: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    req.on("response", (h) => {
      out.status = Number(h[":status"]);
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(":")) out.headers[k] = String(v);
    });
    req.on("trailers", (h) => {
      for (const [k, v] of Object.entries(h)) out.trailers[k] = String(v);
    });
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("error", (e) => finish(`stream: ${e.message}`));
    req.on("close", () => finish(req.rstCode && req.rstCode !== 0 ? `reset ${req.rstCode}` : undefined));
    for (const b of body) req.write(b);
    if (opts.cancelAfterMs !== undefined) {
      setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), opts.cancelAfterMs);
    } else if (!opts.noEnd) req.end();
  });
}

/** The gRPC status of an HTTP/2 result (trailers, or headers for trailers-only answers). */
export function grpcStatusOf(r: H2Result): { code: number | undefined; message: string } {
  const s = r.trailers["grpc-status"] ?? r.headers["grpc-status"];
  const m = r.trailers["grpc-message"] ?? r.headers["grpc-message"] ?? "";
  return { code: s === undefined ? undefined : Number(s), message: decodeURIComponentSafe(m) };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(":");
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}
