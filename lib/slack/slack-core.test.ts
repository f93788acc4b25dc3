// Unit tests of the Slack room's security primitives and of the shipped manifest.
import crypto from "node:crypto";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { BOT_SCOPES } from "./install";
import { openBotToken, sealBotToken } from "./token-vault";
import { slackSignature, verifySlackSignature } from "./verify-signature";
import { isSlackResponseUrl } from "./web-client";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

describe("Slack request signatures", () => {
  // The worked example in Slack's "Verifying requests from Slack" documentation.
  const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const ts = "1531420618";
  const at = new Date(Number(ts) * 1000 + 30_000);

  it("matches Slack's documented example signature", () => {
    expect(slackSignature(SECRET, ts, body)).toBe("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
    expect(verifySlackSignature(SECRET, { signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", timestamp: ts }, body, at)).toEqual({ ok: true });
  });
  it("refuses a changed body, a wrong secret, a missing header and a stale or future timestamp", () => {
    const sig = slackSignature(SECRET, ts, body);
    expect(verifySlackSignature(SECRET, { signature: sig, timestamp: ts }, `${body}x`, at)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(verifySlackSignature("other", { signature: sig, timestamp: ts }, body, at)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(verifySlackSignature(SECRET, { signature: null, timestamp: ts }, body, at)).toEqual({ ok: false, reason: "signature_missing" });
    expect(verifySlackSignature(SECRET, { signature: sig, timestamp: "abc" }, body, at)).toEqual({ ok: false, reason: "signature_missing" });
    expect(verifySlackSignature(SECRET, { signature: sig, timestamp: ts }, body, new Date(Number(ts) * 1000 + 301_000))).toEqual({ ok: false, reason: "timestamp_stale" });
    expect(verifySlackSignature(SECRET, { signature: sig, timestamp: ts }, body, new Date(Number(ts) * 1000 - 301_000))).toEqual({ ok: false, reason: "timestamp_stale" });
    expect(verifySlackSignature(SECRET, { signature: "v0=short", timestamp: ts }, body, at)).toEqual({ ok: false, reason: "signature_mismatch" });
  });
});

describe("bot tokens at rest", () => {
  const key = crypto.randomBytes(32);
  it("seals with AES-256-GCM bound to the connection id", () => {
    const sealed = sealBotToken("xoxb-123-secret", "conn-1", key);
    expect(sealed).not.toContain("xoxb");
    expect(sealBotToken("xoxb-123-secret", "conn-1", key)).not.toBe(sealed); // fresh IV each time
    expect(openBotToken(sealed, "conn-1", key)).toBe("xoxb-123-secret");
    expect(() => openBotToken(sealed, "conn-2", key)).toThrow(/cannot be decrypted/);
    expect(() => openBotToken(sealed, "conn-1", crypto.randomBytes(32))).toThrow(/cannot be decrypted/);
    const [v, iv, tag, body] = sealed.split(".");
    const flipped = `${v}.${iv}.${tag}.${(body ?? "").startsWith("A") ? "B" : "A"}${(body ?? "").slice(1)}`;
    expect(() => openBotToken(flipped, "conn-1", key)).toThrow(/cannot be decrypted/);
  });
});

describe("slack/manifest.json", () => {
  const manifest = JSON.parse(fs.readFileSync("slack/manifest.json", "utf8"));
  it("asks for exactly the bot scopes the install flow requests", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
  });
  it("points every Slack feature at an endpoint that exists", () => {
    const paths = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      manifest.features.slash_commands[0].url,
      manifest.oauth_config.redirect_urls[0],
    ].map((u: string) => new URL(u).pathname);
    for (const p of paths) expect(fs.existsSync(`app${p}/route.ts`), p).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(["app_mention", "message.im"]);
  });
});

describe("a slash command's response_url", () => {
  it("is only ever Slack's (https://hooks.slack.com) or, in tests, the stand-in's origin (SLACK_API_URL)", () => {
    // Slack's documented example (the signature example above carries it).
    expect(isSlackResponseUrl("https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN")).toBe(true);
    for (const url of [
      "http://hooks.slack.com/commands/T1/2/3",
      "https://hooks.slack.com.attacker.example/commands/T1/2/3",
      "https://user:pw@hooks.slack.com/commands/T1/2/3",
      "https://attacker.example/commands/T1/2/3",
      "http://127.0.0.1:9/commands/x",
      "not a url",
    ]) {
      expect(isSlackResponseUrl(url), url).toBe(false);
    }
  });
});
