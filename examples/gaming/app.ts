/**
 * The leaderboard service: Lambda handlers for a game server.
 * - start / score / finish: a player's match; points are added atomically (`add(n)`, many at once,
 *   none lost), and a finished match takes no more points (a condition on `finished`);
 * - finishing records the match on the player's standing: `total` and `matches` raised with `add()`,
 *   and `best` replaced only when the new score is higher, by a condition (`best < score`), so two
 *   matches finishing at once can never lower it;
 * - top: a game's best N, from the `gsi-best` index, highest first;
 * - around: a player's rank (1 + the players with a higher best; ties share a rank) and the players
 *   just above and below, each one query of the index.
 * The index is eventually consistent: a score appears in it a moment after it is written.
 */
import { add, ConditionalCheckFailedError, ItemAlreadyExistsError, tables, type Database } from '../../src/index.js';
import { withDynamORM, type LambdaContext } from '../../src/lambda/index.js';
import { MatchScore, Standing } from './models.js';

/** A row of a leaderboard. */
export interface Row {
  readonly playerId: string;
  readonly best: number;
}

const row = (s: Pick<Standing, 'playerId' | 'best'>): Row => ({ playerId: s.playerId, best: s.best });

/** Builds the handlers on `db`. */
export function leaderboard(db: Database) {
  const standings = db.model(Standing);
  const matches = db.model(MatchScore);
  const byBest = (gameId: string) => standings.where('gameId', '=', gameId).index('byBest');

  /** Records a finished match on the standing; answers whether it is the player's new best. */
  async function record(gameId: string, playerId: string, points: number): Promise<{ standing: Standing; newBest: boolean }> {
    try {
      return { standing: await standings.create({ gameId, playerId, best: points, total: points, matches: 1 }), newBest: true };
    } catch (error) {
      if (!(error instanceof ItemAlreadyExistsError)) throw error;
    }
    const counted = await standings.update({ gameId, playerId }, { total: add(points), matches: add(1) });
    try {
      const standing = await standings.update({ gameId, playerId }, { best: points }, { condition: (c) => c.where('best', '<', points) });
      return { standing, newBest: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedError)) throw error;
      return { standing: counted, newBest: false }; // the stored best is as high or higher
    }
  }

  return {
    /** Creates the table and its index (once, as a deployment would). */
    createTables: () => tables(db).create([Standing, MatchScore], { ifNotExists: true }),

    start: withDynamORM((event: { gameId: string; matchId: string; playerId: string }, _context: LambdaContext) => matches.create({ ...event, points: 0 })),

    /** Adds points to a running match; a finished or unknown match is refused (ConditionalCheckFailedError, ItemNotFoundError). */
    score: withDynamORM(async (event: { matchId: string; playerId: string; points: number }, _context: LambdaContext) => {
      const match = await matches.update({ matchId: event.matchId, playerId: event.playerId }, { points: add(event.points) }, { condition: (c) => c.where('finished', '=', false) });
      return { points: match.points };
    }),

    /** Ends a match (once) and records it on the player's standing. */
    finish: withDynamORM(async (event: { matchId: string; playerId: string }, _context: LambdaContext) => {
      const match = await matches.update(event, { finished: true }, { condition: (c) => c.where('finished', '=', false) });
      const { standing, newBest } = await record(match.gameId, match.playerId, match.points);
      return { points: match.points, best: standing.best, newBest };
    }),

    /** The game's best `n`, highest first. */
    top: withDynamORM(async (event: { gameId: string; n: number }, _context: LambdaContext) => (await byBest(event.gameId).order('desc').select('playerId', 'best').limit(event.n).all()).map(row)),

    /** A player's rank and the `k` players just above and just below. */
    around: withDynamORM(async (event: { gameId: string; playerId: string; k: number }, _context: LambdaContext) => {
      const me = await standings.get({ gameId: event.gameId, playerId: event.playerId }, { required: true });
      const [higher, above, below] = await Promise.all([
        byBest(event.gameId).where('best', '>', me.best).count(),
        byBest(event.gameId).where('best', '>', me.best).order('asc').select('playerId', 'best').limit(event.k).all(),
        byBest(event.gameId).where('best', '<', me.best).order('desc').select('playerId', 'best').limit(event.k).all(),
      ]);
      return { rank: higher + 1, me: row(me), above: above.map(row).reverse(), below: below.map(row) };
    }),
  };
}
export type Leaderboard = ReturnType<typeof leaderboard>;
