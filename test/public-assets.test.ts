// The design card's public/ folder: the favicon, the skill's icon and the Slack app icon are served
// by the built app with an image type, the pages link the favicon, and each file is a well-formed SVG.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "./app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "./database";

const ICONS = ["favicon.svg", "icons/flash-operations.svg", "icons/sotag.svg"];

describe(`public assets on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let app: RunningApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startApp(database);
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  it.each(ICONS)("serves /%s as an SVG image", async (file) => {
    const res = await fetch(`${app.baseUrl}/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const body = await res.text();
    expect(body).toBe(fs.readFileSync(path.join("public", file), "utf8"));
  });

  it("links the favicon from the pages (the root layout's metadata)", async () => {
    for (const page of ["/", "/sign-in"]) {
      const res = await fetch(`${app.baseUrl}${page}`);
      expect(res.status, page).toBe(200);
      expect(await res.text(), page).toMatch(/<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml"/);
    }
  });

  it.each(ICONS)("%s is a small, self-contained SVG with a title", (file) => {
    const svg = fs.readFileSync(path.join("public", file), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
    expect(svg).toMatch(/<title>[^<]+<\/title>/);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    // Nothing fetched from elsewhere, nothing executable.
    expect(svg).not.toMatch(/<script|href="http|url\(http|<image/i);
    expect(Buffer.byteLength(svg)).toBeLessThan(4096);
  });

  it("is referenced where it is used: the skill names its icon", () => {
    expect(fs.readFileSync("skills/flash-operations/SKILL.md", "utf8")).toContain("public/icons/flash-operations.svg");
  });
});
