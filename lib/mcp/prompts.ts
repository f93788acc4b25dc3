// Prompts for the flash questions users ask most; each tells the agent which tools to chain.
import type { GetPromptResult, Prompt } from "@modelcontextprotocol/sdk/types.js";

type PromptDefinition = Prompt & { render: (args: Record<string, string>) => string };

export const PROMPTS: PromptDefinition[] = [
  {
    name: "weekly_gmv_review",
    title: "Weekly GMV review",
    description: "GMV last week by store versus the prior week, with the stores that drove the change.",
    arguments: [{ name: "dimension", description: "Breakdown: store (default), region, tier or channel", required: false }],
    render: (a) =>
      `Review GMV for last week. 1) query_metric {"metric":"gmv","window":"last_week","compareTo":"prior_week","groupBy":"${a.dimension ?? "store"}"}. ` +
      `2) explain_change {"metric":"gmv","window":"last_week","compareTo":"prior_week","dimensions":"${a.dimension ?? "store"}"}. ` +
      "Report the total, the biggest movers and their share of the change, with the provenance (dates, definition version, freshness).",
  },
  {
    name: "redemption_drop_diagnosis",
    title: "Why are redemptions down?",
    description: "Diagnose a change in coupon redemptions versus the prior week by coupon pool and store.",
    arguments: [],
    render: () =>
      'Diagnose coupon redemptions. 1) query_metric {"metric":"redemptions","window":"last_week","compareTo":"prior_week"}. ' +
      '2) explain_change {"metric":"redemptions","window":"last_week","compareTo":"prior_week","dimensions":["coupon_pool","store"]}. ' +
      "3) For the top pool, if the key has coupons:read, get_coupon_pool to see whether it ran out of codes (remaining 0); otherwise query_metric coupons_issued by coupon_pool for both weeks. State the likely driver and show your work.",
  },
  {
    name: "tier_activity_check",
    title: "Active members by tier vs last month",
    description: "Did active members drop versus the previous 30 days, by tier, and which stores drove it?",
    arguments: [],
    render: () =>
      'Check member activity. 1) query_metric {"metric":"active_members","window":"last_30_days","compareTo":"previous_period","groupBy":"tier"}. ' +
      '2) For the tier that fell most, explain_change {"metric":"active_members","window":"last_30_days","compareTo":"previous_period","dimensions":"store","filters":{"tier":"<that tier>"}}. ' +
      "Report each tier's change and the stores that carried the drop.",
  },
];

export function getPrompt(name: string, args: Record<string, string>): GetPromptResult | undefined {
  const prompt = PROMPTS.find((p) => p.name === name);
  if (!prompt) return undefined;
  return {
    description: prompt.description,
    messages: [{ role: "user", content: { type: "text", text: prompt.render(args) } }],
  };
}
