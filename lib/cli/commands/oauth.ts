import { z } from "zod";
import { purgeExpiredOAuthSecrets } from "@/lib/oauth/tokens";
import { defineCommand } from "../command";

export const oauthPurge = defineCommand({
  name: "oauth:purge",
  summary: "Delete OAuth codes and tokens that expired or were revoked more than --keep-days ago (also runs at every start)",
  flags: { "keep-days": { type: "string", description: "Keep expired rows this many days for investigation (default 7)", placeholder: "7" } },
  schema: z.object({ "keep-days": z.coerce.number().int().min(0).max(3650).default(7) }),
  run: async (ctx, input) => {
    const purged = await purgeExpiredOAuthSecrets(await ctx.db(), new Date(), input["keep-days"]);
    return { data: purged, text: `Deleted ${purged.codes} authorization code(s) and ${purged.tokens} token(s).` };
  },
});
