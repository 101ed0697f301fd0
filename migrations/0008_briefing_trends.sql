-- Version 6: a briefing may carry a trend section (clips per day or week for a few queries,
-- charted in its PDF). The section's definition as JSON (`trends::TrendSpec`), NULL for none.
ALTER TABLE digest ADD COLUMN trends TEXT;
