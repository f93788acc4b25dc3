"use client";

// MCP requests per local day, stacked by outcome. Plain data from the server component.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type CallsPerDayPoint = { day: string; ok: number; denied: number; error: number; pending: number };

const SERIES = [
  { key: "ok", label: "OK", color: "#10b981" },
  { key: "pending", label: "Pending approval", color: "#f59e0b" },
  { key: "denied", label: "Denied", color: "#ef4444" },
  { key: "error", label: "Error", color: "#7f1d1d" },
] as const;

export function CallsPerDayChart({ points }: { points: CallsPerDayPoint[] }) {
  return (
    <div className="h-64 w-full" data-testid="calls-chart" role="img" aria-label="MCP requests per day by outcome, last 14 days">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={points} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11, fill: "#475569" }} tickFormatter={(d: string) => d.slice(5)} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#475569" }} width={40} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {SERIES.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} stackId="calls" fill={s.color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
