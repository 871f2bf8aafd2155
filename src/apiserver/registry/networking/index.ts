import type { Strategy } from "../types.js";
import { ingressClassStrategy } from "./ingressclasses.js";
import { ingressStrategy } from "./ingresses.js";
import { networkPolicyStrategy } from "./networkpolicies.js";

export const networkingStrategies: Record<string, Strategy> = {
  ingressclasses: ingressClassStrategy,
  ingresses: ingressStrategy,
  networkpolicies: networkPolicyStrategy,
};
