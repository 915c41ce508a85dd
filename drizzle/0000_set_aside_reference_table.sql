-- A database made by the reference service already has "views" (its CREATE TABLE IF NOT EXISTS).
-- Move it aside, constraint included, so the generated 0001 can create ours; 0002 moves the rows back.
DO $$
BEGIN
  IF to_regclass('views') IS NOT NULL THEN
    ALTER TABLE views RENAME CONSTRAINT views_pkey TO views_reference_pkey;
    ALTER TABLE views RENAME TO views_reference;
  END IF;
END
$$;
