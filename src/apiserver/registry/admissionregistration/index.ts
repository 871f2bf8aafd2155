import type { Strategy } from "../types.js";
import { validatingAdmissionPolicyBindingStrategy, validatingAdmissionPolicyStrategy } from "./policies.js";
import { mutatingWebhookConfigurationStrategy, validatingWebhookConfigurationStrategy } from "./webhooks.js";

export const admissionregistrationStrategies: Record<string, Strategy> = {
  mutatingwebhookconfigurations: mutatingWebhookConfigurationStrategy,
  validatingadmissionpolicies: validatingAdmissionPolicyStrategy,
  validatingadmissionpolicybindings: validatingAdmissionPolicyBindingStrategy,
  validatingwebhookconfigurations: validatingWebhookConfigurationStrategy,
};
