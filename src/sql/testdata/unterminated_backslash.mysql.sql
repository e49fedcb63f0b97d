SELECT 1;
SELECT 'ends with a backslash\';
SELECT 2;
