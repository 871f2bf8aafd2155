// One port for gRPC and HTTP/1.1, plaintext (sniffed) and TLS (ALPN).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GrpcServer, listenClientPort, type ClientPort } from './index.js';
import { client, unary } from './testutil.js';

function request(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path }, (res) => {
      let d = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (d += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: d }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('listenClientPort', () => {
  const grpcServer = new GrpcServer({ maxReceiveMessageLength: 1024 * 1024 });
  grpcServer.unary('/test.S/Echo', (req) => req);
  const httpServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(`${req.method} ${req.url} ${body}`));
  });
  let plain: ClientPort;
  let secure: ClientPort;
  let dir: string;
  let cert: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    plain = await listenClientPort({ grpc: grpcServer, http: httpServer, port: 0 });
    secure = await listenClientPort({ grpc: grpcServer, http: httpServer, port: 0, tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
  });
  after(async () => {
    await plain.close();
    await secure.close();
    httpServer.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands HTTP/1.1 requests on the gRPC port to the http.Server', async () => {
    assert.deepEqual(await request(plain.address.port, 'GET', '/health'), { status: 200, body: 'GET /health ' });
    const big = 'x'.repeat(100_000);
    assert.deepEqual(await request(plain.address.port, 'POST', '/v3/kv/range', big), { status: 200, body: `POST /v3/kv/range ${big}` });
  });

  it('serves gRPC on the same port', async () => {
    const c = client(plain.address.port);
    try {
      const r = await unary(c, '/test.S/Echo', Buffer.from('hi'));
      assert.equal(r.value!.toString(), 'hi');
    } finally {
      c.close();
    }
  });

  it('splits TLS connections by ALPN', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: 'localhost', port: secure.address.port, path: '/version', ca: cert }, (res) => {
          let d = '';
          res.on('data', (c: Buffer) => (d += c.toString()));
          res.on('end', () => resolve(d));
        })
        .on('error', reject);
    });
    assert.equal(body, 'GET /version ');
    const c = client(secure.address.port, grpc.credentials.createSsl(cert), { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' });
    try {
      const r = await unary(c, '/test.S/Echo', Buffer.from('over tls'));
      assert.equal(r.value!.toString(), 'over tls');
    } finally {
      c.close();
    }
  });

  it('closes a connection that sends a broken preface', async () => {
    const s = net.connect(plain.address.port, '127.0.0.1');
    s.write('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n');
    s.resume();
    await new Promise((r) => s.on('close', r));
    // still serving
    assert.equal((await request(plain.address.port, 'GET', '/x')).status, 200);
  });
});
