import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { packageSkill } from "./package-skill";

describe("flash-operations skill zip", () => {
  it("holds the skill under one flash-operations/ folder, byte for byte", async () => {
    const files = unzipSync(packageSkill());
    const names = Object.keys(files).sort();
    expect(names).toContain("flash-operations/SKILL.md");
    expect(names.every((n) => n.startsWith("flash-operations/"))).toBe(true);
    expect(names.some((n) => n.startsWith("flash-operations/references/"))).toBe(true);
    const fs = await import("node:fs");
    expect(Buffer.from(files["flash-operations/SKILL.md"] ?? new Uint8Array()).toString("utf8")).toBe(fs.readFileSync("skills/flash-operations/SKILL.md", "utf8"));
  });
});
