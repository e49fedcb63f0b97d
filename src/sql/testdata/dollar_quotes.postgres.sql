SELECT $$it's; "quoted" -- not a comment$$;
SELECT $x$ outer $$ nested; $$ still outer $x$ AS nested;
SELECT $_tag1$ $tag$ ; $_TAG1$ ; $_tag1$;
SELECT $1::int + $2, 'a' || $3;
SELECT a$b$c FROM t$1;
CREATE TABLE price$ (amount$ numeric);
SELECT $é$ unicode tag; $é$;
SELECT $$$$ AS empty, $a$$a$ AS also_empty;
