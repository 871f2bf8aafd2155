// Server CPU per pushed message on watch-like server streams. Not a test.
//   node --import tsx src/store/api/grpc/bench-push.ts [messages per stream] [streams]
// The server pushes N 256-byte messages per stream, honouring send()/onDrain back-pressure.
// The client is a child process on a raw socket that only walks frame headers and returns
// window credit, so nearly all CPU it costs is its own.

import { fork } from 'node:child_process';
import net from 'node:net';
import { Flag, FrameType, PREFACE, Setting } from './frames.js';
import { encodeHeaders } from './hpack.js';
import { GrpcServer, listenClientPort } from './index.js';

function frame(type: number, flags: number, id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, payload]);
}

async function client(port: number, streams: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  const settings = Buffer.alloc(6);
  settings.writeUInt16BE(Setting.INITIAL_WINDOW_SIZE, 0);
  settings.writeUInt32BE(1 << 20, 2); // 1 MiB per stream: back-pressure is exercised
  const winUp = (id: number, n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return frame(FrameType.WINDOW_UPDATE, 0, id, b);
  };
  const out = [PREFACE, frame(FrameType.SETTINGS, 0, 0, settings), winUp(0, (1 << 30) - 65535)];
  const hb = encodeHeaders([[':method', 'POST'], [':scheme', 'http'], [':path', '/bench.P/Push'], [':authority', 'x'], ['content-type', 'application/grpc']]);
  for (let i = 0; i < streams; i++) {
    out.push(frame(FrameType.HEADERS, Flag.END_HEADERS, 1 + 2 * i, hb));
    out.push(frame(FrameType.DATA, Flag.END_STREAM, 1 + 2 * i, Buffer.from([0, 0, 0, 0, 0])));
  }
  sock.write(Buffer.concat(out));
  let left = streams;
  let rest: Buffer | null = null;
  let connCredit = 0;
  const streamCredit = new Map<number, number>();
  sock.on('data', (d: Buffer) => {
    let b = rest === null ? d : Buffer.concat([rest, d]);
    let p = 0;
    const acks: Buffer[] = [];
    while (b.length - p >= 9) {
      const len = b.readUIntBE(p, 3);
      if (b.length - p - 9 < len) break;
      const type = b[p + 3]!;
      const id = b.readUInt32BE(p + 5);
      if (type === FrameType.DATA) {
        connCredit += len;
        const c = (streamCredit.get(id) ?? 0) + len;
        if (c >= 1 << 19) {
          acks.push(winUp(id, c));
          streamCredit.set(id, 0);
        } else streamCredit.set(id, c);
      } else if (type === FrameType.HEADERS && b[p + 4]! & Flag.END_STREAM) left--;
      else if (type === FrameType.SETTINGS && !(b[p + 4]! & Flag.ACK)) acks.push(frame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(0)));
      p += 9 + len;
    }
    if (connCredit >= 1 << 28) {
      acks.push(winUp(0, connCredit));
      connCredit = 0;
    }
    if (acks.length > 0) sock.write(Buffer.concat(acks));
    rest = p === b.length ? null : b.subarray(p);
    if (left === 0) {
      sock.end();
      process.exit(0);
    }
  });
}

if (process.env.PUSH_CLIENT !== undefined) {
  const [port, streams] = process.env.PUSH_CLIENT.split(',').map(Number);
  await client(port!, streams!);
} else {
  const perStream = Number(process.argv[2] ?? 200_000);
  const streams = Number(process.argv[3] ?? 1);
  const server = new GrpcServer({ maxReceiveMessageLength: 1 << 20 });
  const msg = Buffer.alloc(256, 0x77);
  server.stream('/bench.P/Push', (call) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < perStream) {
        sent++;
        if (!call.send(msg)) return; // resumes on drain
      }
      call.end();
    };
    call.onDrain(pump);
    call.onHalfClose(pump);
  });
  const port = await listenClientPort({ grpc: server, port: 0 });
  for (const n of [1, streams]) {
    const t0 = process.hrtime.bigint();
    const u0 = process.cpuUsage();
    const child = fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, PUSH_CLIENT: `${port.address.port},${n}` }, execArgv: ['--import', 'tsx'] });
    await new Promise((r) => child.on('exit', r));
    const u = process.cpuUsage(u0);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const total = perStream * n;
    console.log(`${n} stream(s): ${(total / wall).toFixed(0)} msg/s (incl. client start-up), server CPU ${((u.user + u.system) / total).toFixed(2)} µs/msg`);
    if (n === streams) break;
  }
  await port.close();
}
