// Imported first by every file in tests/on-server: these tests exist to check what only a PostgreSQL server
// can show, so without one they fail at once instead of passing having checked nothing.
import { backend } from '../support/database.ts'

if (backend !== 'postgres') {
  throw new Error(
    'these tests need a PostgreSQL server: set DATABASE_URL (or TEST_DATABASE_URL), e.g. postgres://postgres@127.0.0.1:5432/test',
  )
}
