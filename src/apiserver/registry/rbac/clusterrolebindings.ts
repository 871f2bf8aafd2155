/** rbac.authorization.k8s.io/v1 ClusterRoleBinding: a ClusterRole granted cluster-wide. */
import type { Strategy } from "../types.js";
import { defaultBinding, validateBinding, validateRoleRefUnchanged } from "./policy.js";

export const clusterRoleBindingStrategy: Strategy = {
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, false),
  validateUpdate: validateRoleRefUnchanged,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
