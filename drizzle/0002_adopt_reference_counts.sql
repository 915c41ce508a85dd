-- Every row the reference service counted comes over unchanged; then its table goes.
DO $$
BEGIN
  IF to_regclass('views_reference') IS NOT NULL THEN
    INSERT INTO views (slug, count, last_seen)
      SELECT slug, count, last_seen FROM views_reference;
    DROP TABLE views_reference;
  END IF;
END
$$;
