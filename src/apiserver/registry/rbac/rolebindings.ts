/** rbac.authorization.k8s.io/v1 RoleBinding: a Role or ClusterRole, fixed for life, granted to subjects. */
import type { Strategy } from "../types.js";
import { defaultBinding, validateBinding, validateRoleRefUnchanged } from "./policy.js";

export const roleBindingStrategy: Strategy = {
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, true),
  validateUpdate: validateRoleRefUnchanged,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
