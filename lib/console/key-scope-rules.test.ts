import { describe, expect, it } from "vitest";
import { WRITE_SCOPES } from "@/lib/governance/scopes";
import { grantedScopesOf, planKeyScopes, scopeChoices } from "./key-scope-rules";

describe("scope picker rules", () => {
  it("lets only admins issue keys", () => {
    for (const roles of [[], ["auditor"], ["approver", "auditor"]] as const) {
      const plan = planKeyScopes(roles, { preset: "metrics:read" });
      expect(plan).toMatchObject({ ok: false, code: "not_admin" });
    }
    expect(planKeyScopes(["admin"], {})).toEqual({ ok: true, preset: "metrics:read", grantedScopes: [], scopes: ["metrics:read"] });
  });

  it("never takes a write scope from a preset: each is granted one by one", () => {
    for (const preset of ["metrics:read", "analyst"]) {
      const plan = planKeyScopes(["admin"], { preset });
      expect(plan.ok && plan.scopes.some((s) => (WRITE_SCOPES as string[]).includes(s))).toBe(false);
    }
    const plan = planKeyScopes(["admin"], { preset: "metrics:read", grantedScopes: ["coupons:write", "coupons:write"] });
    expect(plan).toEqual({ ok: true, preset: "metrics:read", grantedScopes: ["coupons:write"], scopes: ["metrics:read", "coupons:write"] });
  });

  it("refuses unknown presets and scopes, and read scopes granted on their own", () => {
    expect(planKeyScopes(["admin"], { preset: "root" })).toMatchObject({ ok: false, code: "unknown_preset" });
    expect(planKeyScopes(["admin"], { grantedScopes: ["admin:all"] })).toMatchObject({ ok: false, code: "unknown_scope" });
    expect(planKeyScopes(["admin"], { grantedScopes: ["members:read"] })).toMatchObject({ ok: false, code: "not_grantable" });
    expect(planKeyScopes(["admin"], { grantedScopes: ["__proto__"] })).toMatchObject({ ok: false, code: "unknown_scope" });
  });

  it("allows members:pii only with a preset that can look members up", () => {
    expect(planKeyScopes(["admin"], { preset: "metrics:read", grantedScopes: ["members:pii"] })).toMatchObject({ ok: false, code: "needs_member_reads" });
    expect(planKeyScopes(["admin"], { preset: "analyst", grantedScopes: ["members:pii"] })).toMatchObject({
      ok: true,
      scopes: ["metrics:read", "members:read", "members:pii", "coupons:read"],
    });
    const pii = scopeChoices("metrics:read").find((c) => c.scope === "members:pii");
    expect(pii?.available).toBe(false);
    expect(scopeChoices("analyst").every((c) => c.available)).toBe(true);
  });

  it("describes every grantable scope in plain words", () => {
    const choices = scopeChoices("analyst");
    expect(choices.map((c) => c.scope)).toEqual(["members:pii", "members:write", "points:write", "coupons:write", "ambassadors:write"]);
    expect(choices.every((c) => c.description.length > 10)).toBe(true);
  });

  it("splits a stored key's scopes back into its grants for rotation", () => {
    expect(grantedScopesOf("analyst", ["metrics:read", "members:read", "coupons:read", "coupons:write"])).toEqual(["coupons:write"]);
  });
});
