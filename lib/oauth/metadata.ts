// RFC 9728 protected resource metadata and RFC 8414 authorization server metadata. Both are built
// with the MCP SDK's zod schemas' types, and the tests parse them with those schemas.
import type { OAuthMetadata, OAuthProtectedResourceMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { ALL_SCOPES } from "@/lib/governance/scopes";
import type { OAuthUrls } from "./config";

export function protectedResourceMetadata(urls: OAuthUrls): OAuthProtectedResourceMetadata {
  return {
    resource: urls.resource,
    authorization_servers: [urls.issuer],
    scopes_supported: [...ALL_SCOPES],
    bearer_methods_supported: ["header"],
    resource_name: "SoCode",
    resource_documentation: `${urls.issuer}/`,
  };
}

export function authorizationServerMetadata(urls: OAuthUrls): OAuthMetadata & { client_id_metadata_document_supported: boolean; authorization_response_iss_parameter_supported: boolean } {
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.authorizationEndpoint,
    token_endpoint: urls.tokenEndpoint,
    registration_endpoint: urls.registrationEndpoint,
    revocation_endpoint: urls.revocationEndpoint,
    scopes_supported: [...ALL_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    code_challenge_methods_supported: ["S256"],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}

/** The 401 challenge: where to discover how to authorize, and the scope to start with. */
export function unauthorizedChallenge(urls: OAuthUrls, scope: string, error?: { code: string; description: string }): string {
  const parts = ['Bearer realm="socode"', `resource_metadata="${urls.resourceMetadata}"`, `scope="${scope}"`];
  if (error) parts.push(`error="${error.code}"`, `error_description="${error.description.replace(/["\\]/g, "")}"`);
  return parts.join(", ");
}

export function insufficientScopeChallenge(urls: OAuthUrls, scope: string): string {
  return `Bearer realm="socode", error="insufficient_scope", scope="${scope}", resource_metadata="${urls.resourceMetadata}", error_description="This token lacks the scope ${scope}."`;
}
