CREATE TABLE "month_figures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"period_key" text NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"fingerprint" text NOT NULL,
	"figures" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "month_figures_key" ON "month_figures" USING btree ("kind","period_key","as_of","fingerprint");--> statement-breakpoint
CREATE INDEX "month_figures_as_of_idx" ON "month_figures" USING btree ("as_of");