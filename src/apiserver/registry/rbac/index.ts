import type { Strategy } from "../types.js";
import { clusterRoleBindingStrategy } from "./clusterrolebindings.js";
import { clusterRoleStrategy } from "./clusterroles.js";
import { roleBindingStrategy } from "./rolebindings.js";
import { roleStrategy } from "./roles.js";

export const rbacStrategies: Record<string, Strategy> = {
  clusterrolebindings: clusterRoleBindingStrategy,
  clusterroles: clusterRoleStrategy,
  rolebindings: roleBindingStrategy,
  roles: roleStrategy,
};
