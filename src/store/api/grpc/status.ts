// gRPC status codes and the error type handlers throw to answer with one.

export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type StatusCode = (typeof Status)[keyof typeof Status];

export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcError';
  }
}

/** What a call ends with: a code and a message (empty for OK). */
export interface CallStatus {
  readonly code: number;
  readonly message: string;
}

/** Maps anything a handler threw to a status, as grpc-go does (non-status errors are UNKNOWN). */
export function statusOf(err: unknown): CallStatus {
  if (err instanceof GrpcError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: Status.UNKNOWN, message: err.message };
  return { code: Status.UNKNOWN, message: String(err) };
}

/**
 * grpc-message is percent-encoded UTF-8: bytes outside 0x20..0x7e, and '%' itself, become %XX
 * (gRPC over HTTP/2 spec). Returns the string unchanged in the common all-ASCII case.
 */
export function percentEncode(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  const bytes = Buffer.from(message, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e || b === 0x25) out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
    else out += String.fromCharCode(b);
  }
  return out;
}
