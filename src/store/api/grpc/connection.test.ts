// HTTP/2 edge cases, driven frame by frame through an in-memory socket, so that splits,
// windows and a client that never reads are deterministic.

import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { DEFAULT_WINDOW, Flag, FrameType, H2Error, PREFACE, Setting } from './frames.js';
import { encodeHeaders, HpackDecoder } from './hpack.js';
import { GrpcServer, type ServerCall, Status } from './index.js';

/** A socket whose peer is the test: feed() is what the client sends, frames() what it got. */
class FakeSocket extends Duplex {
  remoteAddress = '10.0.0.1';
  remotePort = 1234;
  private out: Buffer[] = [];
  reading = true;
  private held: Array<() => void> = [];
  ended = false;

  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.out.push(chunk);
    if (this.reading) cb();
    else this.held.push(() => cb());
  }
  override _final(cb: () => void): void {
    this.ended = true;
    cb();
  }
  feed(b: Buffer): void {
    this.push(b);
  }
  /** Output so far, consumed. */
  written(): Buffer {
    const b = Buffer.concat(this.out);
    this.out = [];
    return b;
  }
  resumeReading(): void {
    this.reading = true;
    for (const cb of this.held.splice(0)) cb();
  }
}

interface Frame {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}

function frame(type: number, flags: number, id: number, payload: Buffer | number[] = []): Buffer {
  const p = Buffer.from(payload);
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, p]);
}

function settings(pairs: Array<[number, number]> = []): Buffer {
  const p = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([k, v], i) => {
    p.writeUInt16BE(k, i * 6);
    p.writeUInt32BE(v, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, p);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

function grpcMsg(body: Buffer, compressed = false): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b[0] = compressed ? 1 : 0;
  b.writeUInt32BE(body.length, 1);
  body.copy(b, 5);
  return b;
}

function requestHeaders(path: string, extra: Array<[string, string]> = []): Buffer {
  return encodeHeaders([[':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', 'x'], ['content-type', 'application/grpc'], ['te', 'trailers'], ...extra]);
}

function parseFrames(b: Buffer): Frame[] {
  const out: Frame[] = [];
  let p = 0;
  while (p + 9 <= b.length) {
    const len = b.readUIntBE(p, 3);
    out.push({ type: b[p + 3]!, flags: b[p + 4]!, id: b.readUInt32BE(p + 5) & 0x7fffffff, payload: b.subarray(p + 9, p + 9 + len) });
    p += 9 + len;
  }
  assert.equal(p, b.length, 'output ends on a frame boundary');
  return out;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await tick();
}

function headersOf(f: Frame): Map<string, string> {
  const out: string[] = [];
  new HpackDecoder().decode(f.payload, 0, f.payload.length, out);
  const m = new Map<string, string>();
  for (let i = 0; i < out.length; i += 2) m.set(out[i]!, out[i + 1]!);
  return m;
}

function makeServer(): { server: GrpcServer; calls: ServerCall[]; cancels: string[] } {
  const server = new GrpcServer({ maxReceiveMessageLength: 1000, maxHeaderListSize: 4096 });
  const calls: ServerCall[] = [];
  const cancels: string[] = [];
  server.unary('/t.S/Echo', (req) => req);
  server.unary('/t.S/Slow', (_req, ctx) => {
    ctx.onCancel(() => cancels.push('slow'));
    return new Promise((r) => setTimeout(() => r(Buffer.from('late')), 30));
  });
  server.stream('/t.S/Stream', (call) => {
    calls.push(call);
    call.onMessage((m) => {
      const n = Buffer.from(m).toString();
      if (n.startsWith('send:')) call.send(Buffer.alloc(Number(n.slice(5)), 0x78));
      else call.send(m);
    });
    call.onHalfClose(() => call.end());
    call.onCancel(() => cancels.push('stream'));
  });
  return { server, calls, cancels };
}

/** A connected client: preface + SETTINGS sent, server output so far discarded. */
async function connect(server: GrpcServer, clientSettings: Array<[number, number]> = []): Promise<FakeSocket> {
  const s = new FakeSocket();
  server.handleConnection(s);
  s.feed(Buffer.concat([PREFACE, settings(clientSettings)]));
  await settle();
  const first = parseFrames(s.written());
  assert.equal(first[0]!.type, FrameType.SETTINGS);
  assert.ok(first.some((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK));
  return s;
}

function goawayCode(frames: Frame[]): number | undefined {
  const g = frames.find((f) => f.type === FrameType.GOAWAY);
  return g === undefined ? undefined : g.payload.readUInt32BE(4);
}

/** Splits a unary response into its parts. */
function response(frames: Frame[], id: number): { headers?: Map<string, string>; data: Buffer; trailers?: Map<string, string> } {
  const fs = frames.filter((f) => f.id === id);
  const hs = fs.filter((f) => f.type === FrameType.HEADERS);
  const data = Buffer.concat(fs.filter((f) => f.type === FrameType.DATA).map((f) => f.payload));
  if (hs.length === 1) return { data, trailers: headersOf(hs[0]!) };
  return { headers: hs[0] && headersOf(hs[0]), data, trailers: hs[1] && headersOf(hs[1]) };
}

describe('HTTP/2 connection', () => {
  it('sends its SETTINGS and a connection window, ACKs settings and pings', async () => {
    const { server } = makeServer();
    const s = new FakeSocket();
    server.handleConnection(s);
    s.feed(PREFACE);
    await settle();
    const f = parseFrames(s.written());
    assert.equal(f[0]!.type, FrameType.SETTINGS);
    const got = new Map<number, number>();
    for (let p = 0; p < f[0]!.payload.length; p += 6) got.set(f[0]!.payload.readUInt16BE(p), f[0]!.payload.readUInt32BE(p + 2));
    assert.equal(got.get(Setting.INITIAL_WINDOW_SIZE), 8 * 1024 * 1024);
    assert.equal(got.get(Setting.MAX_HEADER_LIST_SIZE), 4096);
    assert.equal(f[1]!.type, FrameType.WINDOW_UPDATE);
    assert.equal(f[1]!.payload.readUInt32BE(0), 32 * 1024 * 1024 - DEFAULT_WINDOW);
    s.feed(Buffer.concat([settings(), frame(FrameType.PING, 0, 0, Buffer.from('12345678'))]));
    await settle();
    const g = parseFrames(s.written());
    assert.deepEqual(
      g.map((x) => [x.type, x.flags]),
      [
        [FrameType.SETTINGS, Flag.ACK],
        [FrameType.PING, Flag.ACK],
      ],
    );
    assert.equal(g[1]!.payload.toString(), '12345678');
  });

  it('reads HEADERS+CONTINUATION, padded DATA and a message split over frames', async () => {
    const { server } = makeServer();
    const s = await connect(server);
    const hb = requestHeaders('/t.S/Echo', [['tag', 'x'.repeat(50)]]);
    const msg = grpcMsg(Buffer.from('hello world, split'));
    const padded = (p: Buffer, pad: number): Buffer => Buffer.concat([Buffer.from([pad]), p, Buffer.alloc(pad)]);
    s.feed(
      Buffer.concat([
        frame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 1, Buffer.concat([Buffer.from([3]), Buffer.alloc(5), hb.subarray(0, 10), Buffer.alloc(3)])),
        frame(FrameType.CONTINUATION, 0, 1, hb.subarray(10, 20)),
        frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, hb.subarray(20)),
        frame(FrameType.DATA, Flag.PADDED, 1, padded(msg.subarray(0, 3), 7)),
        frame(FrameType.DATA, 0, 1, msg.subarray(3, 9)),
        frame(FrameType.DATA, Flag.PADDED, 1, padded(msg.subarray(9), 0)),
        frame(FrameType.DATA, Flag.END_STREAM, 1),
      ]),
    );
    await settle();
    const r = response(parseFrames(s.written()), 1);
    assert.equal(r.headers!.get(':status'), '200');
    assert.equal(r.headers!.get('content-type'), 'application/grpc');
    assert.deepEqual(r.data, grpcMsg(Buffer.from('hello world, split')));
    assert.equal(r.trailers!.get('grpc-status'), '0');
  });

  it('parses a byte stream delivered one byte at a time', async () => {
    const { server } = makeServer();
    const s = new FakeSocket();
    server.handleConnection(s);
    const all = Buffer.concat([
      PREFACE,
      settings([[Setting.ENABLE_PUSH, 0]]),
      frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Echo')),
      frame(FrameType.DATA, Flag.END_STREAM, 1, grpcMsg(Buffer.from('one'))),
      frame(FrameType.HEADERS, Flag.END_HEADERS, 3, requestHeaders('/t.S/Echo')),
      frame(FrameType.DATA, 0, 3, grpcMsg(Buffer.from('two'))),
      frame(FrameType.DATA, Flag.END_STREAM, 3),
    ]);
    for (let i = 0; i < all.length; i++) s.feed(all.subarray(i, i + 1));
    await settle();
    const f = parseFrames(s.written());
    assert.deepEqual(response(f, 1).data, grpcMsg(Buffer.from('one')));
    assert.deepEqual(response(f, 3).data, grpcMsg(Buffer.from('two')));
    assert.equal(goawayCode(f), undefined);
  });

  it('delivers several messages from one DATA frame, and one message across many', async () => {
    const { server } = makeServer();
    const s = await connect(server);
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Stream')));
    s.feed(frame(FrameType.DATA, 0, 1, Buffer.concat([grpcMsg(Buffer.from('a')), grpcMsg(Buffer.from('bb')), grpcMsg(Buffer.alloc(0)), grpcMsg(Buffer.from('ccc')).subarray(0, 2)])));
    s.feed(frame(FrameType.DATA, 0, 1, grpcMsg(Buffer.from('ccc')).subarray(2, 4)));
    s.feed(frame(FrameType.DATA, Flag.END_STREAM, 1, grpcMsg(Buffer.from('ccc')).subarray(4)));
    await settle();
    const r = response(parseFrames(s.written()), 1);
    assert.deepEqual(r.data, Buffer.concat(['a', 'bb', '', 'ccc'].map((x) => grpcMsg(Buffer.from(x)))));
    assert.equal(r.trailers!.get('grpc-status'), '0');
  });

  it('respects the client stream and connection windows', async () => {
    const { server, calls } = makeServer();
    const s = await connect(server, [[Setting.INITIAL_WINDOW_SIZE, 100]]);
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Stream')));
    s.feed(frame(FrameType.DATA, 0, 1, grpcMsg(Buffer.from('send:995'))));
    await settle();
    let f = parseFrames(s.written()).filter((x) => x.type === FrameType.DATA);
    assert.equal(Buffer.concat(f.map((x) => x.payload)).length, 100);
    assert.equal(calls[0]!.bufferedBytes, 900);
    // blocked on the window, the server waits quietly (no flush loop)
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 100));
    const cpu = process.cpuUsage(cpu0);
    assert.ok(cpu.user + cpu.system < 50_000, `busy while blocked: ${cpu.user + cpu.system} µs`);
    // more stream window: the rest flows
    s.feed(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(10_000)));
    await settle();
    f = parseFrames(s.written()).filter((x) => x.type === FrameType.DATA);
    assert.equal(Buffer.concat(f.map((x) => x.payload)).length, 900);
    assert.equal(calls[0]!.bufferedBytes, 0);
    // connection window: 65535 - 1000 left; a 70 000-byte message stops at the window
    s.feed(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(1_000_000)));
    calls[0]!.send(Buffer.alloc(70_000));
    await settle();
    f = parseFrames(s.written()).filter((x) => x.type === FrameType.DATA);
    assert.equal(Buffer.concat(f.map((x) => x.payload)).length, DEFAULT_WINDOW - 1000);
    assert.ok(f.every((x) => x.payload.length <= 16384));
    // an INITIAL_WINDOW_SIZE change moves open streams' windows too (RFC 9113 6.9.2)
    s.feed(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(100_000)));
    await settle();
    f = parseFrames(s.written()).filter((x) => x.type === FrameType.DATA);
    assert.equal(Buffer.concat(f.map((x) => x.payload)).length, 70_005 - (DEFAULT_WINDOW - 1000));
  });

  it('keeps a slow reader in bufferedBytes, not in the socket, and stops reading its input', async () => {
    const { server, calls } = makeServer();
    const s = await connect(server, [[Setting.INITIAL_WINDOW_SIZE, 0x7fffffff]]);
    s.feed(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0x7fffffff - DEFAULT_WINDOW)));
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Stream')));
    await settle();
    s.written();
    s.reading = false;
    const call = calls[0]!;
    let drained = 0;
    call.onDrain(() => drained++);
    let accepted = true;
    for (let i = 0; i < 400; i++) accepted = call.send(Buffer.alloc(64 * 1024)) && accepted;
    assert.equal(accepted, false);
    await settle();
    assert.ok(call.bufferedBytes > 20 * 1024 * 1024, `buffered ${call.bufferedBytes}`);
    assert.ok(s.writableLength < 1024 * 1024, `socket holds ${s.writableLength}`);
    // pings keep coming while the client does not read: the server stops reading at some point
    for (let i = 0; i < 2000 && !s.isPaused(); i++) {
      s.feed(frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
      s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 3 + 2 * i, requestHeaders('/t.S/Echo')));
      s.feed(frame(FrameType.DATA, Flag.END_STREAM, 3 + 2 * i, grpcMsg(Buffer.alloc(900))));
      await tick();
    }
    // either paused, or everything pending fits the read-pause threshold
    assert.ok(s.isPaused() || s.writableLength <= 4 * 1024 * 1024 + 64 * 1024);
    s.resumeReading();
    for (let i = 0; i < 200 && call.bufferedBytes > 0; i++) {
      s.written();
      await settle();
    }
    assert.equal(call.bufferedBytes, 0);
    assert.ok(drained >= 1);
  });

  it('ACKs a flood of pings and never GOAWAYs for them', async () => {
    const { server } = makeServer();
    const s = await connect(server);
    const pings = Buffer.concat(Array.from({ length: 5000 }, (_, i) => frame(FrameType.PING, 0, 0, Buffer.concat([u32(0), u32(i)]))));
    s.feed(pings);
    await settle();
    const f = parseFrames(s.written());
    const acks = f.filter((x) => x.type === FrameType.PING && x.flags === Flag.ACK);
    assert.deepEqual(
      acks.map((x) => x.payload.readUInt32BE(4)),
      Array.from({ length: 5000 }, (_, i) => i),
    );
    assert.equal(goawayCode(f), undefined);
  });

  it('answers a client RST_STREAM by cancelling and dropping the late answer', async () => {
    const { server, cancels } = makeServer();
    const s = await connect(server);
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Slow')));
    s.feed(frame(FrameType.DATA, Flag.END_STREAM, 1, grpcMsg(Buffer.from('x'))));
    await settle();
    s.feed(frame(FrameType.RST_STREAM, 0, 1, u32(H2Error.CANCEL)));
    await settle();
    assert.deepEqual(cancels, ['slow']);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      parseFrames(s.written()).filter((f) => f.id === 1),
      [],
    );
  });

  it('refuses bad requests with gRPC statuses like grpc-go', async () => {
    const { server } = makeServer();
    const s = await connect(server);
    const ask = async (id: number, hb: Buffer, data?: Buffer): Promise<Map<string, string>> => {
      s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS | (data === undefined ? Flag.END_STREAM : 0), id, hb));
      if (data !== undefined) s.feed(frame(FrameType.DATA, Flag.END_STREAM, id, data));
      await settle();
      const r = response(parseFrames(s.written()), id);
      return r.trailers!;
    };
    let t = await ask(1, encodeHeaders([[':method', 'POST'], [':scheme', 'http'], [':path', '/t.S/Echo'], ['content-type', 'text/plain']]));
    assert.equal(t.get(':status'), '415');
    assert.equal(t.get('grpc-status'), String(Status.INVALID_ARGUMENT));
    t = await ask(3, requestHeaders('/t.S/Echo'), Buffer.concat([grpcMsg(Buffer.from('a')), grpcMsg(Buffer.from('b'))]));
    assert.equal(t.get('grpc-status'), String(Status.INTERNAL));
    t = await ask(5, requestHeaders('/t.S/Echo'));
    assert.equal(t.get('grpc-status'), String(Status.INTERNAL));
    t = await ask(7, requestHeaders('/t.S/Echo'), grpcMsg(Buffer.from('zz'), true));
    assert.equal(t.get('grpc-message'), 'grpc: compressed flag set with identity or empty encoding');
    t = await ask(9, requestHeaders('/t.S/Echo', [['grpc-encoding', 'snappy']]), grpcMsg(Buffer.from('zz')));
    assert.equal(t.get('grpc-status'), String(Status.UNIMPLEMENTED));
    assert.equal(t.get('grpc-message'), 'grpc: Decompressor is not installed for grpc-encoding "snappy"');
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 11, requestHeaders('/t.S/Echo', [['grpc-encoding', 'gzip']])));
    s.feed(frame(FrameType.DATA, Flag.END_STREAM, 11, grpcMsg(gzipSync(Buffer.from('unzipped')), true)));
    await settle();
    assert.deepEqual(response(parseFrames(s.written()), 11).data, grpcMsg(Buffer.from('unzipped')));
    t = await ask(13, requestHeaders('/t.S/Echo', [['grpc-encoding', 'gzip']]), grpcMsg(gzipSync(Buffer.alloc(5000)), true));
    assert.equal(t.get('grpc-status'), String(Status.RESOURCE_EXHAUSTED));
    // an oversized message is refused from its prefix, before the body arrives; RST tells the client to stop
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 15, requestHeaders('/t.S/Echo')));
    s.feed(frame(FrameType.DATA, 0, 15, grpcMsg(Buffer.alloc(2000)).subarray(0, 10)));
    await settle();
    const f = parseFrames(s.written());
    assert.equal(response(f, 15).trailers!.get('grpc-message'), 'grpc: received message larger than max (2000 vs. 1000)');
    const rst = f.find((x) => x.type === FrameType.RST_STREAM && x.id === 15);
    assert.equal(rst?.payload.readUInt32BE(0), H2Error.NO_ERROR);
    // the rest of that message is ignored, and the connection keeps working
    s.feed(frame(FrameType.DATA, Flag.END_STREAM, 15, Buffer.alloc(1995)));
    t = await ask(17, requestHeaders('/t.S/Echo'), grpcMsg(Buffer.from('ok')));
    assert.equal(t.get('grpc-status'), '0');
  });

  it('resets a stream whose header list is too large, and keeps HPACK in step', async () => {
    const { server } = makeServer();
    const s = await connect(server);
    const big = encodeHeaders([[':method', 'POST'], [':path', '/t.S/Echo'], ['content-type', 'application/grpc'], ['x-big', 'y'.repeat(5000)]]);
    s.feed(frame(FrameType.HEADERS, 0, 1, big.subarray(0, 3000)));
    s.feed(frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, big.subarray(3000)));
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 3, requestHeaders('/t.S/Echo')));
    s.feed(frame(FrameType.DATA, Flag.END_STREAM, 3, grpcMsg(Buffer.from('fine'))));
    await settle();
    const f = parseFrames(s.written());
    const rst = f.find((x) => x.type === FrameType.RST_STREAM && x.id === 1);
    assert.equal(rst?.payload.readUInt32BE(0), H2Error.FRAME_SIZE_ERROR);
    assert.deepEqual(response(f, 3).data, grpcMsg(Buffer.from('fine')));
  });

  const violations: Array<[string, Buffer, number]> = [
    ['DATA on stream 0', frame(FrameType.DATA, 0, 0, [1]), H2Error.PROTOCOL_ERROR],
    ['a frame over MAX_FRAME_SIZE', Buffer.concat([frame(FrameType.DATA, 0, 1, []).subarray(0, 9)]).fill(0xff, 0, 3), H2Error.FRAME_SIZE_ERROR],
    ['HEADERS on an even stream', frame(FrameType.HEADERS, Flag.END_HEADERS, 2, requestHeaders('/t.S/Echo')), H2Error.PROTOCOL_ERROR],
    ['CONTINUATION without HEADERS', frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, [0x82]), H2Error.PROTOCOL_ERROR],
    ['a PING inside a header block', Buffer.concat([frame(FrameType.HEADERS, 0, 1, [0x83]), frame(FrameType.PING, 0, 0, Buffer.alloc(8))]), H2Error.PROTOCOL_ERROR],
    ['an HPACK index 0', frame(FrameType.HEADERS, Flag.END_HEADERS, 1, [0x80]), H2Error.COMPRESSION_ERROR],
    ['a zero connection WINDOW_UPDATE', frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0)), H2Error.PROTOCOL_ERROR],
    ['a connection window overflow', frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0x7fffffff)), H2Error.FLOW_CONTROL_ERROR],
    ['SETTINGS of 5 bytes', frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)), H2Error.FRAME_SIZE_ERROR],
    ['a short PING', frame(FrameType.PING, 0, 0, Buffer.alloc(7)), H2Error.FRAME_SIZE_ERROR],
    ['PUSH_PROMISE', frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.alloc(4)), H2Error.PROTOCOL_ERROR],
    ['DATA on an idle stream', frame(FrameType.DATA, 0, 99, [1]), H2Error.PROTOCOL_ERROR],
    ['bad padding', frame(FrameType.DATA, Flag.PADDED, 1, [5, 1]), H2Error.PROTOCOL_ERROR],
    ['ENABLE_PUSH=2', settings([[Setting.ENABLE_PUSH, 2]]), H2Error.PROTOCOL_ERROR],
    ['MAX_FRAME_SIZE too small', settings([[Setting.MAX_FRAME_SIZE, 100]]), H2Error.PROTOCOL_ERROR],
  ];
  for (const [name, bytes, code] of violations) {
    it(`GOAWAYs on ${name}`, async () => {
      const { server } = makeServer();
      const s = await connect(server);
      s.feed(bytes);
      await settle();
      const f = parseFrames(s.written().subarray(0));
      assert.equal(goawayCode(f), code);
      assert.equal(s.ended, true);
    });
  }

  it('GOAWAYs when the first frame is not SETTINGS, or on a CONTINUATION flood', async () => {
    const { server } = makeServer();
    const s = new FakeSocket();
    server.handleConnection(s);
    s.feed(Buffer.concat([PREFACE, frame(FrameType.PING, 0, 0, Buffer.alloc(8))]));
    await settle();
    assert.equal(goawayCode(parseFrames(s.written())), H2Error.PROTOCOL_ERROR);

    const s2 = await connect(server);
    s2.feed(frame(FrameType.HEADERS, 0, 1, [0x83]));
    for (let i = 0; i < 200; i++) s2.feed(frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(16384, 0x82)));
    await settle();
    assert.equal(goawayCode(parseFrames(s2.written())), H2Error.ENHANCE_YOUR_CALM);
  });

  it('survives random garbage and mutated streams without throwing', async () => {
    const { server } = makeServer();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const valid = Buffer.concat([
      PREFACE,
      settings([[Setting.INITIAL_WINDOW_SIZE, 1000]]),
      frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Stream')),
      frame(FrameType.DATA, 0, 1, grpcMsg(Buffer.from('send:3000'))),
      frame(FrameType.WINDOW_UPDATE, 0, 1, u32(5000)),
      frame(FrameType.HEADERS, Flag.END_HEADERS, 3, requestHeaders('/t.S/Echo')),
      frame(FrameType.DATA, Flag.END_STREAM, 3, grpcMsg(Buffer.from('x'))),
      frame(FrameType.RST_STREAM, 0, 1, u32(8)),
      frame(FrameType.PING, 0, 0, Buffer.alloc(8)),
    ]);
    for (let round = 0; round < 300; round++) {
      const s = new FakeSocket();
      server.handleConnection(s);
      let input: Buffer;
      if (round % 3 === 0) input = Buffer.from(Array.from({ length: rnd(500) }, () => rnd(256)));
      else {
        input = Buffer.from(valid);
        for (let k = 0; k < 1 + rnd(4); k++) input[PREFACE.length + rnd(input.length - PREFACE.length)] = rnd(256);
        if (round % 3 === 2) input = Buffer.concat([PREFACE, settings(), Buffer.from(Array.from({ length: rnd(300) }, () => rnd(256)))]);
      }
      let p = 0;
      while (p < input.length) {
        const n = 1 + rnd(40);
        s.feed(input.subarray(p, p + n));
        p += n;
      }
      await tick();
      s.written();
      s.destroy();
    }
    await settle();
    assert.equal(server.connectionCount, 0);
  });

  it('server close: GOAWAY NO_ERROR, streams end UNAVAILABLE, unary calls in flight finish', async () => {
    const { server, cancels } = makeServer();
    const s = await connect(server);
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders('/t.S/Stream')));
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 3, requestHeaders('/t.S/Slow')));
    s.feed(frame(FrameType.DATA, Flag.END_STREAM, 3, grpcMsg(Buffer.from('x'))));
    await settle();
    const closed = server.close(500);
    s.on('finish', () => s.destroy());
    await settle();
    // a stream opened after the GOAWAY is not served
    s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, 5, requestHeaders('/t.S/Echo')));
    await closed;
    const f = parseFrames(s.written());
    assert.equal(goawayCode(f), H2Error.NO_ERROR);
    assert.equal(f.find((x) => x.type === FrameType.GOAWAY)!.payload.readUInt32BE(0), 3);
    assert.deepEqual(cancels, ['stream']);
    assert.equal(response(f, 1).trailers!.get('grpc-status'), String(Status.UNAVAILABLE));
    assert.deepEqual(response(f, 3).data, grpcMsg(Buffer.from('late')));
    assert.equal(f.filter((x) => x.id === 5).length, 0);
  });

  it('caps bytes of half-received messages per connection', async () => {
    const server = new GrpcServer({ maxReceiveMessageLength: 4 * 1024 * 1024 });
    server.unary('/t.S/Echo', (req) => req);
    const s = await connect(server);
    // announced sizes cost nothing: only bytes that arrived count
    for (let id = 1; id < 2001; id += 2) {
      s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, id, requestHeaders('/t.S/Echo')));
      s.feed(frame(FrameType.DATA, 0, id, grpcMsg(Buffer.alloc(4 * 1024 * 1024)).subarray(0, 6)));
    }
    await settle();
    assert.equal(goawayCode(parseFrames(s.written())), undefined);
    // 70 MiB of real partial data is too much
    for (let id = 2001, sent = 0; sent < 70 * 1024 * 1024; id += 2) {
      s.feed(frame(FrameType.HEADERS, Flag.END_HEADERS, id, requestHeaders('/t.S/Echo')));
      s.feed(frame(FrameType.DATA, 0, id, grpcMsg(Buffer.alloc(4 * 1024 * 1024)).subarray(0, 16384)));
      for (let k = 0; k < 127; k++) s.feed(frame(FrameType.DATA, 0, id, Buffer.alloc(16384)));
      sent += 128 * 16384;
      if (s.ended) break;
    }
    await settle();
    assert.equal(goawayCode(parseFrames(s.written())), H2Error.ENHANCE_YOUR_CALM);
  });
});
