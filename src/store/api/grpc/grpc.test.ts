// Round trips with @grpc/grpc-js as the client.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GrpcError, GrpcServer, listenClientPort, type ClientPort, type ServerCall, Status } from './index.js';
import { client, ident, unary } from './testutil.js';

describe('grpc server with a grpc-js client', () => {
  const server = new GrpcServer({ maxReceiveMessageLength: 2 * 1024 * 1024 });
  let port: ClientPort;
  let c: grpc.Client;
  const cancelled: string[] = [];
  let lastCall: ServerCall | null = null;

  server.unary('/test.Echo/Unary', (req, ctx) => {
    const tag = ctx.metadata.get('tag') ?? '';
    return Buffer.concat([Buffer.from(tag), Buffer.from(req)]);
  });
  server.unary('/test.Echo/Peer', (_req, ctx) => Buffer.from(ctx.peer));
  server.unary('/test.Echo/Async', async (req) => {
    await new Promise((r) => setTimeout(r, 5));
    return Buffer.from(req).reverse();
  });
  server.unary('/test.Echo/Fail', () => {
    throw new GrpcError(Status.FAILED_PRECONDITION, 'etcdserver: über 100% wrong\nline');
  });
  server.unary('/test.Echo/Throw', () => {
    throw new Error('plain error');
  });
  server.unary('/test.Echo/Size', (req) => Buffer.from(String(req.length)));
  server.stream('/test.Echo/Count', (call) => {
    call.onMessage((m) => {
      const n = Number(Buffer.from(m).toString());
      for (let i = 0; i < n; i++) call.send(Buffer.from(String(i)));
      call.end();
    });
  });
  server.stream('/test.Echo/Big', (call) => {
    // 10 MiB in 64 KiB messages, far beyond any initial window
    call.onMessage(() => {
      for (let i = 0; i < 160; i++) call.send(Buffer.alloc(64 * 1024, i));
      call.end();
    });
  });
  server.stream('/test.Echo/Bidi', (call) => {
    call.onMessage((m) => call.send(Buffer.concat([Buffer.from('echo:'), Buffer.from(m)])));
    call.onHalfClose(() => call.end({ code: Status.OK, message: '' }));
  });
  server.stream('/test.Echo/Forever', (call) => {
    lastCall = call;
    call.send(Buffer.from('first'));
    call.onCancel(() => cancelled.push(call.metadata.get('tag') ?? '?'));
  });

  before(async () => {
    port = await listenClientPort({ grpc: server, port: 0 });
    c = client(port.address.port);
  });
  after(async () => {
    c.close();
    await port.close();
  });

  it('answers a unary call and sees metadata and peer', async () => {
    const md = new grpc.Metadata();
    md.set('tag', 'T1-');
    const r = await unary(c, '/test.Echo/Unary', Buffer.from('hello'), md);
    assert.equal(r.error, null);
    assert.equal(r.value!.toString(), 'T1-hello');
    const p = await unary(c, '/test.Echo/Peer', Buffer.alloc(0));
    assert.match(p.value!.toString(), /^127\.0\.0\.1:\d+$/);
  });

  it('round-trips an empty message and an async handler', async () => {
    const r = await unary(c, '/test.Echo/Unary', Buffer.alloc(0));
    assert.equal(r.value!.length, 0);
    const a = await unary(c, '/test.Echo/Async', Buffer.from('abc'));
    assert.equal(a.value!.toString(), 'cba');
  });

  it('carries statuses, percent-encoding the message', async () => {
    const r = await unary(c, '/test.Echo/Fail', Buffer.alloc(1));
    assert.equal(r.error!.code, Status.FAILED_PRECONDITION);
    assert.equal(r.error!.details, 'etcdserver: über 100% wrong\nline');
    const t = await unary(c, '/test.Echo/Throw', Buffer.alloc(1));
    assert.equal(t.error!.code, Status.UNKNOWN);
    assert.equal(t.error!.details, 'plain error');
  });

  it('answers unknown services and methods as grpc-go does', async () => {
    const m = await unary(c, '/test.Echo/Nope', Buffer.alloc(1));
    assert.equal(m.error!.code, Status.UNIMPLEMENTED);
    assert.equal(m.error!.details, 'unknown method Nope for service test.Echo');
    const s = await unary(c, '/etcdserverpb.Foo/Bar', Buffer.alloc(1));
    assert.equal(s.error!.code, Status.UNIMPLEMENTED);
    assert.equal(s.error!.details, 'unknown service etcdserverpb.Foo');
  });

  it('refuses a message over maxReceiveMessageLength with grpc-go text', async () => {
    const ok = await unary(c, '/test.Echo/Size', Buffer.alloc(2 * 1024 * 1024));
    assert.equal(ok.value!.toString(), String(2 * 1024 * 1024));
    const big = await unary(c, '/test.Echo/Size', Buffer.alloc(2 * 1024 * 1024 + 1));
    assert.equal(big.error!.code, Status.RESOURCE_EXHAUSTED);
    assert.equal(big.error!.details, `grpc: received message larger than max (${2 * 1024 * 1024 + 1} vs. ${2 * 1024 * 1024})`);
    // the connection is still fine
    const after = await unary(c, '/test.Echo/Size', Buffer.alloc(10));
    assert.equal(after.value!.toString(), '10');
  });

  it('accepts gzip-compressed requests', async () => {
    const gz = client(port.address.port, undefined, { 'grpc.default_compression_algorithm': 2 });
    try {
      const r = await unary(gz, '/test.Echo/Size', Buffer.alloc(100_000, 7));
      assert.equal(r.error, null);
      assert.equal(r.value!.toString(), '100000');
    } finally {
      gz.close();
    }
  });

  it('streams server responses in order', async () => {
    const got: string[] = [];
    const st = c.makeServerStreamRequest('/test.Echo/Count', ident, ident, Buffer.from('100'));
    st.on('data', (d: Buffer) => got.push(d.toString()));
    const status = await new Promise<grpc.StatusObject>((r) => st.on('status', r));
    assert.equal(status.code, Status.OK);
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('sends 10 MiB through flow control', async () => {
    const st = c.makeServerStreamRequest('/test.Echo/Big', ident, ident, Buffer.from('go'));
    const h = createHash('sha256');
    let n = 0;
    let total = 0;
    st.on('data', (d: Buffer) => {
      assert.equal(d.length, 64 * 1024);
      assert.equal(d[0], n & 0xff);
      n++;
      total += d.length;
      h.update(d);
    });
    const status = await new Promise<grpc.StatusObject>((r) => st.on('status', r));
    assert.equal(status.code, Status.OK);
    assert.equal(n, 160);
    assert.equal(total, 10 * 1024 * 1024);
  });

  it('echoes a bidi stream and ends on half-close', async () => {
    const st = c.makeBidiStreamRequest('/test.Echo/Bidi', ident, ident);
    const got: string[] = [];
    st.on('data', (d: Buffer) => got.push(d.toString()));
    for (let i = 0; i < 50; i++) st.write(Buffer.from(String(i)));
    st.end();
    const status = await new Promise<grpc.StatusObject>((r) => st.on('status', r));
    assert.equal(status.code, Status.OK);
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => 'echo:' + i));
  });

  it('serves many concurrent calls', async () => {
    const n = 2000;
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => unary(c, '/test.Echo/Unary', Buffer.from(String(i)))));
    rs.forEach((r, i) => assert.equal(r.value?.toString(), String(i)));
  });

  it('reaches onCancel when the client cancels', async () => {
    const md = new grpc.Metadata();
    md.set('tag', 'cancel-me');
    const st = c.makeBidiStreamRequest('/test.Echo/Forever', ident, ident, md);
    st.on('error', () => {});
    await new Promise((r) => st.once('data', r));
    assert.equal(lastCall!.cancelled, false);
    st.cancel();
    for (let i = 0; i < 100 && cancelled.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(cancelled, ['cancel-me']);
    assert.equal(lastCall!.cancelled, true);
  });

  it('cancels running streams when a connection closes', async () => {
    const c2 = client(port.address.port);
    const md = new grpc.Metadata();
    md.set('tag', 'conn-loss');
    const st = c2.makeBidiStreamRequest('/test.Echo/Forever', ident, ident, md);
    st.on('error', () => {});
    await new Promise((r) => st.once('data', r));
    c2.close(); // grpc-js keeps the stream; kill the transport under it
    st.cancel();
    for (let i = 0; i < 100 && !cancelled.includes('conn-loss'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cancelled.includes('conn-loss'));
  });
});
