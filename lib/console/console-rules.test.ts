import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";
import { clientConfigs } from "./client-config";
import { sectionsFor } from "./navigation";
import { can } from "./roles";
import { clientIp } from "./sign-in";
import { SIGN_IN_ERRORS, signInErrorMessage } from "./sign-in-messages";

describe("after sign-in", () => {
  it("only ever returns to a path on this site", () => {
    expect(safeCallbackPath("/t/demo/audit?action=key.create")).toBe("/t/demo/audit?action=key.create");
    expect(safeCallbackPath("http://localhost/t/demo", "http://localhost")).toBe("/t/demo");
    for (const evil of ["https://evil.example/t", "//evil.example/t", "/\\evil.example", "javascript:alert(1)"]) {
      expect(safeCallbackPath(evil, "http://localhost")).toBe("/t");
    }
    expect(safeCallbackPath(undefined)).toBe("/t");
  });
});

describe("sign-in messages", () => {
  it("say the same for unknown emails and wrong passwords, and never echo input", () => {
    expect(signInErrorMessage("invalid_credentials")).toBe(SIGN_IN_ERRORS.invalid_credentials);
    expect(signInErrorMessage("CredentialsSignin")).toBe(SIGN_IN_ERRORS.invalid_credentials);
    expect(signInErrorMessage("<script>")).toBe("Sign-in failed. Try again in a moment.");
    expect(signInErrorMessage(null)).toBeNull();
  });
});

describe("client address for throttling", () => {
  it("takes the hop our proxy (or Next.js) added last", () => {
    expect(clientIp({ "x-forwarded-for": "203.0.113.9, 10.0.0.2" })).toBe("10.0.0.2");
    expect(clientIp({ "x-forwarded-for": "198.51.100.7" })).toBe("198.51.100.7");
    expect(clientIp({})).toBe("unknown");
  });
});

describe("roles and navigation", () => {
  it("shows each role only the sections it may use", () => {
    const labels = (roles: Parameters<typeof sectionsFor>[0]) => sectionsFor(roles).map((s) => s.segment);
    expect(labels(["auditor"])).toContain("audit");
    expect(labels(["auditor"])).not.toContain("keys");
    expect(labels(["auditor"])).not.toContain("users");
    expect(labels(["admin"])).toEqual(expect.arrayContaining(["keys", "users", "audit"]));
    expect(labels(["approver"])).toContain("approvals");
    expect(can(["approver"], "keys.manage")).toBe(false);
    expect(can(["admin", "approver"], "keys.manage")).toBe(true);
  });
});

describe("client configuration", () => {
  it("gives ready-to-paste Claude Code, .mcp.json and Cursor snippets for the endpoint", () => {
    const [claude, mcpJson, cursor] = clientConfigs("https://socode.example.com/", "sc_live_x");
    expect(claude?.text).toBe('claude mcp add --transport http socode https://socode.example.com/api/mcp --header "Authorization: Bearer sc_live_x"');
    expect(JSON.parse(mcpJson?.text ?? "{}")).toEqual({
      mcpServers: { socode: { type: "http", url: "https://socode.example.com/api/mcp", headers: { Authorization: "Bearer sc_live_x" } } },
    });
    expect(JSON.parse(cursor?.text ?? "{}")).toEqual({
      mcpServers: { socode: { url: "https://socode.example.com/api/mcp", headers: { Authorization: "Bearer sc_live_x" } } },
    });
  });
});
