CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
  NEW.updated_at := now(); -- keep $$ here
  RETURN NEW;
END;
$body$;

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE FUNCTION add(a integer, b integer) RETURNS integer
    AS 'select $1 + $2;'
    LANGUAGE SQL
    IMMUTABLE;

CREATE FUNCTION one() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
