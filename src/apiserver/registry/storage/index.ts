import type { Strategy } from "../types.js";
import { csiDriverStrategy } from "./csidrivers.js";
import { csiNodeStrategy } from "./csinodes.js";
import { csiStorageCapacityStrategy } from "./csistoragecapacities.js";
import { storageClassStrategy } from "./storageclasses.js";
import { volumeAttachmentStrategy } from "./volumeattachments.js";

export const storageStrategies: Record<string, Strategy> = {
  csidrivers: csiDriverStrategy,
  csinodes: csiNodeStrategy,
  csistoragecapacities: csiStorageCapacityStrategy,
  storageclasses: storageClassStrategy,
  volumeattachments: volumeAttachmentStrategy,
};
