-- CreateTable
CREATE TABLE "slack_connections" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "team_id" TEXT NOT NULL,
    "team_name" TEXT NOT NULL,
    "bot_user_id" TEXT,
    "bot_token_sealed" TEXT,
    "preset" TEXT NOT NULL,
    "write_scopes" TEXT[],
    "api_key_id" UUID NOT NULL,
    "installed_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_user_links" (
    "id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "slack_user_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "linked_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_user_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_deliveries" (
    "key" TEXT NOT NULL,
    "team_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_deliveries_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "slack_threads" (
    "id" UUID NOT NULL,
    "team_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "thread_ts" TEXT NOT NULL,
    "last_ask" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_threads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_write_messages" (
    "write_request_id" UUID NOT NULL,
    "team_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_ts" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_write_messages_pkey" PRIMARY KEY ("write_request_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "slack_connections_tenant_id_key" ON "slack_connections"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "slack_connections_team_id_key" ON "slack_connections"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "slack_connections_api_key_id_key" ON "slack_connections"("api_key_id");

-- CreateIndex
CREATE UNIQUE INDEX "slack_user_links_api_key_id_key" ON "slack_user_links"("api_key_id");

-- CreateIndex
CREATE INDEX "slack_user_links_user_id_idx" ON "slack_user_links"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "slack_user_links_connection_id_slack_user_id_key" ON "slack_user_links"("connection_id", "slack_user_id");

-- CreateIndex
CREATE INDEX "slack_deliveries_received_at_idx" ON "slack_deliveries"("received_at");

-- CreateIndex
CREATE UNIQUE INDEX "slack_threads_team_id_channel_id_thread_ts_key" ON "slack_threads"("team_id", "channel_id", "thread_ts");

-- AddForeignKey
ALTER TABLE "slack_connections" ADD CONSTRAINT "slack_connections_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_connections" ADD CONSTRAINT "slack_connections_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_user_links" ADD CONSTRAINT "slack_user_links_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "slack_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_user_links" ADD CONSTRAINT "slack_user_links_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_user_links" ADD CONSTRAINT "slack_user_links_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
