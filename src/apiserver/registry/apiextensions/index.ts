import type { Strategy } from "../types.js";
import { customResourceDefinitionStrategy } from "./customresourcedefinitions.js";

export const apiextensionsStrategies: Record<string, Strategy> = {
  customresourcedefinitions: customResourceDefinitionStrategy,
};
