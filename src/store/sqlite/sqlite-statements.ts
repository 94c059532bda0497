import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Prepared statements of one connection, prepared once per SQL text. */
export class Statements {
  readonly #db: DatabaseSync;
  readonly #prepared = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get database(): DatabaseSync {
    return this.#db;
  }

  get(sql: string): StatementSync {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  clear(): void {
    this.#prepared.clear();
  }
}

/** Runs `body` in one `BEGIN IMMEDIATE` transaction: all of it or, when it throws, none of it. */
export function inTransaction<T>(db: DatabaseSync, body: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = body();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
