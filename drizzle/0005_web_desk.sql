CREATE TABLE "web_links" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"nonce_hash" text,
	"email" text,
	"address_key" text NOT NULL,
	"client_key" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "web_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "web_links_nonce_hash_key" ON "web_links" USING btree ("nonce_hash");--> statement-breakpoint
CREATE INDEX "web_links_address_idx" ON "web_links" USING btree ("address_key","requested_at");--> statement-breakpoint
CREATE INDEX "web_links_client_idx" ON "web_links" USING btree ("client_key","requested_at");--> statement-breakpoint
CREATE INDEX "web_sessions_expires_idx" ON "web_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "tickets_search_idx" ON "tickets" USING gin (to_tsvector('french'::regconfig, translate(replace(replace(lower(reference || ' ' || subject || ' ' || summary || ' ' || complainant_name || ' ' || coalesce(complainant_company, '')), 'œ', 'oe'), 'æ', 'ae'), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy')));