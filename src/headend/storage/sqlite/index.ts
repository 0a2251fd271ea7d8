import type { SqliteDatabase } from '../database.ts';
import type { HeadendRepositories } from '../repositories.ts';
import { createSqliteAccountRepository } from './accounts.ts';
import { createSqliteAuditRepository } from './audit.ts';
import { createSqliteGrantRepository } from './grants.ts';
import { createSqliteMeterCredentialRepository } from './meter-credentials.ts';
import { createSqliteMeterRepository } from './meters.ts';
import { createSqliteNetworkKeyRepository } from './network-keys.ts';
import { createSqliteReadingRepository } from './readings.ts';
import { createSqliteSessionRepository } from './sessions.ts';
import { createSqliteToolRepository } from './tools.ts';
import { createSqliteWorkOrderRepository } from './work-orders.ts';

export { EUI64_TEXT } from './meters.ts';

/** Every repository over one migrated database connection. */
export function createSqliteRepositories(db: SqliteDatabase): HeadendRepositories {
  return {
    accounts: createSqliteAccountRepository(db),
    sessions: createSqliteSessionRepository(db),
    workOrders: createSqliteWorkOrderRepository(db),
    grants: createSqliteGrantRepository(db),
    audit: createSqliteAuditRepository(db),
    meters: createSqliteMeterRepository(db),
    readings: createSqliteReadingRepository(db),
    meterCredentials: createSqliteMeterCredentialRepository(db),
    tools: createSqliteToolRepository(db),
    networkKeys: createSqliteNetworkKeyRepository(db),
  };
}
