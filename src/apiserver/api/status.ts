/**
 * Kubernetes `Status` errors (k8s.io/apimachinery/pkg/api/errors, in our terms): every failure
 * the API server answers is an ApiError carrying the Status body kube would send.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? "error");
    this.name = "ApiError";
  }
  get code(): number {
    return this.status.code;
  }
}

/** A group and resource as kube prints them in messages: "pods", "deployments.apps". */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  const status: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  if (details) status.details = details;
  return new ApiError(status);
}

function grDetails(gr: GroupResource, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined && name !== "") d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

export const errors = {
  notFound(gr: GroupResource, name: string): ApiError {
    return failure(404, "NotFound", `${qualified(gr)} "${name}" not found`, grDetails(gr, name));
  },
  /** The mux's answer for a path inside /api or /apis that names nothing served. */
  pathNotFound(): ApiError {
    return failure(404, "NotFound", "the server could not find the requested resource", {});
  },
  alreadyExists(gr: GroupResource, name: string): ApiError {
    return failure(409, "AlreadyExists", `${qualified(gr)} "${name}" already exists`, grDetails(gr, name));
  },
  conflict(gr: GroupResource, name: string, why: string): ApiError {
    return failure(409, "Conflict", `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, grDetails(gr, name));
  },
  /** The optimistic-concurrency conflict kube reports for a stale resourceVersion. */
  modified(gr: GroupResource, name: string): ApiError {
    return errors.conflict(gr, name, "the object has been modified; please apply your changes to the latest version and try again");
  },
  invalid(group: string, kind: string, name: string, message: string, causes: StatusCause[]): ApiError {
    const d: StatusDetails = { name };
    if (group) d.group = group;
    d.kind = kind;
    d.causes = causes;
    return failure(422, "Invalid", message, d);
  },
  badRequest(message: string): ApiError {
    return failure(400, "BadRequest", message);
  },
  methodNotSupported(gr: GroupResource, action: string): ApiError {
    return failure(405, "MethodNotAllowed", `${action} is not supported on resources of kind "${qualified(gr)}"`, grDetails(gr));
  },
  notAcceptable(message: string): ApiError {
    return failure(406, "NotAcceptable", message);
  },
  unsupportedMediaType(accepted: string[]): ApiError {
    return failure(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`);
  },
  expired(message: string): ApiError {
    return failure(410, "Expired", message);
  },
  gone(message: string): ApiError {
    return failure(410, "Gone", message);
  },
  tooLarge(message = "the request is too large"): ApiError {
    return failure(413, "RequestEntityTooLarge", `Request entity too large: ${message}`);
  },
  forbidden(gr: GroupResource, name: string, message: string): ApiError {
    const target = name ? `${qualified(gr)} "${name}"` : qualified(gr);
    return failure(403, "Forbidden", `${target} is forbidden: ${message}`, grDetails(gr, name));
  },
  unauthorized(message = "Unauthorized"): ApiError {
    return failure(401, "Unauthorized", message);
  },
  internal(err: unknown): ApiError {
    const msg = err instanceof Error ? err.message : String(err);
    return failure(500, "InternalError", `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
  },
  /** Server-side apply conflicts (kube's NewApplyConflict): 409 with one cause per field. */
  applyConflict(message: string, causes: StatusCause[]): ApiError {
    return failure(409, "Conflict", message, { causes });
  },
  /** A plain error kube passes through as it is: the code and message, no reason. */
  plain(code: number, message: string): ApiError {
    return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code });
  },
  resourceVersionTooLarge(message: string): ApiError {
    return failure(504, "Timeout", message, { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 });
  },
  serviceUnavailable(message: string): ApiError {
    return failure(503, "ServiceUnavailable", message);
  },
  timeout(message: string, retryAfterSeconds = 0): ApiError {
    return failure(504, "Timeout", message, { retryAfterSeconds });
  },
};

export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 };
  if (details) s.details = details;
  return s;
}
