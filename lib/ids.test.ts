import { describe, expect, it } from "vitest";
import { isUuid, newUuid7 } from "./ids";

describe("newUuid7", () => {
  it("is a version 7, variant 10 UUID whose first 48 bits are the given milliseconds", () => {
    const ms = Date.UTC(2026, 11, 4, 12, 0, 0, 123);
    for (let i = 0; i < 1000; i++) {
      const id = newUuid7(ms);
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe("7");
      expect("89ab").toContain(id[19]);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
    }
  });

  it("sorts by time and never repeats, across pool refills", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newUuid7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("spreads its random bits (every hex digit appears in every random position)", () => {
    const ids = Array.from({ length: 4000 }, () => newUuid7(0));
    const randomPositions = [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
    for (const p of randomPositions) expect(new Set(ids.map((id) => id[p])).size).toBe(16);
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(["8", "9", "a", "b"]));
  });

  it("refuses a time that does not fit 48 bits", () => {
    expect(() => newUuid7(-1)).toThrow(RangeError);
    expect(() => newUuid7(2 ** 48)).toThrow(RangeError);
    expect(() => newUuid7(1.5)).toThrow(RangeError);
  });
});
