ALTER TABLE "tickets" ADD COLUMN "complainant_phone" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "complainant_company" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "summary" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "registered_letter_tracking" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "routed_to" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "effective" boolean;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "verification_asked_at" timestamp with time zone;