import type { Knex } from 'knex';
import * as foundation from './0001_foundation.js';
import * as sales from './0002_sales.js';
import * as receivables from './0003_receivables.js';
import * as benchIndexes from './0004_bench_indexes.js';
import * as collections from './0005_collections.js';
import * as balances from './0006_balances.js';
import * as allocationIndexes from './0007_allocation_indexes.js';
import * as collectionIndexes from './0008_collection_indexes.js';
import * as reportIndexes from './0009_report_indexes.js';
import * as forecastLearning from './0010_forecast_learning.js';
import * as statementIndexes from './0011_statement_indexes.js';
import * as statementIndexIds from './0012_statement_index_ids.js';
import * as partialReferenceIndexes from './0013_partial_reference_indexes.js';
import * as reversalIndex from './0014_reversal_index.js';

export interface Migration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** In order. Compiled into the binary, so a build always knows exactly which schema it needs. */
export const MIGRATIONS: readonly Migration[] = [
  { name: '0001_foundation', ...foundation },
  { name: '0002_sales', ...sales },
  { name: '0003_receivables', ...receivables },
  { name: '0004_bench_indexes', ...benchIndexes },
  { name: '0005_collections', ...collections },
  { name: '0006_balances', ...balances },
  { name: '0007_allocation_indexes', ...allocationIndexes },
  { name: '0008_collection_indexes', ...collectionIndexes },
  { name: '0009_report_indexes', ...reportIndexes },
  { name: '0010_forecast_learning', ...forecastLearning },
  { name: '0011_statement_indexes', ...statementIndexes },
  { name: '0012_statement_index_ids', ...statementIndexIds },
  { name: '0013_partial_reference_indexes', ...partialReferenceIndexes },
  { name: '0014_reversal_index', ...reversalIndex },
];
