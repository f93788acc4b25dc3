import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import {
  addDays,
  isoWeekLabel,
  localDateOf,
  localToInstant,
  resolveComparison,
  resolveWindow,
  WindowError,
  type CompareSpec,
  type WindowSpec,
} from "./resolve-window";

const NY = "America/New_York";

function win(spec: WindowSpec, timeZone: string, now: string) {
  return resolveWindow(spec, { timeZone, now: new Date(now) });
}
function cmp(spec: WindowSpec, compare: CompareSpec, timeZone: string, now: string) {
  const options = { timeZone, now: new Date(now) };
  return resolveComparison(resolveWindow(spec, options), compare, options);
}
const pick = (w: { from: string; to: string; start: string; end: string; partial: boolean }) => ({
  from: w.from,
  to: w.to,
  start: w.start,
  end: w.end,
  partial: w.partial,
});

describe("named windows", () => {
  const now = "2026-11-24T15:00:00.000Z"; // Tuesday 10:00 in New York
  it("resolves every named window in the tenant's zone (ISO weeks, last_N_days end yesterday, this_* to now)", () => {
    expect(pick(win("today", NY, now))).toEqual({ from: "2026-11-24", to: "2026-11-24", start: "2026-11-24T05:00:00.000Z", end: now, partial: true });
    expect(pick(win("yesterday", NY, now))).toEqual({ from: "2026-11-23", to: "2026-11-23", start: "2026-11-23T05:00:00.000Z", end: "2026-11-24T05:00:00.000Z", partial: false });
    expect(win("last_7_days", NY, now)).toMatchObject({ from: "2026-11-17", to: "2026-11-23", partial: false });
    expect(win("last_14_days", NY, now)).toMatchObject({ from: "2026-11-10", to: "2026-11-23" });
    expect(win("last_28_days", NY, now)).toMatchObject({ from: "2026-10-27", to: "2026-11-23" });
    // Crosses the 2026-11-01 DST change: starts at EDT midnight (04:00Z), ends at EST midnight (05:00Z).
    expect(pick(win("last_30_days", NY, now))).toEqual({ from: "2026-10-25", to: "2026-11-23", start: "2026-10-25T04:00:00.000Z", end: "2026-11-24T05:00:00.000Z", partial: false });
    expect(pick(win("this_week", NY, now))).toEqual({ from: "2026-11-23", to: "2026-11-29", start: "2026-11-23T05:00:00.000Z", end: now, partial: true });
    expect(win("last_week", NY, now)).toMatchObject({ from: "2026-11-16", to: "2026-11-22", partial: false });
    expect(win("last_week", NY, now).label).toContain("2026-W47");
    expect(win("this_month", NY, now)).toMatchObject({ from: "2026-11-01", to: "2026-11-30", start: "2026-11-01T04:00:00.000Z", end: now, through: "2026-11-24" });
    expect(win("last_month", NY, now)).toMatchObject({ from: "2026-10-01", to: "2026-10-31" });
    expect(win("this_quarter", NY, now)).toMatchObject({ from: "2026-10-01", to: "2026-12-31", partial: true });
    expect(win("last_quarter", NY, now)).toMatchObject({ from: "2026-07-01", to: "2026-09-30" });
    expect(win("this_year", NY, now)).toMatchObject({ from: "2026-01-01", to: "2026-12-31", partial: true });
    expect(win("last_year", NY, now)).toMatchObject({ from: "2025-01-01", to: "2025-12-31", start: "2025-01-01T05:00:00.000Z", end: "2026-01-01T05:00:00.000Z" });
  });

  it("the same instant is a different local day in different zones", () => {
    const late = "2026-11-24T03:30:00.000Z"; // Mon 22:30 in New York, Tue 12:30 in Tokyo, Tue 16:30 in Auckland
    expect(win("today", NY, late).from).toBe("2026-11-23");
    expect(win("today", "Asia/Tokyo", late)).toMatchObject({ from: "2026-11-24", start: "2026-11-23T15:00:00.000Z" });
    expect(win("today", "Pacific/Auckland", late)).toMatchObject({ from: "2026-11-24", start: "2026-11-23T11:00:00.000Z" });
    expect(win("today", "Asia/Kolkata", late)).toMatchObject({ from: "2026-11-24", start: "2026-11-23T18:30:00.000Z" });
    // Monday in New York: this_week starts that day; last_week is the week before.
    expect(win("this_week", NY, late).from).toBe("2026-11-23");
    expect(win("last_week", "Asia/Tokyo", late).from).toBe("2026-11-16");
  });

  it("DST changes: a week with a 23-hour day and a day of 25 hours", () => {
    // New York springs forward on Sunday 2026-03-08.
    const w = win("last_week", NY, "2026-03-10T16:00:00.000Z");
    expect(pick(w)).toEqual({ from: "2026-03-02", to: "2026-03-08", start: "2026-03-02T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z", partial: false });
    expect((Date.parse(w.end) - Date.parse(w.start)) / 3_600_000).toBe(167);
    // Berlin falls back on Sunday 2026-10-25.
    const y = win("yesterday", "Europe/Berlin", "2026-10-26T12:00:00.000Z");
    expect(pick(y)).toEqual({ from: "2026-10-25", to: "2026-10-25", start: "2026-10-24T22:00:00.000Z", end: "2026-10-25T23:00:00.000Z", partial: false });
    // Santiago skips local midnight (00:00 → 01:00) on 2026-09-06: the day starts at 01:00 local = 04:00Z.
    expect(win("yesterday", "America/Santiago", "2026-09-07T12:00:00.000Z")).toMatchObject({ from: "2026-09-06", start: "2026-09-06T04:00:00.000Z", end: "2026-09-07T03:00:00.000Z" });
  });

  it("ISO week 53 and weeks spanning a new year", () => {
    expect(isoWeekLabel("2026-12-31")).toBe("2026-W53");
    expect(isoWeekLabel("2027-01-03")).toBe("2026-W53");
    expect(isoWeekLabel("2027-01-04")).toBe("2027-W01");
    expect(isoWeekLabel("2024-12-30")).toBe("2025-W01");
    const lw = win("last_week", "UTC", "2027-01-05T12:00:00.000Z");
    expect(lw).toMatchObject({ from: "2026-12-28", to: "2027-01-03" });
    expect(lw.label).toContain("2026-W53");
    expect(win("this_week", "UTC", "2027-01-01T12:00:00.000Z")).toMatchObject({ from: "2026-12-28", to: "2027-01-03" });
    // Same week last year, 52 weeks back, lands on the same weekdays.
    expect(cmp("last_week", "same_period_last_year", "UTC", "2027-01-05T12:00:00.000Z")).toMatchObject({ from: "2025-12-29", to: "2026-01-04" });
  });

  it("leap days and month ends", () => {
    expect(win("yesterday", "UTC", "2028-03-01T12:00:00.000Z").from).toBe("2028-02-29");
    expect(win("last_month", "UTC", "2028-03-15T12:00:00.000Z")).toMatchObject({ from: "2028-02-01", to: "2028-02-29" });
    expect(win("last_month", "UTC", "2027-03-15T12:00:00.000Z")).toMatchObject({ from: "2027-02-01", to: "2027-02-28" });
    // Feb 29 a year back is Feb 28.
    expect(cmp({ from: "2028-02-29", to: "2028-02-29" }, "same_period_last_year", "UTC", "2028-03-15T00:00:00.000Z")).toMatchObject({ from: "2027-02-28", to: "2027-02-28" });
    // prior_month of a month-end range clamps: Mar 31 → Feb 29.
    expect(cmp({ from: "2028-03-29", to: "2028-03-31" }, "prior_month", "UTC", "2028-04-15T00:00:00.000Z")).toMatchObject({ from: "2028-02-29", to: "2028-02-29" });
    // Full months compare with full months, whatever their length.
    expect(cmp("last_month", "previous_period", "UTC", "2028-04-02T00:00:00.000Z")).toMatchObject({ from: "2028-02-01", to: "2028-02-29", partial: false });
    expect(cmp("last_month", "prior_month", "UTC", "2026-04-02T00:00:00.000Z")).toMatchObject({ from: "2026-02-01", to: "2026-02-28" });
    expect(cmp("last_quarter", "previous_period", "UTC", "2026-11-24T00:00:00.000Z")).toMatchObject({ from: "2026-04-01", to: "2026-06-30" });
    expect(cmp("last_month", "same_period_last_year", "UTC", "2028-03-02T00:00:00.000Z")).toMatchObject({ from: "2027-02-01", to: "2027-02-28" });
  });

  it("comparisons of rolling windows and to-date windows", () => {
    const now = "2026-11-24T15:00:00.000Z";
    expect(cmp("last_30_days", "previous_period", NY, now)).toMatchObject({ from: "2026-09-25", to: "2026-10-24", partial: false });
    expect(cmp("last_7_days", "prior_week", NY, now)).toMatchObject({ from: "2026-11-10", to: "2026-11-16" });
    expect(cmp("last_week", "previous_period", NY, now)).toMatchObject({ from: "2026-11-09", to: "2026-11-15" });
    expect(cmp("last_30_days", "same_period_last_year", NY, now)).toMatchObject({ from: "2025-10-25", to: "2025-11-23" });
    // Month to date (Nov 1 – Nov 24 10:00) vs October 1 – October 24 at 10:00 local (EDT, 14:00Z).
    expect(cmp("this_month", "previous_period", NY, now)).toMatchObject({ from: "2026-10-01", to: "2026-10-31", end: "2026-10-24T14:00:00.000Z", partial: true, through: "2026-10-24" });
    // Today so far vs yesterday up to the same local time.
    expect(cmp("today", "previous_period", NY, now)).toMatchObject({ from: "2026-11-23", end: "2026-11-23T15:00:00.000Z", partial: true });
    // Week to date vs the same weekdays and time of the previous week.
    expect(cmp("this_week", "prior_week", NY, now)).toMatchObject({ from: "2026-11-16", end: "2026-11-17T15:00:00.000Z" });
    // On March 31, month to date compares with all of February.
    expect(cmp("this_month", "previous_period", "UTC", "2026-03-31T12:00:00.000Z")).toMatchObject({ from: "2026-02-01", to: "2026-02-28", end: "2026-03-01T00:00:00.000Z" });
    expect(cmp("last_week", { from: "2026-01-05", to: "2026-01-11" }, NY, now)).toMatchObject({ name: "custom", from: "2026-01-05", to: "2026-01-11" });
  });

  it("explicit windows: inclusive local dates, cut at now when they reach today, invalid ones refused", () => {
    const now = "2026-11-24T15:00:00.000Z";
    expect(pick(win({ from: "2026-11-01", to: "2026-11-01" }, NY, now))).toEqual({ from: "2026-11-01", to: "2026-11-01", start: "2026-11-01T04:00:00.000Z", end: "2026-11-02T05:00:00.000Z", partial: false });
    expect(win({ from: "2026-11-20", to: "2026-12-31" }, NY, now)).toMatchObject({ partial: true, end: now });
    expect(() => win({ from: "2026-02-30", to: "2026-03-01" }, NY, now)).toThrow(WindowError);
    expect(() => win({ from: "2026-03-02", to: "2026-03-01" }, NY, now)).toThrow(WindowError);
  });
});

describe("local midnight → instant agrees with PostgreSQL's AT TIME ZONE", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("for every day of 2026 and around DST changes in zones with odd offsets and midnight transitions", async () => {
    const zones = ["America/New_York", "Europe/Berlin", "America/Santiago", "Asia/Kolkata", "Pacific/Auckland", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "America/Havana", "Asia/Beirut", "UTC"];
    const days: string[] = [];
    for (let d = "2025-12-25"; d <= "2027-01-05"; d = addDays(d, 1)) days.push(d);
    const times = [0, 30 * 60_000, 2 * 3_600_000 + 30 * 60_000, 3_600_000 + 30 * 60_000, 23 * 3_600_000 + 30 * 60_000];
    for (const tz of zones) {
      const cases = days.flatMap((day) => times.map((ms) => ({ day, ms })));
      const locals = cases.map(({ day, ms }) => `${day} ${new Date(ms).toISOString().slice(11, 23)}`);
      const rows = await t.db.$queryRawUnsafe<{ i: string }[]>(
        `SELECT to_char((x::timestamp AT TIME ZONE $2::text) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS i
         FROM unnest(string_to_array($1::text, ',')) WITH ORDINALITY AS u(x, n) ORDER BY n`,
        locals.join(","),
        tz,
      );
      const ours = cases.map(({ day, ms }) => localToInstant(day, tz, ms).toISOString());
      expect(ours, tz).toEqual(rows.map((r) => r.i));
    }
  });

  /** localDateOf for each instant equals PostgreSQL's `(instant AT TIME ZONE tz)::date`. */
  async function expectLocalDatesAsPostgres(instants: Date[], tz: string) {
    const rows = await t.db.$queryRawUnsafe<{ d: string }[]>(
      `SELECT to_char((x::timestamptz AT TIME ZONE $2::text)::date, 'YYYY-MM-DD') AS d
       FROM unnest(string_to_array($1::text, ',')) WITH ORDINALITY AS u(x, n) ORDER BY n`,
      instants.map((i) => i.toISOString()).join(","),
      tz,
    );
    expect(instants.map((i) => localDateOf(i, tz)), tz).toEqual(rows.map((r) => r.d));
  }

  it("instant → local date agrees for random instants", async () => {
    const instants = Array.from({ length: 400 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 23_017_000 + (i % 7) * 3_599_999));
    for (const tz of ["America/New_York", "Pacific/Chatham", "Asia/Kolkata", "America/Santiago"]) {
      await expectLocalDatesAsPostgres(instants, tz);
    }
  });

  it("instant → local date agrees every 15 minutes of a year, across midnight DST changes (the day-span shortcut)", async () => {
    const instants = Array.from({ length: 366 * 96 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 900_000 - 7 * 60_000));
    for (const tz of ["America/Santiago", "America/Havana", "Asia/Beirut", "Australia/Lord_Howe", "Europe/Berlin"]) {
      await expectLocalDatesAsPostgres(instants, tz);
    }
  });
});
