// Metric values as people read them, on the server (tables) and in the browser (chart axes and
// tooltips). Values arrive as exact decimal strings from the semantic layer.
export type MetricUnit = "currency" | "count" | "ratio" | "points";

export function formatMetricValue(value: string | number | null | undefined, unit: MetricUnit, currency?: string, compact = false): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  const notation = compact ? "compact" : "standard";
  switch (unit) {
    case "currency":
      return new Intl.NumberFormat("en-US", {
        style: "currency",
        currency: currency ?? "USD",
        notation,
        maximumFractionDigits: compact ? 1 : 2,
      }).format(n);
    case "ratio":
      return new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 }).format(n);
    case "count":
    case "points":
      return new Intl.NumberFormat("en-US", { notation, maximumFractionDigits: compact ? 1 : 0 }).format(n);
  }
}

/** "+12.3%" / "−4.0%" from a relative change such as "0.1234"; "—" when undefined. */
export function formatRelativeChange(relative: string | null | undefined): string {
  if (relative === null || relative === undefined) return "—";
  const n = Number(relative);
  if (!Number.isFinite(n)) return "—";
  const text = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(Math.abs(n));
  return n > 0 ? `+${text}` : n < 0 ? `−${text}` : text;
}
