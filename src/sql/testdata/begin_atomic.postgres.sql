BEGIN;
CREATE TABLE events (id int, begin_date date, end_date date, atomic boolean);
CREATE FUNCTION duration(e events) RETURNS int
    LANGUAGE SQL
    IMMUTABLE
BEGIN ATOMIC
    SELECT CASE
        WHEN e.end_date IS NULL THEN NULL
        ELSE (CASE WHEN e.end_date > e.begin_date THEN e.end_date - e.begin_date ELSE 0 END)
    END;
END;
CREATE OR REPLACE PROCEDURE archive(cutoff date)
LANGUAGE SQL
begin /* comment */ atomic
  INSERT INTO events_archive SELECT * FROM events WHERE end_date < cutoff;
  DELETE FROM events WHERE end_date < cutoff;
end;
CREATE FUNCTION sign_of(x int) RETURNS text LANGUAGE sql RETURN CASE WHEN x < 0 THEN 'neg' ELSE 'pos' END;
SELECT begin_date, atomic FROM events;
COMMIT;
