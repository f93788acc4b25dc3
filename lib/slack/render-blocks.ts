// Block Kit for answers people read in a channel: the headline figure with Δ and Δ%, a compact
// table (top rows + "others"), the driver ranking for why-questions, a provenance context line, a
// "Show definition" button and a link to the metric in the console. Every figure is the operation's
// own exact value, only formatted.
import type { KnownBlock } from "@slack/types";
import { formatMetricValue, formatRelativeChange, type MetricUnit } from "@/lib/console/metric-format";
import type { ExplainChangeResult, QueryMetricResult } from "@/lib/semantic";
import type { WriteReceipt } from "@/lib/writes/receipt";
import { EXAMPLE_ASKS } from "./parse-ask";

export type SlackMessage = { text: string; blocks: KnownBlock[] };

/** Rows shown in a breakdown; the rest are summed as "others" (or counted, for ratios). */
export const TABLE_ROWS = 8;

const ACTION = { showDefinition: "show_definition", approve: "write_approve", reject: "write_reject" } as const;
export const SLACK_ACTIONS = ACTION;

/** Slack mrkdwn: &, < and > must be escaped in any text that came from data. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(value: string | null | undefined, unit: string, currency?: string): string {
  return formatMetricValue(value ?? null, unit as MetricUnit, currency);
}

/** "▲ +1,234 (+5.6%)": the absolute change in the metric's unit and the relative change. */
function delta(change: { absolute: string | null; relative: string | null } | undefined, unit: string, currency?: string): string {
  if (!change) return "";
  const abs = change.absolute === null ? null : Number(change.absolute);
  const arrow = abs === null || abs === 0 ? "■" : abs > 0 ? "▲" : "▼";
  const absText =
    abs === null ? "—" : unit === "ratio" ? `${abs >= 0 ? "+" : "−"}${(Math.abs(abs) * 100).toFixed(1)} pts` : `${abs >= 0 ? "+" : "−"}${fmt(String(Math.abs(abs)), unit, currency)}`;
  return `${arrow} ${absText} (${formatRelativeChange(change.relative)})`;
}

function describeWindow(w: { from: string; to: string }): string {
  return w.from === w.to ? w.from : `${w.from} – ${w.to}`;
}

function filtersText(filters: { dimension: string; values: { name: string; code?: string }[] }[] | undefined): string {
  if (!filters?.length) return "";
  return ` · filters: ${filters.map((f) => `${f.dimension.replace("_", " ")} = ${f.values.map((v) => (v.code ? `${v.name}` : v.name)).join(", ")}`).join("; ")}`;
}

function provenanceLine(p: {
  metric: string;
  version: number;
  timeZone: string;
  window: { from: string; to: string };
  comparison?: { from: string; to: string };
  filters?: { dimension: string; values: { name: string; code?: string }[] }[];
  dataFreshness: string | null;
  source?: string;
}): string {
  const freshness = p.dataFreshness ? `data as of ${p.dataFreshness.slice(0, 16).replace("T", " ")} UTC` : "no data in window";
  return escapeMrkdwn(
    `Certified ${p.metric} v${p.version} · ${describeWindow(p.window)} (${p.timeZone})${p.comparison ? ` vs ${describeWindow(p.comparison)}` : ""}${filtersText(p.filters)} · ${freshness}${p.source ? ` · ${p.source}` : ""}`,
  );
}

function metricLinks(metricKey: string, consoleUrl: string | null): KnownBlock {
  return {
    type: "actions",
    elements: [
      { type: "button", action_id: ACTION.showDefinition, text: { type: "plain_text", text: "Show definition" }, value: metricKey },
      ...(consoleUrl ? [{ type: "button" as const, action_id: "open_console", text: { type: "plain_text" as const, text: "Open in console" }, url: consoleUrl }] : []),
    ],
  };
}

/** A fixed-width table in a code block: Slack has no table block, and monospace keeps columns aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return "```\n" + [line(header), ...rows.map(line)].join("\n") + "\n```";
}

export function renderQueryAnswer(result: QueryMetricResult, opts: { consoleUrl: string | null; defaultedWindow: boolean; ask: string }): SlackMessage {
  const { metric, total, rows, provenance: p } = result;
  const unit = metric.unit;
  const cur = metric.currency;
  const headline = `*${escapeMrkdwn(metric.label)}*: *${fmt(total.current, unit, cur)}*${total.change ? `  ${delta(total.change, unit, cur)} vs ${fmt(total.comparison, unit, cur)}` : ""}`;
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: headline } }];
  if (rows.length) {
    const dims = p.groupBy.map((g) => g.replace("_", " "));
    const top = rows.slice(0, TABLE_ROWS);
    const rest = rows.slice(TABLE_ROWS);
    const body = top.map((r) => [
      Object.values(r.dimensions).map((d) => d.label).join(" / ").slice(0, 32),
      fmt(r.current, unit, cur),
      ...(total.change ? [formatRelativeChange(r.change?.relative)] : []),
    ]);
    if (rest.length) {
      // Sums are exact for additive metrics; a ratio's "others" is only counted (rates do not add up).
      const additive = unit !== "ratio" && metric.key !== "active_members";
      const sum = additive ? rest.reduce((acc, r) => acc + Number(r.current ?? 0), 0) : null;
      body.push([`others (${rest.length}${p.totalRows > rows.length ? `+${p.totalRows - rows.length}` : ""})`, sum === null ? "" : fmt(String(sum), unit, cur), ...(total.change ? [""] : [])]);
    }
    blocks.push({ type: "section", text: { type: "mrkdwn", text: table([dims.join(" / ") || "", "value", ...(total.change ? ["Δ%"] : [])], body) } });
  }
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `${provenanceLine({ ...p, filters: p.filters })}${opts.defaultedWindow ? " · no window named: last 7 days" : ""}` }],
  });
  blocks.push(metricLinks(metric.key, opts.consoleUrl));
  const text = `${metric.label}: ${fmt(total.current, unit, cur)}${total.change ? ` ${delta(total.change, unit, cur)}` : ""} (${describeWindow(p.window)})`;
  return { text, blocks };
}

export function renderExplainAnswer(result: ExplainChangeResult, opts: { consoleUrl: string | null; defaultedWindow: boolean }): SlackMessage {
  const { metric, total, topDrivers, provenance: p } = result;
  const unit = metric.unit;
  const cur = metric.currency;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: `*Why did ${escapeMrkdwn(metric.label.toLowerCase())} move?* *${fmt(total.current, unit, cur)}*  ${delta(total.change, unit, cur)} vs ${fmt(total.comparison, unit, cur)}` } },
  ];
  const drivers = topDrivers.slice(0, 5);
  if (drivers.length) {
    const rows = drivers.map((d, i) => [
      `${i + 1}. ${d.dimension.replace("_", " ")} ${d.label}`.slice(0, 40),
      `${Number(d.contribution) >= 0 ? "+" : "−"}${unit === "ratio" ? `${(Math.abs(Number(d.contribution)) * 100).toFixed(1)} pts` : fmt(String(Math.abs(Number(d.contribution))), unit, cur)}`,
      d.share === null ? "—" : `${Math.round(Number(d.share) * 100)}%`,
    ]);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `Top drivers\n${table(["driver", "contribution", "share"], rows)}` } });
  }
  blocks.push({ type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(result.summary) } });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `${provenanceLine({ ...p, source: p.source })}${opts.defaultedWindow ? " · no window named: last 7 days" : ""}` }] });
  blocks.push(metricLinks(metric.key, opts.consoleUrl));
  const top = drivers[0];
  return { text: `${metric.label} ${delta(total.change, unit, cur)}${top ? `; top driver ${top.dimension} ${top.label}` : ""}`, blocks };
}

export function renderDefinition(m: { key: string; label: string; description: string; unit: string; version: number; certifiedAt: string; owner: string }, consoleUrl: string | null): SlackMessage {
  return {
    text: `${m.label}: ${m.description}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${escapeMrkdwn(m.label)}* (\`${m.key}\`, ${m.unit})\n${escapeMrkdwn(m.description)}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: escapeMrkdwn(`Certified v${m.version} on ${m.certifiedAt} · owner ${m.owner}`) }] },
      ...(consoleUrl ? [{ type: "actions" as const, elements: [{ type: "button" as const, action_id: "open_console", text: { type: "plain_text" as const, text: "Open in console" }, url: consoleUrl }] }] : []),
    ],
  };
}

/** A refusal: what could not be done, and what to ask instead. Never a number. */
export function renderRefusal(message: string, suggestions: readonly string[] = []): SlackMessage {
  const tips = suggestions.length ? `\nTry: ${suggestions.map((s) => `\`${escapeMrkdwn(s)}\``).join(" · ")}` : "";
  return { text: message, blocks: [{ type: "section", text: { type: "mrkdwn", text: `:no_entry: ${escapeMrkdwn(message)}${tips}` } }] };
}

export function renderHelp(): SlackMessage {
  return renderRefusal("Ask me about certified metrics in plain words, in a channel or a thread (follow-ups reuse the thread's question).", EXAMPLE_ASKS);
}

function previewLines(receipt: Pick<WriteReceipt, "preview">): string {
  return receipt.preview.changes.map((c) => `• ${escapeMrkdwn(`${c.target} ${c.field}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`)}`).join("\n");
}

/** The button value: request id and arguments hash, so an edited or foreign payload is refused. */
export function writeButtonValue(requestId: string, argumentsHash: string): string {
  return JSON.stringify({ r: requestId, h: argumentsHash });
}

export function renderWriteRequest(receipt: WriteReceipt, argumentsHash: string, requester: string): SlackMessage {
  const value = writeButtonValue(receipt.requestId, argumentsHash);
  return {
    text: `Approval needed: ${receipt.preview.summary}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*Approval needed* — ${escapeMrkdwn(receipt.preview.summary)}\n${previewLines(receipt)}` } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: escapeMrkdwn(`Requested by ${requester} · request ${receipt.requestId} · expires ${receipt.expiresAt.slice(0, 16).replace("T", " ")} UTC · an approver other than the requester must confirm`) }],
      },
      {
        type: "actions",
        elements: [
          { type: "button", style: "primary", action_id: ACTION.approve, text: { type: "plain_text", text: "Approve" }, value },
          { type: "button", style: "danger", action_id: ACTION.reject, text: { type: "plain_text", text: "Reject" }, value },
        ],
      },
    ],
  };
}

/** What replaces the buttons once decided: the outcome, who decided, and the audit reference. */
export function renderWriteDecision(input: {
  summary: string;
  outcome: string;
  decidedBy: string | null;
  result: string | null;
  requestId: string;
  auditRef: string | null;
}): SlackMessage {
  const icon = input.outcome === "executed" ? ":white_check_mark:" : input.outcome === "rejected" ? ":x:" : ":warning:";
  return {
    text: `${input.summary} — ${input.outcome}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${icon} *${input.outcome[0]?.toUpperCase()}${input.outcome.slice(1)}* — ${escapeMrkdwn(input.summary)}${input.result ? `\n${escapeMrkdwn(input.result)}` : ""}` } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: escapeMrkdwn(`${input.decidedBy ? `by ${input.decidedBy} · ` : ""}request ${input.requestId}${input.auditRef ? ` · audit ${input.auditRef}` : ""}`) }],
      },
    ],
  };
}
