CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, "end" TEXT, begin INTEGER);
CREATE TABLE log (msg TEXT);
CREATE TRIGGER items_after_insert AFTER INSERT ON items
WHEN new.qty > 0
BEGIN
  INSERT INTO log (msg) VALUES ('inserted; ' || new.id);
  UPDATE items SET qty = CASE WHEN qty > 100 THEN 100 ELSE qty END WHERE id = new.id;
  -- a comment; with END; inside
  SELECT CASE new.qty WHEN 1 THEN 'one' ELSE 'many' END;
END;
CREATE TEMP TRIGGER IF NOT EXISTS items_end BEFORE UPDATE OF "end" ON items
BEGIN
  UPDATE items SET begin = 1, [end] = 'x' WHERE id = old.id;
  DELETE FROM log WHERE msg = 'end';
END;
BEGIN;
INSERT INTO items (qty) VALUES (1);
END;
EXPLAIN CREATE TRIGGER t2 AFTER DELETE ON items BEGIN DELETE FROM log; END;
CREATE TABLE end_log (begin_at INTEGER, end_at INTEGER);
