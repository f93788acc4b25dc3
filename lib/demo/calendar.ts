// Local calendar days in a tenant's time zone, and the instants they map to. The generator thinks in
// local days (a day index from the start of the history) and local times of day, like a shop does.
import { addDays, isoWeekday, localDateOf, localToInstant } from "@/lib/semantic/resolve-window";

const DAY_MS = 86_400_000;

export const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isLocalDate(text: string): boolean {
  if (!LOCAL_DATE.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Adds calendar days to a local date (the semantic layer's calendar arithmetic). */
export const addLocalDays = addDays;
export { isoWeekday };

/** Monday of the ISO week before the one containing `date` ("last week" starts here). */
export function lastWeekMonday(date: string): string {
  return addLocalDays(date, 1 - isoWeekday(date) - 7);
}

/** Today's local date in `timeZone` (used only for the default as-of date). */
export function todayIn(timeZone: string, now: Date): string {
  return localDateOf(now, timeZone);
}

/**
 * Maps a local time of day on `date` to an instant. Uses the zone's offset at local noon, which is
 * exact for shop hours (DST switches happen at night).
 */
export class LocalDay {
  readonly date: string;
  readonly weekday: number;
  private readonly base: number;

  constructor(date: string, timeZone: string) {
    this.date = date;
    this.weekday = isoWeekday(date);
    // The zone's offset at local noon applies to the whole shop day.
    this.base = localToInstant(date, timeZone, 12 * HOUR_MS).getTime() - 12 * HOUR_MS;
  }

  /** Instant (epoch ms) of `msOfDay` after local midnight, for times between 03:00 and 24:00. */
  at(msOfDay: number): number {
    return this.base + msOfDay;
  }
}

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export { DAY_MS };
