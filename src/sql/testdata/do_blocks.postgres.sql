DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'role') THEN
    CREATE TYPE role AS ENUM ('admin', 'member');
  END IF;
END
$$;

DO $do$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('ANALYZE %I;', r.tablename);
  END LOOP;
END $do$;
DO LANGUAGE plpgsql $$ BEGIN RAISE NOTICE 'done; really'; END $$
