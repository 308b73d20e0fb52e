// The OpenAPI document at /v1/openapi.json, generated from the same route declarations and zod
// schemas that parse requests and check responses, so the document cannot drift from the service.

import { z } from "zod";
import type { RouteDef } from "./app.js";
import { HTTP_ERRORS } from "./errors.js";
import { ErrorBody } from "./schemas.js";
import { NewUser, SESSION_COOKIE, SignedIn, SignIn, UserView } from "./sessions.js";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: "openapi-3.0", io: "input", unrepresentable: "any" });

/** A machine's bearer token, or a person's session cookie (POST /session). */
const SECURITY = [{ bearer: [] }, { session: [] }];

const json = (s: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema: schema(s) } },
});
const errorAnswer = (description: string) => json(ErrorBody, description);

/** The routes declared outside ROUTES: liveness, sign-in and sign-out, who is asking, adding a person. */
function servicePaths(): Record<string, Record<string, object>> {
  const body = (s: z.ZodType) => ({ required: true, content: { "application/json": { schema: schema(s) } } });
  return {
    "/health": {
      get: { summary: "Liveness; needs no token.", tags: ["service"], responses: { "200": { description: "up" } } },
    },
    "/session": {
      post: {
        summary: `Sign a person in: sets the httpOnly, SameSite=Strict cookie ${SESSION_COOKIE}. Failed sign-ins are throttled per address (429 with Retry-After).`,
        tags: ["session"],
        security: [],
        requestBody: body(SignIn),
        responses: {
          "201": json(SignedIn, "signed in; the cookie is set"),
          "400": errorAnswer(HTTP_ERRORS.invalid_request),
          "401": errorAnswer("the name or the password is wrong"),
          "429": errorAnswer("too many failed sign-ins from this address"),
        },
      },
      delete: {
        summary: "Sign out: ends the session and clears the cookie.",
        tags: ["session"],
        security: [],
        responses: { "204": { description: "signed out" } },
      },
    },
    "/me": {
      get: {
        summary: "The party and role the request acts as.",
        tags: ["session"],
        security: SECURITY,
        responses: {
          "200": json(
            z.object({
              party: z.string(),
              role: z.enum(["finance", "statistics", "auditor"]),
              token_id: z.string(),
              /** The parks the caller runs, and those it hosts. */
              operates: z.array(z.string()),
              hosts: z.array(z.string()),
              /** The parks the caller may name (an operator its own), with their names. */
              parks: z.array(
                z.object({
                  park: z.string(),
                  name_zh: z.string(),
                  name_en: z.string(),
                  operator: z.string(),
                  host: z.string(),
                }),
              ),
            }),
            "who is asking: party, role, and the parks it may name",
          ),
          "401": errorAnswer(HTTP_ERRORS.unauthorized),
        },
      },
    },
    "/users": {
      post: {
        summary: "Add a person who signs in with a name and a password (the prefecture's finance department only).",
        tags: ["session"],
        security: SECURITY,
        requestBody: body(NewUser),
        responses: {
          "201": json(UserView, "added"),
          "400": errorAnswer(HTTP_ERRORS.invalid_request),
          "401": errorAnswer(HTTP_ERRORS.unauthorized),
          "403": errorAnswer(HTTP_ERRORS.forbidden),
          "422": errorAnswer(HTTP_ERRORS.rejected),
        },
      },
    },
  };
}

export function openApiDocument(routes: readonly RouteDef[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const openPath = route.path.replace(/:(\w+)/g, "{$1}");
    const parameters: object[] = [];
    for (const name of route.path.match(/:(\w+)/g) ?? [])
      parameters.push({ name: name.slice(1), in: "path", required: true, schema: { type: "string" } });
    if (route.query !== undefined) {
      const q = schema(route.query) as { properties?: Record<string, object>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {}))
        parameters.push({ name, in: "query", required: (q.required ?? []).includes(name), schema: s });
    }
    if (route.idempotency === "required")
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: true,
        schema: { type: "string", maxLength: 200 },
        description: "the same key with the same body replays the first answer; with another body it is refused (409)",
      });
    const ok: Record<string, object> = { "application/json": { schema: schema(route.response) } };
    if (route.formats) {
      ok["text/csv"] = { schema: { type: "string" } };
      ok["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = {
        schema: { type: "string", format: "binary" },
      };
      ok["text/plain"] = { schema: { type: "string" } };
    }
    const error = { "application/json": { schema: schema(ErrorBody) } };
    paths[openPath] ??= {};
    paths[openPath][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      security: SECURITY,
      parameters,
      ...(route.body === "csv"
        ? { requestBody: { required: true, content: { "text/csv": { schema: { type: "string" } } } } }
        : route.body !== undefined
          ? { requestBody: { required: true, content: { "application/json": { schema: schema(route.body) } } } }
          : {}),
      responses: {
        [route.method === "post" ? "201" : "200"]: { description: "done", content: ok },
        "400": { description: HTTP_ERRORS.invalid_request, content: error },
        "401": { description: HTTP_ERRORS.unauthorized, content: error },
        "403": { description: HTTP_ERRORS.forbidden, content: error },
        "404": { description: HTTP_ERRORS.not_found, content: error },
        "409": { description: "conflicts with what is recorded", content: error },
        "422": { description: HTTP_ERRORS.rejected, content: error },
      },
    };
  }
  Object.assign(paths, servicePaths());
  return {
    openapi: "3.0.3",
    info: {
      title: "parkledger",
      version: "1",
      description:
        "Revenue sharing, reconciliation and indicator attribution for the Zhundong park-in-park sub-parks. Money is a decimal string in yuan; indicator values have four decimals.",
    },
    servers: [{ url: "/v1" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
      },
    },
    paths,
  };
}
