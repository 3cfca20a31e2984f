import { POSTGRES_URL, postgresRequired } from './engines.js';

export default function setup(): void {
  if (POSTGRES_URL) return;
  if (postgresRequired()) {
    throw new Error('PostgreSQL is required here (CI=true or OWED_REQUIRE_PG=1) but OWED_TEST_PG_URL is not set');
  }
  process.stderr.write(
    '\n*** PostgreSQL suite skipped: OWED_TEST_PG_URL is not set. ' +
      'Start a test server with: eval "$(scripts/test-postgres.sh start)" ***\n\n',
  );
}
