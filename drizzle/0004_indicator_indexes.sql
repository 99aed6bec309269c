DROP INDEX "tickets_closed_at_idx";--> statement-breakpoint
CREATE INDEX "events_type_ticket_idx" ON "events" USING btree ("type","ticket_id","at");--> statement-breakpoint
CREATE INDEX "tickets_closed_at_received_at_idx" ON "tickets" USING btree ("closed_at","received_at");--> statement-breakpoint
CREATE INDEX "tickets_open_received_idx" ON "tickets" USING btree ("received_at") WHERE "tickets"."status" not in ('closed', 'rejected');