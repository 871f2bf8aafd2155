/** Printers for autoscaling (HorizontalPodAutoscaler v1 and v2 share one) and the scale subresource. */
import type { KObject } from "../api/types.js";
import type { Printer } from "./types.js";
import { age, ageColumn, column, int, isSet, name, nameColumn, obj, objects, printer, str, type JSONObject } from "./format.js";
import { formatQuantity } from "./quantity.js";

/** A *Quantity as Go prints it: "<nil>" when unset. */
function quantityPtr(v: unknown): string {
  return isSet(v) ? formatQuantity(v) : "<nil>";
}

function percent(v: unknown): string {
  return `${int(v)}%`;
}

/**
 * The metric specs and statuses of an HPA in the v2 shape. An autoscaling/v1 object is read the
 * way kube converts it: its CPU target and current utilization become a Resource metric.
 */
function hpaMetrics(o: KObject): { specs: JSONObject[]; statuses: JSONObject[] } {
  const spec = obj(o, "spec");
  const status = obj(o, "status");
  const isV1 = o.apiVersion === "autoscaling/v1" || (!isSet(spec.metrics) && isSet(spec.targetCPUUtilizationPercentage));
  if (!isV1) return { specs: objects(spec.metrics), statuses: objects(status.currentMetrics) };
  const specs = isSet(spec.targetCPUUtilizationPercentage)
    ? [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage } } }]
    : [];
  const statuses = isSet(status.currentCPUUtilizationPercentage)
    ? [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
    : [];
  return { specs, statuses };
}

/** One metric as "current/target"; statuses are matched to specs by position, as kube does. */
function formatMetric(spec: JSONObject, status: JSONObject | undefined): string {
  switch (spec.type) {
    case "External":
    case "Object": {
      const key = spec.type === "External" ? "external" : "object";
      const target = obj(spec, key, "target");
      const current = status && isSet(status[key]) ? obj(status, key, "current") : undefined;
      if (isSet(target.averageValue)) {
        const cur = current && isSet(current.averageValue) ? quantityPtr(current.averageValue) : "<unknown>";
        return `${cur}/${quantityPtr(target.averageValue)} (avg)`;
      }
      const cur = current ? quantityPtr(current.value) : "<unknown>";
      return `${cur}/${quantityPtr(target.value)}`;
    }
    case "Pods": {
      const current = status && isSet(status.pods) ? quantityPtr(obj(status, "pods", "current").averageValue) : "<unknown>";
      return `${current}/${quantityPtr(obj(spec, "pods", "target").averageValue)}`;
    }
    case "Resource":
    case "ContainerResource": {
      const key = spec.type === "Resource" ? "resource" : "containerResource";
      const source = obj(spec, key);
      const target = obj(source, "target");
      const current = status && isSet(status[key]) ? obj(status, key, "current") : undefined;
      if (isSet(target.averageValue)) {
        const cur = current ? quantityPtr(current.averageValue) : "<unknown>";
        return `${str(source.name)}: ${cur}/${quantityPtr(target.averageValue)}`;
      }
      const cur = current && isSet(current.averageUtilization) ? percent(current.averageUtilization) : "<unknown>";
      const tgt = isSet(target.averageUtilization) ? percent(target.averageUtilization) : "<auto>";
      return `${str(source.name)}: ${cur}/${tgt}`;
    }
    default:
      return "<unknown type>";
  }
}

function formatHPAMetrics(o: KObject): string {
  const { specs, statuses } = hpaMetrics(o);
  if (specs.length === 0) return "<none>";
  const max = 2;
  const shown = specs.slice(0, max).map((spec, i) => formatMetric(spec, statuses[i]));
  const text = shown.join(", ");
  return specs.length > max ? `${text} + ${specs.length - max} more...` : text;
}

export const horizontalPodAutoscalers: Printer = printer(
  [
    nameColumn,
    column("Reference", "string", "The scaled object, as Kind/name."),
    column("Targets", "string", "Current and target value of each metric."),
    column("MinPods", "string", "Lower bound on the replica count."),
    column("MaxPods", "string", "Upper bound on the replica count."),
    column("Replicas", "string", "The current replica count."),
    ageColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const ref = obj(spec, "scaleTargetRef");
    return [
      name(o),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(o),
      isSet(spec.minReplicas) ? String(int(spec.minReplicas)) : "<unset>",
      int(spec.maxReplicas),
      int(obj(o, "status").currentReplicas),
      age(o, now),
    ];
  },
);

/** autoscaling/v1 Scale, what the scale subresource of deployments and friends returns. */
export const scale: Printer = printer(
  [
    column("Name", "string", "Name of the scaled object."),
    column("Desired", "integer", "The replica count wanted."),
    column("Available", "integer", "The replica count observed."),
    ageColumn,
  ],
  (o, now) => [name(o), int(obj(o, "spec").replicas), int(obj(o, "status").replicas), age(o, now)],
);
