// Go's grpc as the client: the real etcdctl 3.4 (Debian etcd-client) against fake KV/Range and
// Watch/Watch methods that return hand-encoded etcd messages.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { GrpcServer, listenClientPort, type ClientPort } from './index.js';
import { pbBytes, pbString, pbVarint, varint } from './testutil.js';

const ETCDCTL = '/usr/bin/etcdctl';

// ResponseHeader{cluster_id=1, member_id=2, revision=3, raft_term=4}
const header = pbBytes(1, [...pbVarint(1, 1), ...pbVarint(2, 2), ...pbVarint(3, 3), ...pbVarint(4, 4)]);
// mvccpb.KeyValue{key=1, create_revision=2, mod_revision=3, version=4, value=5}
const keyValue = (k: string, v: string): number[] => [...pbString(1, k), ...pbVarint(2, 2), ...pbVarint(3, 3), ...pbVarint(4, 1), ...pbString(5, v)];

// 40 keys of 128 KiB: a 5 MiB RangeResponse through Go's flow control
const bigRange = Buffer.concat([
  Buffer.from(header),
  ...Array.from({ length: 40 }, (_, i) => {
    const kv = Buffer.concat([Buffer.from([...pbString(1, `big${i}`), ...pbVarint(2, 2), ...pbVarint(3, 3), ...pbVarint(4, 1), 0x2a, ...varint(128 * 1024)]), Buffer.alloc(128 * 1024, 97 + (i % 26))]);
    return Buffer.concat([Buffer.from([0x12, ...varint(kv.length)]), kv]);
  }),
  Buffer.from(pbVarint(4, 40)),
]);

function etcdctl(endpoint: string, args: string[], timeoutMs: number, extra: string[] = [], stdin?: string): Promise<{ out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(ETCDCTL, [`--endpoints=${endpoint}`, ...extra, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, ETCDCTL_API: '3' } }, (_e, out, err) =>
      resolve({ out, err }),
    );
    child.stdin!.end(stdin);
  });
}

describe('etcdctl (Go grpc client)', { skip: existsSync(ETCDCTL) ? false : 'etcdctl not installed' }, () => {
  const server = new GrpcServer({ maxReceiveMessageLength: 2 * 1024 * 1024 });
  let plain: ClientPort;
  let secure: ClientPort;
  let dir: string;
  const watchCancels: number[] = [];
  const tokens: string[] = [];

  const puts: number[] = [];
  server.unary('/etcdserverpb.KV/Range', (req, ctx) => {
    tokens.push(ctx.metadata.get('token') ?? '');
    // RangeRequest{key=1}: echo the requested key back with a fixed value
    const key = Buffer.from(req.subarray(2, 2 + req[1]!)).toString();
    if (key === 'big') return bigRange;
    return Buffer.from([...header, ...pbBytes(2, keyValue(key, 'bar')), ...pbVarint(4, 1)]);
  });
  server.unary('/etcdserverpb.KV/Put', (req) => {
    puts.push(req.length);
    return Buffer.from(header); // PutResponse{header}
  });
  server.stream('/etcdserverpb.Watch/Watch', (call) => {
    const timers: NodeJS.Timeout[] = [];
    call.onMessage(() => {
      // WatchResponse{header, watch_id=2, created=3}, then a PUT and a DELETE event (events=11)
      call.send(Buffer.from([...header, ...pbVarint(2, 0), ...pbVarint(3, 1)]));
      timers.push(
        setTimeout(() => {
          call.send(Buffer.from([...header, ...pbVarint(2, 0), ...pbBytes(11, [...pbVarint(1, 0), ...pbBytes(2, keyValue('foo', 'v1'))])]));
          call.send(Buffer.from([...header, ...pbVarint(2, 0), ...pbBytes(11, [...pbVarint(1, 1), ...pbBytes(2, keyValue('foo', ''))])]));
        }, 50),
        // after etcdctl's 2 s keepalive pings
        setTimeout(() => call.send(Buffer.from([...header, ...pbVarint(2, 0), ...pbBytes(11, [...pbVarint(1, 0), ...pbBytes(2, keyValue('foo', 'late'))])])), 4500),
      );
    });
    call.onCancel(() => {
      watchCancels.push(1);
      timers.forEach(clearTimeout);
    });
  });

  before(async () => {
    plain = await listenClientPort({ grpc: server, port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    secure = await listenClientPort({ grpc: server, port: 0, tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
  });
  after(async () => {
    await plain.close();
    await secure.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('get prints the key and value', async () => {
    const r = await etcdctl(`127.0.0.1:${plain.address.port}`, ['get', 'foo'], 10_000);
    assert.equal(r.out, 'foo\nbar\n', r.err);
    assert.equal(tokens[0], '');
  });

  it('the etcd3 npm client (grpc-js) reads the same response', async () => {
    const client = new Etcd3({ hosts: `http://127.0.0.1:${plain.address.port}` });
    try {
      assert.equal(await client.get('npmkey').string(), 'bar');
    } finally {
      client.close();
    }
  });

  it('get works over TLS with ALPN h2', async () => {
    const r = await etcdctl(`https://127.0.0.1:${secure.address.port}`, ['get', 'tlskey'], 10_000, [`--cacert=${join(dir, 'cert.pem')}`]);
    assert.equal(r.out, 'tlskey\nbar\n', r.err);
  });

  it('put sends a 1 MiB value; get reads a 5 MiB response', async () => {
    const value = 'v'.repeat(1024 * 1024);
    const p = await etcdctl(`127.0.0.1:${plain.address.port}`, ['put', 'k'], 10_000, [], value);
    assert.equal(p.out, 'OK\n', p.err);
    assert.ok(puts[0]! > 1024 * 1024);
    const g = await etcdctl(`127.0.0.1:${plain.address.port}`, ['get', 'big'], 10_000);
    const lines = g.out.split('\n');
    assert.equal(lines.filter((l) => /^big\d+$/.test(l)).length, 40, g.err);
    assert.equal(lines[1], 'a'.repeat(128 * 1024));
  });

  it('watch gets the created response and events across keepalive pings; its exit cancels the stream', async () => {
    const r = await etcdctl(`127.0.0.1:${plain.address.port}`, ['watch', 'foo'], 5500);
    assert.equal(r.out, 'PUT\nfoo\nv1\nDELETE\nfoo\n\nPUT\nfoo\nlate\n', r.err);
    for (let i = 0; i < 100 && watchCancels.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(watchCancels.length, 1);
  });
});
