// The OpenAPI document at /v1/openapi.json, generated from the same route declarations and zod
// schemas that parse requests and check responses, so the document cannot drift from the service.

import { z } from "zod";
import type { RouteDef } from "./app.js";
import { HTTP_ERRORS } from "./errors.js";
import { ErrorBody } from "./schemas.js";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: "openapi-3.0", io: "input", unrepresentable: "any" });

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
      security: [{ bearer: [] }],
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
  const error = { "application/json": { schema: schema(ErrorBody) } };
  const json = (properties: Record<string, object>, required: string[]) => ({
    "application/json": { schema: { type: "object", properties, required } },
  });
  const text = { type: "string" };
  const texts = { type: "array", items: text };
  paths["/session"] = {
    post: {
      summary: "Sign in with a name and a password: sets the plk_session cookie (httpOnly, SameSite=Strict).",
      tags: ["service"],
      requestBody: {
        required: true,
        content: json({ name: text, password: text }, ["name", "password"]),
      },
      responses: {
        "201": {
          description: "signed in",
          content: json({ name: text, party: text, role: text, created_at: text, expires_at: text }, [
            "name",
            "party",
            "role",
            "expires_at",
          ]),
        },
        "401": { description: HTTP_ERRORS.unauthorized, content: error },
        "429": { description: "too many failed sign-ins from this address", content: error },
      },
    },
    delete: {
      summary: "Sign out: ends the session.",
      tags: ["service"],
      responses: { "204": { description: "done" } },
    },
  };
  paths["/me"] = {
    get: {
      summary: "Who is asking: party, role, and the parks it may name (an operator its own).",
      tags: ["service"],
      security: [{ bearer: [] }],
      responses: {
        "200": {
          description: "the caller",
          content: json(
            {
              party: text,
              role: { type: "string", enum: ["finance", "statistics", "auditor"] },
              token_id: text,
              operates: texts,
              hosts: texts,
              parks: {
                type: "array",
                items: {
                  type: "object",
                  properties: { park: text, name_zh: text, name_en: text, operator: text, host: text },
                  required: ["park", "name_zh", "name_en", "operator", "host"],
                },
              },
            },
            ["party", "role", "token_id", "operates", "hosts", "parks"],
          ),
        },
        "401": { description: HTTP_ERRORS.unauthorized, content: error },
      },
    },
  };
  paths["/health"] = {
    get: { summary: "Liveness; needs no token.", tags: ["service"], responses: { "200": { description: "up" } } },
  };
  return {
    openapi: "3.0.3",
    info: {
      title: "parkledger",
      version: "1",
      description:
        "Revenue sharing, reconciliation and indicator attribution for the Zhundong park-in-park sub-parks. Money is a decimal string in yuan; indicator values have four decimals.",
    },
    servers: [{ url: "/v1" }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
