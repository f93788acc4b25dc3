// "Add to Slack" from the console (admin only): redirects to Slack's OAuth v2 authorize page.
import { handleInstallStart } from "@/lib/slack/console-install";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleInstallStart;
