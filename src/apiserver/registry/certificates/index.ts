import type { Strategy } from "../types.js";
import { certificateSigningRequestStrategy } from "./certificatesigningrequests.js";

export const certificatesStrategies: Record<string, Strategy> = {
  certificatesigningrequests: certificateSigningRequestStrategy,
};
