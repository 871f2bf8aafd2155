// Server CPU per unary call under h2load (Debian nghttp2-client). Not a test.
//   node --import tsx src/store/api/grpc/bench.ts [--tls] [seconds] [c x m ...]
// e.g. "1x64 4x64 1x256". The server runs in this process; h2load is a separate process, so
// this process's CPU time (process.cpuUsage) divided by completed calls is the server's cost.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcServer, listenClientPort } from './index.js';

const argv = process.argv.slice(2);
const useTls = argv[0] === '--tls';
if (useTls) argv.shift();
const seconds = Number(argv[0] ?? 5);
const shapes = (argv.length > 1 ? argv.slice(1) : ['1x1', '1x16', '1x64', '1x256', '4x64']).map((s) => s.split('x').map(Number) as [number, number]);

// a 34 B key + 64 B value request, and a RangeResponse-sized answer
const reqMsg = Buffer.alloc(110, 0x61);
const body = Buffer.alloc(5 + reqMsg.length);
body.writeUInt32BE(reqMsg.length, 1);
reqMsg.copy(body, 5);
const bodyFile = join(tmpdir(), `grpc-bench-${process.pid}.bin`);
writeFileSync(bodyFile, body);
const response = Buffer.alloc(140, 0x62);

const server = new GrpcServer({ maxReceiveMessageLength: 2 * 1024 * 1024 });
let calls = 0;
server.unary('/etcdserverpb.KV/Put', () => {
  calls++;
  return response;
});
let tlsOpts: { key: Buffer; cert: Buffer } | undefined;
if (useTls) {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  tlsOpts = { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  rmSync(dir, { recursive: true });
}
const port = await listenClientPort({ grpc: server, port: 0, tls: tlsOpts });
const url = `${useTls ? 'https' : 'http'}://127.0.0.1:${port.address.port}/etcdserverpb.KV/Put`;

function h2load(c: number, m: number, secs: number): Promise<string> {
  const args = ['-c', String(c), '-m', String(m), '-D', String(secs), '-d', bodyFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', url];
  return new Promise((resolve, reject) => execFile('h2load', args, { timeout: (secs + 20) * 1000 }, (e, out) => (e ? reject(e) : resolve(out))));
}

console.log(`node ${process.version}, ${useTls ? 'TLS' : 'h2c'}, ${seconds} s per run`);
console.log('conns x streams | req/s    | server CPU µs/call | CPU use | mean latency');
for (const [c, m] of shapes) {
  await h2load(c, m, 1); // warm-up
  const t0 = process.hrtime.bigint();
  const u0 = process.cpuUsage();
  const calls0 = calls;
  const out = await h2load(c, m, seconds);
  const u = process.cpuUsage(u0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // h2load -D reports odd rates; count the calls the server answered instead
  const done = calls - calls0;
  const rps = done / wall;
  const mean = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? '?';
  const cpu = u.user + u.system;
  console.log(
    `${`${c} x ${m}`.padEnd(15)} | ${rps.toFixed(0).padStart(8)} | ${(cpu / Math.max(done, 1)).toFixed(1).padStart(18)} | ${((cpu / 1e6 / wall) * 100).toFixed(0).padStart(6)}% | ${mean}`,
  );
  if (/errored|failed/.test(out) && !/0 failed, 0 errored/.test(out)) console.log(out);
}
await port.close();
