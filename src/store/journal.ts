/**
 * The storage behind a durable conversation log (engine/event-log/journal-event-log.ts): an append-only table of
 * events per conversation plus each conversation's epoch, kept where the store's records are (the
 * SQLite file in the embedded mode: src/store/sqlite/sqlite-journal.ts).
 *
 * Contract:
 * - `write(entries)` stores every entry in one transaction, all or none, and resolves once they
 *   survive a crash of the process. Entries of one conversation come in seq order, each seq once.
 * - `read(conversationId, after)` resolves with the stored entries with a greater seq, in order.
 * - `head` tells what is stored for a conversation; `trim` drops its entries up to a seq (the
 *   held entries stay contiguous); `setEpoch` stores the epoch its cursors carry.
 * - Deleting a conversation from the store deletes its entries and epoch.
 * - `conversationsAhead()` lists the conversations whose entries go past the `lastSeq` their
 *   records were checkpointed at (a superset is fine).
 * - An epoch may be forgotten (`head` then has none) when the journal cannot rule out having lost
 *   entries it had acknowledged: a power loss after a commit the OS had not yet written to disk.
 */
export interface Journal {
  write(entries: JournalEntry[]): Promise<void>;
  read(conversationId: string, after: number): Promise<JournalRow[]>;
  head(conversationId: string): Promise<JournalHead>;
  setEpoch(conversationId: string, epoch: string): Promise<void>;
  /** Drops the entries with `seq <= through`; resolves with the bytes dropped. */
  trim(conversationId: string, through: number): Promise<number>;
  /** The newest seq whose dropping (with every older entry) leaves at most `maxBytes` held, if any must go. */
  cutForBytes(conversationId: string, maxBytes: number): Promise<number | undefined>;
  conversationsAhead(): Promise<string[]>;
  /** Write transactions made (for tests and the benchmark). */
  readonly writes: number;
}

/**
 * One stored event. `body` is the event's JSON without `seq`, `cursor` and `conversationId`
 * (`{"runId":…,"type":…,"at":…,"data":…}`): those come from the row, so a new epoch needs no
 * rewrite. `bytes` is the body's UTF-8 length, for the retention bound.
 */
export type JournalEntry = { conversationId: string; seq: number; body: string; bytes: number };

export type JournalRow = { seq: number; body: string };

export type JournalHead = {
  /** Undefined: none stored (a new conversation, or one forgotten after a possible loss). */
  epoch: string | undefined;
  /** Oldest and newest seq held; undefined when none is. */
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  bytes: number;
};
