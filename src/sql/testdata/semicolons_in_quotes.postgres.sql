INSERT INTO "semi;colon" ("a;b") VALUES ('x;y');
SELECT 'it''s; quoted', "weird "" ; name" FROM t; -- trailing; comment
SELECT 1 -- comment; with semicolon
  + 1;
SELECT /* ; */ 2;
