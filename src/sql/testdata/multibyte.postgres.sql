INSERT INTO "üsers" (name) VALUES ('Zoë'); SELECT '日本語;テキスト' AS "列";
  SELECT '🦀' AS crab; /* ☃ */ SELECT 'é';
-- ünïcode comment
UPDATE t SET v = 'naïve' WHERE k = 'ß';
