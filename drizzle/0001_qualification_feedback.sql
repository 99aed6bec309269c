CREATE TABLE "qualification_feedback" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ticket_id" bigint,
	"field" text NOT NULL,
	"from_value" text,
	"to_value" text NOT NULL,
	"terms" text[] NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "qualification_feedback" ADD CONSTRAINT "qualification_feedback_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "qualification_feedback_field_idx" ON "qualification_feedback" USING btree ("field","created_at");