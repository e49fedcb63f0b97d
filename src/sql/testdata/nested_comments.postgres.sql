/* file header /* nested; */ still a comment; */
SELECT 1 /* inline /* nested */ ; */ + 1;
/**/SELECT 2;
SELECT 3 /* a */ /* b; */;
SELECT 4 /*/ still open ; */;
