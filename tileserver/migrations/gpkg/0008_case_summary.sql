-- What the KPIs read of a case besides its current state, kept on its
-- row so that a year of a million-case county is counted from the rows
-- alone: when it was first accepted (or dispatched), the level of its
-- first dispatch, the last satisfaction given (kept through a
-- reopening), and the latest of its events' times (a period ending after
-- it sees the row's state; one ending before replays the events). NULL
-- `last_at` (a row written by another program) means "replay".
ALTER TABLE cases ADD COLUMN accepted_at INTEGER;
ALTER TABLE cases ADD COLUMN dispatch_level INTEGER;
ALTER TABLE cases ADD COLUMN last_satisfaction TEXT;
ALTER TABLE cases ADD COLUMN last_at INTEGER;
UPDATE cases SET
  accepted_at = (SELECT e.at FROM case_events e WHERE e.case_id = cases.id
                 AND e.to_status IN ('accepted', 'dispatched') ORDER BY e.seq LIMIT 1),
  dispatch_level = (SELECT e.level FROM case_events e WHERE e.case_id = cases.id
                    AND e.to_status = 'dispatched' ORDER BY e.seq LIMIT 1),
  last_satisfaction = (SELECT e.satisfaction FROM case_events e WHERE e.case_id = cases.id
                       AND e.satisfaction IS NOT NULL ORDER BY e.seq DESC LIMIT 1),
  last_at = max(reported_at, coalesce((SELECT max(e.at) FROM case_events e WHERE e.case_id = cases.id), reported_at));
