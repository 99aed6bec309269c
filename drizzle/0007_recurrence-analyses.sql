CREATE TABLE "analyses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"year" smallint NOT NULL,
	"sequence" integer NOT NULL,
	"typology" text NOT NULL,
	"category" text,
	"status" text DEFAULT 'open' NOT NULL,
	"threshold" integer NOT NULL,
	"months" smallint NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"next_reminder_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analysis_reminders" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"analysis_id" bigint NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"to" text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analysis_sequences" (
	"year" smallint PRIMARY KEY NOT NULL,
	"last_value" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analysis_tickets" (
	"analysis_id" bigint NOT NULL,
	"ticket_id" bigint NOT NULL,
	"attached_at" timestamp with time zone NOT NULL,
	CONSTRAINT "analysis_tickets_analysis_id_ticket_id_pk" PRIMARY KEY("analysis_id","ticket_id")
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "analysis_id" bigint;--> statement-breakpoint
ALTER TABLE "analysis_reminders" ADD CONSTRAINT "analysis_reminders_analysis_id_analyses_id_fk" FOREIGN KEY ("analysis_id") REFERENCES "public"."analyses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_tickets" ADD CONSTRAINT "analysis_tickets_analysis_id_analyses_id_fk" FOREIGN KEY ("analysis_id") REFERENCES "public"."analyses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_tickets" ADD CONSTRAINT "analysis_tickets_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "analyses_reference_key" ON "analyses" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "analyses_open_typology_key" ON "analyses" USING btree ("typology") WHERE "analyses"."status" = 'open';--> statement-breakpoint
CREATE INDEX "analyses_next_reminder_idx" ON "analyses" USING btree ("next_reminder_at") WHERE "analyses"."status" = 'open';--> statement-breakpoint
CREATE INDEX "analyses_opened_at_idx" ON "analyses" USING btree ("opened_at");--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_reminders_due_key" ON "analysis_reminders" USING btree ("analysis_id","due_at");--> statement-breakpoint
CREATE INDEX "analysis_tickets_ticket_idx" ON "analysis_tickets" USING btree ("ticket_id");--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_analysis_id_analyses_id_fk" FOREIGN KEY ("analysis_id") REFERENCES "public"."analyses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_analysis_idx" ON "events" USING btree ("analysis_id","at");--> statement-breakpoint
CREATE INDEX "tickets_typology_received_idx" ON "tickets" USING btree ("typology","received_at");