/** rbac.authorization.k8s.io/v1 ClusterRole: rules (non-resource URLs allowed) and aggregation. */
import type { Strategy } from "../types.js";
import { validateAggregationRule, validateRules } from "./policy.js";

export const clusterRoleStrategy: Strategy = {
  validate: (obj) => [...validateRules(obj, false), ...validateAggregationRule(obj)],
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
