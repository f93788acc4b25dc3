// Window resolution: named windows and explicit dates → local-date ranges and instants in the
// tenant's IANA time zone. Everything takes an explicit `now` so results are deterministic.
//
// Semantics (also in docs/semantic-layer.md):
// - Days are local calendar days in the tenant's zone; weeks are ISO weeks (Monday–Sunday).
// - `today` and `this_*` windows run from the start of the period to the as-of instant (`now`).
// - `last_N_days` is the N complete days ending yesterday (today is never included).
// - `yesterday`, `last_week`, `last_month`, `last_quarter`, `last_year` are complete periods.
// - Explicit `{ from, to }` are inclusive local dates; a `to` of today or later is cut at `now`.
// Local midnight → instant follows PostgreSQL's `(date::timestamp AT TIME ZONE tz)`: a wall time
// skipped by a DST jump uses the offset before the jump, a repeated one the offset after it.
import { z } from "zod";

export const NAMED_WINDOWS = [
  "today",
  "yesterday",
  "last_7_days",
  "last_14_days",
  "last_28_days",
  "last_30_days",
  "this_week",
  "last_week",
  "this_month",
  "last_month",
  "this_quarter",
  "last_quarter",
  "this_year",
  "last_year",
] as const;
export type NamedWindow = (typeof NAMED_WINDOWS)[number];

export const COMPARISONS = ["previous_period", "prior_week", "prior_month", "same_period_last_year"] as const;
export type Comparison = (typeof COMPARISONS)[number];

/**
 * Explicit dates are bounded: the calendar arithmetic here breaks beyond year 9999 (and before 100),
 * and no loyalty data is older than 1900.
 */
const FIRST_DATE = "1900-01-01";
const LAST_DATE = "2999-12-31";

const LocalDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD")
  .refine((s) => isValidLocalDate(s), { message: "not a calendar date" })
  .refine((s) => s >= FIRST_DATE && s <= LAST_DATE, { message: `must be between ${FIRST_DATE} and ${LAST_DATE}` });

// Strict: an ignored extra field (say "tz": "UTC") would answer a different question than asked.
export const ExplicitWindowSchema = z
  .strictObject({
    from: LocalDateSchema.describe("First local day, inclusive (YYYY-MM-DD)"),
    to: LocalDateSchema.describe("Last local day, inclusive (YYYY-MM-DD)"),
  })
  .refine((w) => w.from <= w.to, { message: "`from` must not be after `to`" });

export const WindowSpecSchema = z.union([z.enum(NAMED_WINDOWS), ExplicitWindowSchema]);
export type WindowSpec = z.infer<typeof WindowSpecSchema>;

export const CompareSpecSchema = z.union([z.enum(COMPARISONS), ExplicitWindowSchema]);
export type CompareSpec = z.infer<typeof CompareSpecSchema>;

/** The calendar shape of a window; comparisons use it to pick the matching earlier period. */
export type WindowKind = "day" | "days" | "week" | "month" | "quarter" | "year" | "custom";

export type ResolvedWindow = {
  /** The named window or comparison that produced it, or "custom". */
  name: string;
  kind: WindowKind;
  timeZone: string;
  /** First local day, inclusive (YYYY-MM-DD). */
  from: string;
  /** Last local day, inclusive (YYYY-MM-DD). */
  to: string;
  /** Instant of local midnight at the start of `from` (ISO 8601, UTC). */
  start: string;
  /** Exclusive end instant: local midnight after `to`, or the as-of instant when `partial`. */
  end: string;
  /** True when the window runs to the as-of instant rather than to the end of `to`. */
  partial: boolean;
  /** Last local day with any time inside the window (`to`, or the as-of day for partial windows). */
  through: string;
  /** Human-readable description, e.g. "last_week: 2026-W47, Mon 2026-11-16 – Sun 2026-11-22 (America/New_York)". */
  label: string;
};

export class WindowError extends Error {
  readonly code = "invalid_window";
}

// ───────────── calendar arithmetic on local dates (UTC-based Date used as a plain calendar) ─────────────

const DAY_MS = 86_400_000;

function isValidLocalDate(s: string): boolean {
  const [y, m, d] = s.split("-").map(Number);
  if (!y || !m || !d) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function toUtcMs(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

function fromUtcMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * DAY_MS);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS);
}

function parts(date: string): { y: number; m: number; d: number } {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return { y, m, d };
}

function ymd(y: number, m: number, d: number): string {
  return fromUtcMs(Date.UTC(y, m - 1, d));
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Shifts by whole months, clamping the day to the target month's length (Mar 31 − 1 month = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const { y, m, d } = parts(date);
  const index = y * 12 + (m - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = (index % 12) + 1;
  return ymd(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(date: string): number {
  const w = new Date(toUtcMs(date)).getUTCDay();
  return w === 0 ? 7 : w;
}

export function startOfIsoWeek(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

/** ISO week label, e.g. "2026-W53" for 2026-12-31. */
export function isoWeekLabel(date: string): string {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const year = parts(thursday).y;
  const week = Math.floor(daysBetween(ymd(year, 1, 1), thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

function startOfMonth(date: string): string {
  const { y, m } = parts(date);
  return ymd(y, m, 1);
}

function endOfMonth(date: string): string {
  const { y, m } = parts(date);
  return ymd(y, m, daysInMonth(y, m));
}

function startOfQuarter(date: string): string {
  const { y, m } = parts(date);
  return ymd(y, m - ((m - 1) % 3), 1);
}

function startOfYear(date: string): string {
  return ymd(parts(date).y, 1, 1);
}

// ───────────── time zones ─────────────

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

/** Wall-clock time of `instant` in `timeZone`, as milliseconds on a UTC-based calendar. */
function wallClockMs(instant: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  const ms = instant - Math.floor(instant / 1000) * 1000;
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) + ms;
}

function offsetAt(instant: number, timeZone: string): number {
  return wallClockMs(instant, timeZone) - instant;
}

const MAX_REMEMBERED_INSTANTS = 10_000;
const instants = new Map<string, number>();

/** Per time zone, the local days last looked up and the instants each starts and ends at. */
const daySpans = new Map<string, { date: string; start: number; end: number }[]>();
const DAY_SPANS_PER_ZONE = 16;

/** The local calendar date of `instant` in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): string {
  // Most calls ask about today or a window's last day: answered from the day's span without an Intl look-up.
  const t = instant.getTime();
  let spans = daySpans.get(timeZone);
  const known = spans?.find((s) => t >= s.start && t < s.end);
  if (known) return known.date;
  const date = fromUtcMs(Math.floor(wallClockMs(t, timeZone) / DAY_MS) * DAY_MS);
  const start = localToInstant(date, timeZone).getTime();
  const end = localToInstant(addDays(date, 1), timeZone).getTime();
  // Only a day without a clock change is remembered: around one (a repeated midnight hour, say)
  // the local date is not a single span of instants.
  if (t >= start && t < end && end - start === DAY_MS && offsetAt(start, timeZone) === offsetAt(end - 1, timeZone)) {
    if (!spans) {
      if (daySpans.size >= MAX_REMEMBERED_INSTANTS) daySpans.clear();
      spans = [];
      daySpans.set(timeZone, spans);
    }
    if (spans.length >= DAY_SPANS_PER_ZONE) spans.shift();
    spans.push({ date, start, end });
  }
  return date;
}

/** Milliseconds since local midnight of `instant` in `timeZone`. */
function localTimeOfDayMs(instant: Date, timeZone: string): number {
  const wall = wallClockMs(instant.getTime(), timeZone);
  return wall - Math.floor(wall / DAY_MS) * DAY_MS;
}

/**
 * The instant of a local wall time (`date` + `timeOfDayMs`) in `timeZone`, with PostgreSQL's rules:
 * a skipped wall time uses the offset before the transition; a repeated one the later instant.
 */
export function localToInstant(date: string, timeZone: string, timeOfDayMs = 0): Date {
  // Three Intl look-ups each: the same few dates (window edges) recur on every call of a day.
  const key = `${timeZone} ${date} ${timeOfDayMs}`;
  let ms = instants.get(key);
  if (ms === undefined) {
    if (instants.size >= MAX_REMEMBERED_INSTANTS) instants.clear();
    ms = computeLocalToInstant(date, timeZone, timeOfDayMs);
    instants.set(key, ms);
  }
  return new Date(ms);
}

function computeLocalToInstant(date: string, timeZone: string, timeOfDayMs: number): number {
  const wall = toUtcMs(date) + timeOfDayMs;
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => wallClockMs(t, timeZone) === wall);
  if (candidates.length === 0) return wall - before;
  return Math.max(...candidates);
}

// ───────────── resolution ─────────────

export type ResolveOptions = { timeZone: string; now: Date };

type Range = { name: string; kind: WindowKind; from: string; to: string; partial: boolean };

function build(range: Range, { timeZone, now }: ResolveOptions, endAt?: Date): ResolvedWindow {
  const start = localToInstant(range.from, timeZone);
  const endOfTo = localToInstant(addDays(range.to, 1), timeZone);
  let end = endOfTo;
  let partial = false;
  if (range.partial) {
    const cut = endAt ?? now;
    if (cut.getTime() < endOfTo.getTime()) {
      end = cut;
      partial = true;
    }
  }
  if (end.getTime() < start.getTime()) end = start;
  const through =
    end.getTime() > start.getTime() ? localDateOf(new Date(end.getTime() - 1), timeZone) : addDays(range.from, -1);
  return {
    name: range.name,
    kind: range.kind,
    timeZone,
    from: range.from,
    to: range.to,
    start: start.toISOString(),
    end: end.toISOString(),
    partial,
    through,
    label: describeRange(range, timeZone, partial ? end : undefined),
  };
}

function weekdayName(date: string): string {
  return ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][isoWeekday(date) - 1] ?? "";
}

function describeRange(range: Range, timeZone: string, cut?: Date): string {
  const week = range.kind === "week" ? `${isoWeekLabel(range.from)}, ` : "";
  const until = cut ? ` (to ${cut.toISOString()})` : "";
  const span =
    range.from === range.to
      ? `${weekdayName(range.from)} ${range.from}`
      : `${weekdayName(range.from)} ${range.from} – ${weekdayName(range.to)} ${range.to}`;
  return `${range.name}: ${week}${span}${until} (${timeZone})`;
}

/** Windows that end before `now` depend only on the zone, the local day and the spec: remembered. */
const resolvedWindows = new Map<string, ResolvedWindow>();

/** Resolves a named or explicit window in the tenant's time zone as of `now`. */
export function resolveWindow(spec: WindowSpec, options: ResolveOptions): ResolvedWindow {
  const today = localDateOf(options.now, options.timeZone);
  const key = `${options.timeZone} ${today} ${typeof spec === "string" ? spec : `${spec.from} ${spec.to}`}`;
  const known = resolvedWindows.get(key);
  if (known) return { ...known };
  const resolved = resolveUncached(spec, options, today);
  if (!resolved.partial) {
    if (resolvedWindows.size >= MAX_REMEMBERED_INSTANTS) resolvedWindows.clear();
    resolvedWindows.set(key, { ...resolved });
  }
  return resolved;
}

function resolveUncached(spec: WindowSpec, options: ResolveOptions, today: string): ResolvedWindow {
  if (typeof spec !== "string") {
    if (!isValidLocalDate(spec.from) || !isValidLocalDate(spec.to) || spec.from > spec.to || spec.from < FIRST_DATE || spec.to > LAST_DATE) {
      throw new WindowError(`Window {from: ${spec.from}, to: ${spec.to}} is not a valid date range (YYYY-MM-DD, from ≤ to, ${FIRST_DATE} … ${LAST_DATE}).`);
    }
    return build({ name: "custom", kind: "custom", from: spec.from, to: spec.to, partial: spec.to >= today }, options);
  }
  const range = namedRange(spec, today);
  return build(range, options);
}

function namedRange(name: NamedWindow, today: string): Range {
  const yesterday = addDays(today, -1);
  const lastDays = (n: number): Range => ({ name, kind: "days", from: addDays(today, -n), to: yesterday, partial: false });
  switch (name) {
    case "today":
      return { name, kind: "day", from: today, to: today, partial: true };
    case "yesterday":
      return { name, kind: "day", from: yesterday, to: yesterday, partial: false };
    case "last_7_days":
      return lastDays(7);
    case "last_14_days":
      return lastDays(14);
    case "last_28_days":
      return lastDays(28);
    case "last_30_days":
      return lastDays(30);
    case "this_week": {
      const from = startOfIsoWeek(today);
      return { name, kind: "week", from, to: addDays(from, 6), partial: true };
    }
    case "last_week": {
      const from = addDays(startOfIsoWeek(today), -7);
      return { name, kind: "week", from, to: addDays(from, 6), partial: false };
    }
    case "this_month":
      return { name, kind: "month", from: startOfMonth(today), to: endOfMonth(today), partial: true };
    case "last_month": {
      const from = addMonths(startOfMonth(today), -1);
      return { name, kind: "month", from, to: endOfMonth(from), partial: false };
    }
    case "this_quarter": {
      const from = startOfQuarter(today);
      return { name, kind: "quarter", from, to: addDays(addMonths(from, 3), -1), partial: true };
    }
    case "last_quarter": {
      const from = addMonths(startOfQuarter(today), -3);
      return { name, kind: "quarter", from, to: addDays(addMonths(from, 3), -1), partial: false };
    }
    case "this_year": {
      const from = startOfYear(today);
      return { name, kind: "year", from, to: addDays(addMonths(from, 12), -1), partial: true };
    }
    case "last_year": {
      const from = addMonths(startOfYear(today), -12);
      return { name, kind: "year", from, to: addDays(addMonths(from, 12), -1), partial: false };
    }
  }
}

/** Months spanned by a calendar window kind (0 for day-based kinds). */
function kindMonths(kind: WindowKind): number {
  return kind === "month" ? 1 : kind === "quarter" ? 3 : kind === "year" ? 12 : 0;
}

/**
 * Resolves the comparison window for `current`.
 * - previous_period: the period of the same shape just before. Calendar windows (week, month,
 *   quarter, year) compare with the previous calendar period; day windows with the same number of
 *   days immediately before.
 * - prior_week: the same dates 7 days earlier. prior_month: the same dates one month earlier (a full
 *   calendar month maps to the full previous month). same_period_last_year: one year earlier (full
 *   months, quarters and years map to the full period; ISO-week windows go back 52 weeks so weekdays
 *   line up; Feb 29 maps to Feb 28).
 * When `current` runs to the as-of instant, the comparison runs to the same local time of day on its
 * corresponding last day, so "month to date" compares with "previous month to the same day and time".
 */
export function resolveComparison(current: ResolvedWindow, spec: CompareSpec, options: ResolveOptions): ResolvedWindow {
  if (typeof spec !== "string") {
    const w = resolveWindow(spec, options);
    return { ...w, name: "custom" };
  }
  const { timeZone } = options;
  const months = kindMonths(current.kind);
  const periodTo = (from: string): string =>
    months ? addDays(addMonths(from, months), -1) : addDays(from, daysBetween(current.from, current.to));
  let from: string;
  let to: string;
  switch (spec) {
    case "previous_period": {
      if (months) {
        from = addMonths(current.from, -months);
        to = periodTo(from);
      } else {
        const length = daysBetween(current.from, current.to) + 1;
        from = addDays(current.from, -length);
        to = addDays(current.to, -length);
      }
      break;
    }
    case "prior_week":
      from = addDays(current.from, -7);
      to = addDays(current.to, -7);
      break;
    case "prior_month":
      from = addMonths(current.from, -1);
      to = current.kind === "month" ? periodTo(from) : addMonths(current.to, -1);
      break;
    case "same_period_last_year":
      if (current.kind === "week") {
        from = addDays(current.from, -364);
        to = addDays(current.to, -364);
      } else if (months) {
        from = addMonths(current.from, -12);
        to = periodTo(from);
      } else {
        from = addMonths(current.from, -12);
        to = addMonths(current.to, -12);
      }
      break;
  }
  if (!current.partial) {
    return build({ name: spec, kind: current.kind, from, to, partial: false }, options);
  }
  // To-date window: cut the comparison at the same elapsed local time. The elapsed part of the
  // current window ends on local day `cutDay` at `timeOfDay`; map that day into the comparison.
  const cutInstant = new Date(current.end);
  const cutDay = localDateOf(cutInstant, timeZone);
  const timeOfDay = localTimeOfDayMs(cutInstant, timeZone);
  const offsetDays = daysBetween(current.from, cutDay);
  const lastDay = addDays(from, offsetDays) > to ? to : addDays(from, offsetDays);
  const clampedToEnd = addDays(from, offsetDays) > to;
  const endAt = clampedToEnd ? localToInstant(addDays(to, 1), timeZone) : localToInstant(lastDay, timeZone, timeOfDay);
  return build({ name: spec, kind: current.kind, from, to, partial: true }, options, endAt);
}
