"use client";

// Weekly values of one metric (solid) against the same weeks of the previous period (dashed).
// Receives plain numbers from the server component; formatting only happens here.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMetricValue, type MetricUnit } from "@/lib/console/metric-format";

export type MetricTrendChartProps = {
  points: { week: string; from: string; current: number | null; previous: number | null }[];
  unit: MetricUnit;
  currency?: string;
  currentLabel: string;
  previousLabel: string | null;
};

export function MetricTrendChart({ points, unit, currency, currentLabel, previousLabel }: MetricTrendChartProps) {
  const format = (v: unknown, compact = false) => formatMetricValue(typeof v === "number" ? v : null, unit, currency, compact);
  return (
    <div className="h-72 w-full" data-testid="metric-chart" role="img" aria-label={`Weekly chart: ${currentLabel}${previousLabel ? ` compared with ${previousLabel}` : ""}`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="week" tick={{ fontSize: 11, fill: "#475569" }} tickFormatter={(w: string) => w.slice(5)} interval="preserveStartEnd" />
          <YAxis tick={{ fontSize: 11, fill: "#475569" }} tickFormatter={(v: number) => format(v, true)} width={64} />
          <Tooltip
            formatter={(value, name) => [format(value), name]}
            labelFormatter={(label, payload) => {
              const from = payload?.[0]?.payload && typeof payload[0].payload === "object" && "from" in payload[0].payload ? String(payload[0].payload.from) : "";
              return from ? `${String(label)} (from ${from})` : String(label);
            }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="current" name={currentLabel} stroke="#4f46e5" strokeWidth={2} dot={{ r: 2 }} connectNulls={false} isAnimationActive={false} />
          {previousLabel ? (
            <Line type="monotone" dataKey="previous" name={previousLabel} stroke="#94a3b8" strokeWidth={2} strokeDasharray="5 4" dot={false} isAnimationActive={false} />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
