/** PodTemplates: a validated pod template; generation counts template changes. */
import type { KObject } from "../../api/types.js";
import { jsonEqual } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./podspec.js";
import { ensureObj } from "./util.js";

export const podTemplateStrategy: Strategy = {
  defaults(pt: KObject) {
    defaultPodTemplateSpec(ensureObj(pt, "template"));
  },
  prepareForCreate(pt) {
    pt.metadata.generation = 1;
  },
  prepareForUpdate(pt, old) {
    if (!jsonEqual(pt.template, old.template)) pt.metadata.generation = (old.metadata.generation ?? 0) + 1;
  },
  validate: (pt) => validatePodTemplateSpec(pt.template, "template"),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
