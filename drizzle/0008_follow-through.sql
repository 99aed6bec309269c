CREATE TABLE "follow_ups" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ticket_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"recipients" text[] DEFAULT '{}'::text[] NOT NULL,
	"handled_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "next_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "follow_ups_ticket_kind_due_key" ON "follow_ups" USING btree ("ticket_id","kind","due_at");--> statement-breakpoint
CREATE INDEX "tickets_next_due_idx" ON "tickets" USING btree ("next_due_at") WHERE "tickets"."status" in ('received', 'in_progress', 'answered', 'verifying');