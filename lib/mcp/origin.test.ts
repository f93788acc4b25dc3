// The Origin rule of /api/mcp as a pure function; test/security/mcp-origins.test.ts checks the
// same rule against the running app.
import { describe, expect, it } from "vitest";
import { originAllowed } from "./origin";

describe("originAllowed", () => {
  const local = { publicUrl: "http://localhost:3000", allowedOrigins: "" };

  it("accepts a loopback Origin on any port when the server is reached over loopback and its public URL is loopback or unset", () => {
    for (const origin of ["http://127.0.0.1:3000", "http://localhost:6274", "http://[::1]:5173", "https://localhost", "http://LOCALHOST:1"]) {
      expect(originAllowed(origin, "127.0.0.1:3000", local)).toBe(true);
      expect(originAllowed(origin, "localhost:3001", { allowedOrigins: "" })).toBe(true);
      expect(originAllowed(origin, "[::1]:3000", local)).toBe(true);
    }
  });

  it("refuses foreign and malformed origins, and loopback origins when the Host is not loopback (DNS rebinding)", () => {
    for (const origin of ["https://evil.example", "null", "http://127.0.0.1.evil.example", "http://localhost.evil.example:3000", "file://", "http://127.0.0.2:3000", "http://localhost:3000/path"]) {
      expect(originAllowed(origin, "127.0.0.1:3000", local)).toBe(false);
    }
    // A rebinding page: its Host is the attacker's name even though it resolves to 127.0.0.1.
    expect(originAllowed("http://evil.example:3000", "evil.example:3000", local)).toBe(false);
    expect(originAllowed("http://localhost:6274", "evil.example:3000", local)).toBe(false);
    expect(originAllowed("http://localhost:6274", null, local)).toBe(false);
  });

  it("keeps a non-loopback public URL's strict allowlist", () => {
    const deployed = { publicUrl: "https://socode.example.com", allowedOrigins: "https://inspector.example.com, https://ops.example.com/" };
    expect(originAllowed("https://socode.example.com", "socode.example.com", deployed)).toBe(true);
    expect(originAllowed("https://inspector.example.com", "socode.example.com", deployed)).toBe(true);
    expect(originAllowed("https://ops.example.com", "socode.example.com", deployed)).toBe(true);
    expect(originAllowed("http://localhost:6274", "127.0.0.1:3000", deployed)).toBe(false);
    expect(originAllowed("http://127.0.0.1:3000", "127.0.0.1:3000", deployed)).toBe(false);
    expect(originAllowed("https://evil.example", "socode.example.com", deployed)).toBe(false);
  });

  it("accepts origins listed in SOCODE_ALLOWED_ORIGINS on a loopback server too", () => {
    expect(originAllowed("https://inspector.example.com", "127.0.0.1:3000", { ...local, allowedOrigins: "https://inspector.example.com" })).toBe(true);
  });
});
