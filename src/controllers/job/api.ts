/**
 * The batch/v1 Job fields the job and cronjob controllers read and write, and the names kube
 * gives its labels, annotations, finalizer and condition reasons (k8s.io/api/batch/v1).
 */
import type { KObject } from "../../client/types.js";

export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
export const LEGACY_JOB_NAME_LABEL = "job-name";
export const JOB_CONTROLLER_NAME = "kubernetes.io/job-controller";

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  suspend?: boolean;
  completionMode?: string;
  manualSelector?: boolean;
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  podReplacementPolicy?: "TerminatingOrFailed" | "Failed";
  podFailurePolicy?: unknown;
  managedBy?: string;
  [field: string]: unknown;
}

export interface JobCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  conditions?: JobCondition[];
  [field: string]: unknown;
}

export interface Job extends KObject {
  spec?: JobSpec;
  status?: JobStatus;
}

export const jobSpec = (job: KObject): JobSpec => ((job.spec ?? {}) as JobSpec);
export const jobStatus = (job: KObject): JobStatus => ((job.status ?? {}) as JobStatus);

/** The Complete or Failed condition with status True, if the job has finished (kube's FinishedCondition). */
export function finishedCondition(job: KObject): JobCondition | undefined {
  return jobStatus(job).conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

export const isJobFinished = (job: KObject): boolean => finishedCondition(job) !== undefined;
export const isJobSucceeded = (job: KObject): boolean => finishedCondition(job)?.type === "Complete";
