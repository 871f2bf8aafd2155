/** ServiceAccounts: only ObjectMeta is validated; secret references keep just their names. */
import type { KObject } from "../../api/types.js";
import type { Strategy } from "../types.js";
import { objs, s } from "./util.js";

function cleanSecretReferences(sa: KObject): void {
  if (Array.isArray(sa.secrets)) sa.secrets = objs(sa.secrets).map((r) => (s(r.name) === "" ? {} : { name: s(r.name) }));
}

export const serviceAccountStrategy: Strategy = {
  prepareForCreate: cleanSecretReferences,
  prepareForUpdate: cleanSecretReferences,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
