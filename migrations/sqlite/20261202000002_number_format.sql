-- "Carrier sends numbers as": the form of the called number the carrier puts in
-- its INVITEs, which LiveKit's inbound trunk and dispatch rules must hold
-- (LiveKit matches a rule's numbers exactly): 'e164' (+ and digits),
-- 'e164_no_plus' or 'as_typed'. Keep in step with
-- ../postgres/20261202000002_number_format.sql.
ALTER TABLE carriers ADD COLUMN number_format TEXT NOT NULL DEFAULT 'e164';

-- A number's canonical E.164 form ('+' and digits), derived from the typed
-- number and the carrier's Destination Country; NULL when it cannot be.
-- number keeps the typed text, normalized the form LiveKit's inbound side
-- gets, and match_key the digits of e164 when known (else of the number).
ALTER TABLE phone_numbers ADD COLUMN e164 TEXT;

-- Until now normalized held E.164 whenever it could be derived (with a
-- two-letter country only); a carrier's next country or format change
-- recomputes the rest.
UPDATE phone_numbers SET e164 = normalized WHERE normalized LIKE '+%';
