/**
 * The shapes every layer of the API server shares. Objects stay plain JSON (as decoded from the
 * request body or from etcd); these types name the parts the server itself reads and writes.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  fieldsType?: "FieldsV1";
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
  [extra: string]: unknown;
}

/** Any Kubernetes object as JSON: apiVersion, kind, metadata and the kind's own fields. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A field error as kube's `field.Error`: the cause type, the field path, the bad value and detail. */
export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "InternalError"
  | "FieldValueTypeInvalid";

export interface FieldError {
  type: FieldErrorType;
  /** Dotted path with indices, as kube prints it: `spec.containers[0].image`. */
  field: string;
  /** The offending value (printed by Invalid/NotSupported/Duplicate/...); omitted when kube omits it. */
  badValue?: unknown;
  detail?: string;
  /** For NotSupported: the allowed values, in kube's order. */
  supported?: string[];
  /** For TooLong/TooMany: the limit. */
  limit?: number;
}
