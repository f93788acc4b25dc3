// Local calendar days in a tenant's time zone, and the instants they map to. The generator thinks in
// local days (a day index from the start of the history) and local times of day, like a shop does.
const DAY_MS = 86_400_000;

export const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isLocalDate(text: string): boolean {
  if (!LOCAL_DATE.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** The local date as milliseconds of UTC midnight (a plain calendar number, not an instant). */
export function localDateMs(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

export function formatLocalDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addLocalDays(date: string, days: number): string {
  return formatLocalDate(localDateMs(date) + days * DAY_MS);
}

/** ISO weekday of a local date: Monday = 1 … Sunday = 7. */
export function isoWeekday(date: string): number {
  const w = new Date(localDateMs(date)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** Monday of the ISO week before the one containing `date` ("last week" starts here). */
export function lastWeekMonday(date: string): string {
  return addLocalDays(date, 1 - isoWeekday(date) - 7);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at `instantMs`, in milliseconds (New York in winter: −5 h). */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - (instantMs - (instantMs % 1000));
}

/** Today's local date in `timeZone` (used only for the default as-of date). */
export function todayIn(timeZone: string, now: Date): string {
  return formatLocalDate(now.getTime() + zoneOffsetMs(timeZone, now.getTime()));
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
    const noonLocal = localDateMs(date) + 12 * 3_600_000;
    const offset = zoneOffsetMs(timeZone, noonLocal - zoneOffsetMs(timeZone, noonLocal));
    this.base = localDateMs(date) - offset;
  }

  /** Instant (epoch ms) of `msOfDay` after local midnight, for times between 03:00 and 24:00. */
  at(msOfDay: number): number {
    return this.base + msOfDay;
  }
}

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export { DAY_MS };
