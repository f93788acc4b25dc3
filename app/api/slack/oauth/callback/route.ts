// Slack's OAuth v2 redirect back: exchanges the code (oauth.v2.access) and connects the workspace.
import { handleInstallCallback } from "@/lib/slack/console-install";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleInstallCallback;
