CREATE TABLE a (id int);
SELECT 1   

