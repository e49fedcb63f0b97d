SELECT E'it\'s; fine';
SELECT e'back\\slash;' AS a, E'\x41;';
SELECT 'plain \' ;
SELECT U&'d\0061t\+000061;' AS data, U&"d;t" AS "col""umn";
SELECT B'1010', X'FF', N'national; text';
SELECT E'\\';
SELECT some_e'not an e-string\';
