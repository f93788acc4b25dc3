// Each certified metric definition as an MCP resource, so a client can attach "what GMV means"
// to a conversation.
import type { Resource } from "@modelcontextprotocol/sdk/types.js";
import { renderMetricDescription } from "@/lib/operations/read/metrics";
import { CERTIFIED_METRICS, describeMetric } from "@/lib/semantic";

const PREFIX = "socode://metrics/";

export function listMetricResources(): Resource[] {
  return CERTIFIED_METRICS.map((m) => ({
    uri: `${PREFIX}${m.key}`,
    name: m.key,
    title: `${m.label} — certified definition v${m.version}`,
    description: m.summary,
    mimeType: "text/markdown",
  }));
}

export function readMetricResource(uri: string): { uri: string; mimeType: string; text: string } | undefined {
  if (!uri.startsWith(PREFIX)) return undefined;
  const key = uri.slice(PREFIX.length);
  if (!CERTIFIED_METRICS.some((m) => m.key === key)) return undefined;
  return { uri, mimeType: "text/markdown", text: renderMetricDescription(describeMetric(key)) };
}
