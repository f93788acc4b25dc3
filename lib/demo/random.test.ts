import { describe, expect, test } from "vitest";
import { addLocalDays, isLocalDate, isoWeekday, lastWeekMonday, LocalDay, todayIn } from "./calendar";
import { formatUuid7, SeededRandom, stableUuid7 } from "./random";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("seeded randomness", () => {
  test("the same seed and stream repeat; another seed or stream does not", () => {
    const draw = (seed: number, stream: string) => {
      const r = new SeededRandom(seed, stream);
      return Array.from({ length: 5 }, () => r.uint32());
    };
    expect(draw(42, "demo")).toEqual(draw(42, "demo"));
    expect(draw(42, "demo")).not.toEqual(draw(43, "demo"));
    expect(draw(42, "demo")).not.toEqual(draw(42, "demo-b"));
  });

  test("ids are UUIDv7-shaped and carry their timestamp", () => {
    const ms = Date.UTC(2026, 10, 24, 15, 30);
    const id = new SeededRandom(1, "x").uuid7(ms);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(ms);
    expect(formatUuid7(0, 0, 0, 0)).toBe("00000000-0000-7000-8000-000000000000");
  });

  test("stable member ids never collide, even at one timestamp", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200_000; i++) ids.add(stableUuid7(1_700_000_000_000, 12345, i));
    expect(ids.size).toBe(200_000);
    expect(stableUuid7(1_700_000_000_000, 12345, 7)).toMatch(UUID_V7);
  });
});

describe("local calendar", () => {
  test("dates, weekdays and last week's Monday", () => {
    expect(isLocalDate("2026-02-29")).toBe(false);
    expect(isLocalDate("2028-02-29")).toBe(true);
    expect(addLocalDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(isoWeekday("2026-11-24")).toBe(2);
    expect(lastWeekMonday("2026-11-24")).toBe("2026-11-16");
    expect(lastWeekMonday("2026-11-29")).toBe("2026-11-16"); // a Sunday
    expect(lastWeekMonday("2026-11-30")).toBe("2026-11-23"); // a Monday
  });

  test("local shop times map to the right instants on both sides of a DST change", () => {
    const nine = 9 * 3_600_000;
    expect(new Date(new LocalDay("2026-03-07", "America/New_York").at(nine)).toISOString()).toBe("2026-03-07T14:00:00.000Z");
    expect(new Date(new LocalDay("2026-03-08", "America/New_York").at(nine)).toISOString()).toBe("2026-03-08T13:00:00.000Z");
    expect(new Date(new LocalDay("2026-10-25", "Europe/Berlin").at(nine)).toISOString()).toBe("2026-10-25T08:00:00.000Z");
    expect(todayIn("America/New_York", new Date("2026-11-25T03:00:00Z"))).toBe("2026-11-24");
    expect(todayIn("Europe/Berlin", new Date("2026-11-24T23:30:00Z"))).toBe("2026-11-25");
  });
});
