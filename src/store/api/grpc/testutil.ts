// Helpers shared by this folder's tests: a grpc-js client on raw Buffers and a few protobuf
// encoders for hand-built etcd messages.

import * as grpc from '@grpc/grpc-js';

export const ident = (b: Buffer): Buffer => b;

export function client(port: number, creds = grpc.credentials.createInsecure(), options?: grpc.ClientOptions): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, creds, options);
}

export interface UnaryResult {
  error: grpc.ServiceError | null;
  value: Buffer | undefined;
}

export function unary(c: grpc.Client, path: string, req: Buffer, md = new grpc.Metadata()): Promise<UnaryResult> {
  return new Promise((resolve) => {
    c.makeUnaryRequest(path, ident, ident, req, md, (error, value) => resolve({ error, value }));
  });
}

// --- protobuf, just enough for tests
export function varint(n: number): number[] {
  const o: number[] = [];
  while (n > 127) {
    o.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  o.push(n);
  return o;
}
export const pbVarint = (field: number, v: number): number[] => [...varint(field << 3), ...varint(v)];
export const pbBytes = (field: number, b: ArrayLike<number>): number[] => [...varint((field << 3) | 2), ...varint(b.length), ...Array.from(b)];
export const pbString = (field: number, s: string): number[] => pbBytes(field, Buffer.from(s));
