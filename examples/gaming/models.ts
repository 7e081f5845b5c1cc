/**
 * The leaderboard's models, in one table:
 *
 *   pk                sk                item
 *   GAME#{gameId}     PLAYER#{id}       a player's standing in a game: best score, total, matches
 *   MATCH#{matchId}   PLAYER#{id}       a player's running score in one match
 *
 * The `gsi-best` index orders a game's players by best score. `best` is a number attribute, so the
 * index sorts it as a number (9 < 10 < 100); in a string or key template it would sort as text
 * ("10" < "9") unless zero-padded to a fixed width.
 */
import * as attr from '../../src/attr.js';
import { model, type Item } from '../../src/index.js';

export const Standing = model('Standing', {
  table: 'leaderboard',
  attributes: {
    pk: attr.template('GAME#{gameId}').partitionKey(),
    sk: attr.template('PLAYER#{playerId}').sortKey(),
    gameId: attr.string().loggable(),
    playerId: attr.string().loggable(),
    /** The best match score: raised only by a higher one (a conditional update). */
    best: attr.integer(),
    /** Points over all matches and the number of matches: atomic `add()`s. */
    total: attr.integer(),
    matches: attr.integer(),
    updatedAt: attr.updatedAt(),
  },
  indexes: {
    byBest: { name: 'gsi-best', partitionKey: 'gameId', sortKey: 'best' },
  },
});
export type Standing = Item<typeof Standing>;

export const MatchScore = model('MatchScore', {
  table: 'leaderboard',
  attributes: {
    pk: attr.template('MATCH#{matchId}').partitionKey(),
    sk: attr.template('PLAYER#{playerId}').sortKey(),
    matchId: attr.string().loggable(),
    playerId: attr.string().loggable(),
    gameId: attr.string(),
    /** Raised by concurrent `add(n)`s as points are scored: none is lost. */
    points: attr.integer(),
    finished: attr.boolean().default(false),
  },
});
export type MatchScore = Item<typeof MatchScore>;
