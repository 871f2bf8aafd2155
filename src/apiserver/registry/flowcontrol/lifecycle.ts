/**
 * Create/update bookkeeping of the flowcontrol kinds: status reset, generation, and a status
 * subresource that keeps the spec and all of metadata but managedFields (kube's
 * flowschema/prioritylevelconfiguration status strategies).
 */
import type { Strategy } from "../types.js";
import { clone, specStatusStrategy } from "../groupsupport/lifecycle.js";
import { validateConditions } from "../groupsupport/conditions.js";
import { isObj } from "../groupsupport/json.js";

const common = specStatusStrategy({ zeroStatus: () => ({}), generation: true });

export const flowcontrolLifecycle: Pick<Strategy, "prepareForCreate" | "prepareForUpdate" | "subresources"> = {
  ...common,
  subresources: {
    status: {
      prepareForUpdate(obj, old, ctx) {
        common.subresources?.status?.prepareForUpdate?.(obj, old, ctx);
        const managedFields = obj.metadata.managedFields;
        obj.metadata = clone(old.metadata);
        if (managedFields === undefined) delete obj.metadata.managedFields;
        else obj.metadata.managedFields = managedFields;
      },
      validateUpdate: (obj) => validateConditions(isObj(obj.status) ? obj.status.conditions : undefined, "status.conditions"),
    },
  },
};
