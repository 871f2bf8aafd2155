import type { IncomingMessage, ServerResponse } from "node:http";
import type { KObject } from "../api/types.js";
import { errors } from "../api/status.js";
import type { RequestInfo } from "../filters/requestInfo.js";
import type { ResourceStore } from "../registry/store.js";
import type { ServiceAccountTokens } from "../authn/serviceaccount.js";
import { decodeBody, encodeValue, isObject, readBody, send } from "./encode.js";

/**
 * The review resources (never stored): who am I (SelfSubjectReview), may I / may they
 * (SubjectAccessReviews, answered by the authorizer: AlwaysAllow for now), and TokenReview.
 */
export interface ReviewUser {
  name: string;
  groups: string[];
  uid?: string;
}

export async function handleReview(
  store: ResourceStore, req: IncomingMessage, res: ServerResponse, info: RequestInfo, user: ReviewUser, now: Date,
  saTokens?: ServiceAccountTokens,
): Promise<void> {
  if (info.verb !== "create") throw errors.methodNotSupported(store.gr, info.verb);
  const apiVersion = `${store.info.group}/${store.info.version}`;
  const body = decodeBody(await readBody(req), req.headers["content-type"], { apiVersion, kind: store.info.kind });
  const input = (isObject(body) ? body : {}) as KObject;
  const out: KObject = { kind: store.info.kind, apiVersion, metadata: { ...(input.metadata ?? {}), creationTimestamp: null } };
  const userInfo = { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups };
  switch (store.info.resource) {
    case "selfsubjectreviews":
      out.status = { userInfo };
      break;
    case "tokenreviews": {
      const token = String((input.spec as { token?: string } | undefined)?.token ?? "");
      const u = saTokens?.verify(token, now);
      out.spec = input.spec ?? {};
      out.status = u
        ? { authenticated: true, user: { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups, "system:authenticated"] }, audiences: [saTokens!.issuer] }
        : { user: {}, error: "[invalid bearer token, unknown]" };
      break;
    }
    case "selfsubjectrulesreviews":
      out.spec = input.spec ?? {};
      out.status = {
        resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
        nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
        incomplete: false,
      };
      break;
    default:
      // Subject access reviews: kplane authorizes every request (AlwaysAllow).
      out.spec = input.spec ?? {};
      out.status = { allowed: true, reason: "kplane authorizes every request (AlwaysAllow)" };
  }
  send(res, 201, encodeValue(out, { encoding: "json", pretty: false }), "application/json");
}
