import { takeLock } from './locks.js';
import type { SqlClient, SqlQueries } from './sql-client.js';
import type { AppendBatch, SqlAppender } from './append.js';
import type { WriteOp, WriteOutcome } from '../store.js';

/** Thrown out of a first attempt when op `index` failed: the transaction rolls back and is run again, isolated. */
class OpFailed extends Error {
  constructor(readonly index: number) {
    super(`write op ${index} failed`);
  }
}

/**
 * The group commit's transaction (`Store.commit`): every op of a batch in one transaction, and one
 * op's failure never fails the others.
 *
 * The happy path pays nothing for that: the batch runs as one plain transaction. When an op throws,
 * that transaction is rolled back and the batch runs once more with each op inside a savepoint of
 * its own (SAVEPOINT, RELEASE, ROLLBACK TO: the same SQL in SQLite, PostgreSQL and MySQL), so the
 * failing op is rolled back alone and reported as `failed`, and the rest commits. Nothing of the first
 * attempt survives its rollback: ids, sequences and the batch's in-memory state are made again.
 */
export class SqlCommitter {
  constructor(
    private readonly db: SqlClient,
    private readonly appender: SqlAppender,
  ) {}

  async commit(ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
    try {
      return await this.attempt(ops, false);
    } catch (e) {
      if (!(e instanceof OpFailed)) throw e;
      return this.attempt(ops, true);
    }
  }

  private async attempt(ops: readonly WriteOp[], isolated: boolean): Promise<WriteOutcome[]> {
    let batch: AppendBatch | undefined;
    const outcomes = await this.db.transaction(async (tx) => {
      const b = (batch = this.appender.newBatch());
      if (ops.some((op) => op.type === 'append')) await takeLock(tx, this.db.dialect, 'message_ids', 'shared');
      // Heads in id order where transactions run concurrently (append.ts `lockHeads`); nothing on SQLite.
      if (this.db.dialect.forUpdate !== '')
        await this.appender.lockHeads(
          tx,
          b,
          ops.flatMap((op) => (op.type === 'append' ? [op.msg] : [])),
          lockedConvs(ops),
        );
      const out: WriteOutcome[] = [];
      for (let i = 0; i < ops.length; i++) {
        if (!isolated) {
          try {
            out.push(await this.apply(tx, b, ops[i]!));
          } catch {
            throw new OpFailed(i);
          }
          continue;
        }
        await tx.run('SAVEPOINT write_op');
        try {
          out.push(await this.apply(tx, b, ops[i]!));
        } catch (error) {
          // When the error ended the whole transaction (SQLite rolls back by itself on a full disk, an
          // I/O error, a trigger's RAISE(ROLLBACK)) there is no savepoint left: the batch fails as one.
          await tx.run('ROLLBACK TO SAVEPOINT write_op').catch(() => {
            throw error;
          });
          out.push({ type: 'failed', error });
        }
        await tx.run('RELEASE SAVEPOINT write_op');
      }
      await this.appender.finish(tx, b);
      return out;
    });
    this.appender.committed(batch!);
    return outcomes;
  }

  private async apply(tx: SqlQueries, b: AppendBatch, op: WriteOp): Promise<WriteOutcome> {
    if (op.type === 'append') return { type: 'append', result: await this.appender.appendOne(tx, b, op.msg) };
    return { type: 'cursor', result: await b.cursors.move(tx, op.move) };
  }
}

/**
 * Every conversation the batch writes besides its messages' own: a cursor's, a hide's or a flag's. Its
 * head is locked with the others (append.ts `lockHeads`), since every lock an op takes on a conversation's
 * rows (its messages, its members' cursors) must be taken under its head.
 */
function lockedConvs(ops: readonly WriteOp[]): string[] {
  const convs: string[] = [];
  for (const op of ops) {
    if (op.type === 'cursor') convs.push(op.move.conv);
    else {
      const e = op.msg.effect;
      if (e?.type === 'hide' || e?.type === 'flags') convs.push(e.conv);
    }
  }
  return convs;
}
