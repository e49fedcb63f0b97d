DROP PROCEDURE IF EXISTS add_item;
-- change the terminator for the procedure body
DELIMITER //
CREATE PROCEDURE add_item(IN name VARCHAR(50))
BEGIN
  INSERT INTO items (name) VALUES (name);
  SELECT 'done; //' AS msg; -- a // in a comment
END//
DELIMITER $$
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC
BEGIN
  RETURN x * 2;
END$$
SELECT twice(2)$$
DELIMITER ;
SELECT 1;
delimiter ;;
CREATE TRIGGER t1 BEFORE INSERT ON items FOR EACH ROW BEGIN SET NEW.name = TRIM(NEW.name); END;;
DELIMITER ;
CREATE TABLE options (delimiter VARCHAR(1));
SELECT delimiter FROM options;
