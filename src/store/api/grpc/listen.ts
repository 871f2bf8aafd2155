// One port, two protocols, as etcd serves them: gRPC over HTTP/2 and plain HTTP/1.1.
// Plaintext connections are told apart by their first bytes (the HTTP/2 preface); TLS ones by
// ALPN ("h2" or "http/1.1"), falling back to the same sniffing when the client sent no ALPN.

import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { PREFACE } from './frames.js';
import type { GrpcServer, ServedConnection } from './server.js';

export interface ClientPortOptions {
  readonly grpc: GrpcServer;
  /** Gets every connection that is not HTTP/2; without it such connections are closed. */
  readonly http?: http.Server;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Serve TLS (ALPN h2 and http/1.1) with these options (key, cert, ca, requestCert...). */
  readonly tls?: tls.TlsOptions;
}

export interface ClientPort {
  readonly address: AddressInfo;
  /** Stops listening and closes the connections accepted here (see GrpcServer.close). */
  close(graceMs?: number): Promise<void>;
}

/** How long a new connection may stay silent before we know which protocol it speaks. */
const SNIFF_TIMEOUT_MS = 30_000;

export function listenClientPort(opts: ClientPortOptions): Promise<ClientPort> {
  const grpcConns = new Set<ServedConnection>();
  const others = new Set<net.Socket>();

  const toGrpc = (sock: net.Socket, head?: Buffer): void => {
    const c = opts.grpc.handleConnection(sock, head);
    grpcConns.add(c);
    void c.done.then(() => grpcConns.delete(c));
  };
  const toHttp = (sock: net.Socket, head?: Buffer): void => {
    if (opts.http === undefined) {
      sock.destroy();
      return;
    }
    others.add(sock);
    sock.once('close', () => others.delete(sock));
    if (head !== undefined) {
      sock.pause();
      sock.unshift(head);
    }
    opts.http.emit('connection', sock);
    // node:http reads the handle directly; the bytes we already took come back through the
    // stream, which must flow again.
    if (head !== undefined) sock.resume();
  };
  const sniff = (sock: net.Socket): void => {
    let buf: Buffer | null = null;
    others.add(sock);
    const onError = (): void => {
      sock.destroy();
    };
    const done = (): void => {
      sock.removeListener('data', onData);
      sock.removeListener('error', onError);
      sock.setTimeout(0);
      others.delete(sock);
    };
    const onData = (d: Buffer): void => {
      buf = buf === null ? d : Buffer.concat([buf, d]);
      const k = Math.min(buf.length, PREFACE.length);
      for (let i = 0; i < k; i++) {
        if (buf[i] !== PREFACE[i]) {
          done();
          toHttp(sock, buf);
          return;
        }
      }
      if (buf.length >= PREFACE.length) {
        done();
        toGrpc(sock, buf);
      }
    };
    sock.on('data', onData);
    sock.on('error', onError);
    sock.setTimeout(SNIFF_TIMEOUT_MS, () => {
      sock.destroy();
    });
  };

  let server: net.Server;
  if (opts.tls !== undefined) {
    server = tls.createServer({ ...opts.tls, ALPNProtocols: ['h2', 'http/1.1'] }, (sock) => {
      if (sock.alpnProtocol === 'h2') toGrpc(sock);
      else if (sock.alpnProtocol === 'http/1.1') toHttp(sock);
      else sniff(sock);
    });
    server.on('tlsClientError', () => {});
  } else {
    server = net.createServer({ noDelay: true }, sniff);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      server.on('error', () => {});
      resolve({
        address: server.address() as AddressInfo,
        close: async (graceMs = 1000) => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          for (const s of others) s.destroy();
          await Promise.all([...grpcConns].map((c) => c.shutdown(graceMs)));
          await closed;
        },
      });
    });
  });
}
