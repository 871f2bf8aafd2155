// A lean HTTP/1.1-over-TLS client for the API server benchmark: keep-alive connections that send
// pre-built request bytes and parse only what they must (status, Content-Length, chunked framing),
// so that the load generator costs little CPU next to the server on the same two cores.
import { connect } from "node:tls";

/** The request bytes for one call; build them before the clock starts. */
export function rawRequest(method, path, host, body, contentType = "application/json", accept = "application/json") {
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: ${accept}\r\nUser-Agent: kplane-bench\r\n` +
    (body ? `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : "") + "\r\n";
  return body ? Buffer.concat([Buffer.from(head), Buffer.from(body)]) : Buffer.from(head);
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** Parses the head of a response; returns undefined until all of it is in `buf`. */
function parseHead(buf) {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return undefined;
  const head = buf.toString("latin1", 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
  return { status, length: m ? Number(m[1]) : chunked ? -1 : 0, bodyStart: end + 4 };
}

/**
 * Decodes chunked framing incrementally; calls onData(buf) per piece of payload and onEnd() at
 * the zero-length chunk. Returns a function that takes the next bytes from the socket.
 */
function chunkedDecoder(onData, onEnd) {
  let pending = Buffer.alloc(0);
  let remaining = 0; // payload bytes left in the current chunk
  let skip = 0; // CRLF after a chunk's payload
  let done = false;
  return (data) => {
    let buf = pending.length ? Buffer.concat([pending, data]) : data;
    pending = Buffer.alloc(0);
    let i = 0;
    while (i < buf.length && !done) {
      if (skip) {
        const n = Math.min(skip, buf.length - i);
        skip -= n;
        i += n;
        continue;
      }
      if (remaining) {
        const n = Math.min(remaining, buf.length - i);
        onData(buf.subarray(i, i + n));
        remaining -= n;
        i += n;
        if (!remaining) skip = 2;
        continue;
      }
      const eol = buf.indexOf("\r\n", i, "latin1");
      if (eol < 0) {
        pending = Buffer.from(buf.subarray(i));
        return;
      }
      const size = parseInt(buf.toString("latin1", i, eol), 16);
      i = eol + 2;
      if (size === 0) {
        done = true;
        onEnd();
        return;
      }
      remaining = size;
    }
  };
}

/**
 * One keep-alive connection with at most one request in flight. `send(bytes, keepBody)` resolves
 * to { status, bytes, body? } once the whole response is in.
 */
export class Conn {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.cur = undefined;
    sock.on("data", (d) => this.onData(d));
    sock.on("error", (e) => this.fail(e));
    sock.on("close", () => this.fail(new Error("connection closed")));
  }

  static open(target) {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: target.host, port: target.port, ca: target.ca, cert: target.cert, key: target.key });
      sock.setNoDelay(true);
      sock.once("secureConnect", () => resolve(new Conn(sock)));
      sock.once("error", reject);
    });
  }

  send(bytes, keepBody = false) {
    return new Promise((resolve, reject) => {
      this.cur = { resolve, reject, head: undefined, got: 0, keepBody, parts: [], decode: undefined };
      this.sock.write(bytes);
    });
  }

  onData(d) {
    const c = this.cur;
    if (!c) return;
    if (!c.head) {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      const head = parseHead(this.buf);
      if (!head) return;
      c.head = head;
      d = this.buf.subarray(head.bodyStart);
      this.buf = Buffer.alloc(0);
      if (head.length < 0) {
        c.decode = chunkedDecoder((p) => {
          c.got += p.length;
          if (c.keepBody) c.parts.push(Buffer.from(p));
        }, () => this.finish());
      }
    }
    if (c.decode) return c.decode(d);
    c.got += d.length;
    if (c.keepBody) c.parts.push(d);
    if (c.got >= c.head.length) this.finish();
  }

  finish() {
    const c = this.cur;
    this.cur = undefined;
    c.resolve({ status: c.head.status, bytes: c.got, ...(c.keepBody ? { body: Buffer.concat(c.parts) } : {}) });
  }

  fail(e) {
    const c = this.cur;
    this.cur = undefined;
    if (c) c.reject(e);
  }

  close() {
    this.sock.removeAllListeners("close");
    this.sock.destroy();
  }
}

/**
 * A watch stream: sends the GET, waits for the 200 head, then calls onLine(buffer) for each
 * newline-terminated event. `opened` resolves at the head; `ended` when the server ends it.
 */
export function openWatch(target, path, onLine) {
  const sock = connect({ host: target.host, port: target.port, ca: target.ca, cert: target.cert, key: target.key });
  sock.setNoDelay(true);
  let head;
  let buf = Buffer.alloc(0);
  let line = [];
  let endResolve;
  const ended = new Promise((r) => (endResolve = r));
  const lines = (p) => {
    let i = 0;
    for (;;) {
      const nl = p.indexOf(10, i);
      if (nl < 0) break;
      const piece = p.subarray(i, nl);
      if (line.length) {
        line.push(piece);
        onLine(Buffer.concat(line));
        line = [];
      } else onLine(piece);
      i = nl + 1;
    }
    if (i < p.length) line.push(Buffer.from(p.subarray(i)));
  };
  const decode = chunkedDecoder(lines, () => endResolve());
  const opened = new Promise((resolve, reject) => {
    sock.once("secureConnect", () => sock.write(rawRequest("GET", path, `${target.host}:${target.port}`)));
    sock.on("error", (e) => {
      reject(e);
      endResolve();
    });
    sock.on("close", () => endResolve());
    sock.on("data", (d) => {
      if (head) return decode(d);
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      head = parseHead(buf);
      if (!head) return;
      if (head.status !== 200) reject(new Error(`watch ${path}: HTTP ${head.status}`));
      else resolve();
      decode(buf.subarray(head.bodyStart));
      buf = Buffer.alloc(0);
    });
  });
  return { opened, ended, close: () => sock.destroy() };
}

/** Percentiles of latencies in ms (sorted copy). */
export function summarize(lat) {
  if (!lat.length) return { n: 0 };
  const s = Float64Array.from(lat).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  let sum = 0;
  for (const v of s) sum += v;
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1], mean: sum / s.length };
}
