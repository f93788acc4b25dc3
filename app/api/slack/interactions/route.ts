// Slack interactions: signature, dedupe, ack and the deferred answer all live in lib/slack/handle-request.ts.
import { handleSlackInteraction } from "@/lib/slack/handle-request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = handleSlackInteraction;
