/** rbac.authorization.k8s.io/v1 Role: rules only; PUT may create (kube's role strategy). */
import type { Strategy } from "../types.js";
import { validateRules } from "./policy.js";

export const roleStrategy: Strategy = {
  validate: (obj) => validateRules(obj, true),
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
