-- Version 4: which date a briefing's period applies to. A briefing of "this week" may mean the
-- articles published this week or the ones the analyst clipped this week (often published
-- earlier); the definition says which, and the briefing prints it.
ALTER TABLE digest ADD COLUMN period_on TEXT NOT NULL DEFAULT 'published'
    CHECK (period_on IN ('published', 'clipped'));
