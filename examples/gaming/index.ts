/**
 * The gaming example, end to end: twelve players each play a match of one game; points arrive as
 * concurrent increments; each match is finished and recorded. Then a second round where only some
 * beat their best, the top five, and one player's rank with their neighbours. Every handler is
 * invoked locally with a simulated Lambda context. `main(db)` runs it on the demo's database.
 * Run it alone with `npx tsx scripts/with-local-dynamodb.ts tsx examples/gaming/index.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Database } from '../../src/index.js';
import { invokeLocally } from '../../src/lambda/index.js';
import { leaderboard } from './app.js';

/** Round 1 scores: chosen so that text order would differ from number order (9 < 10 < 100 < 1000). */
export const ROUND_1 = [9, 10, 100, 1000, 95, 950, 12, 120, 7, 700, 55, 550];
/** Round 2: players 0, 2 and 4 beat their best; the others do worse. */
export const ROUND_2 = [2000, 5, 101, 3, 96, 1, 2, 3, 4, 5, 6, 7];

/** Runs the story, printing each step; returns what the test checks. */
export async function main(db: Database, log: (line: string) => void = console.log) {
  const app = leaderboard(db);
  await app.createTables();
  const run = Date.now().toString(36);
  const gameId = `space-race-${run}`;
  const players = ROUND_1.map((_, i) => `p${String(i).padStart(2, '0')}-${run}`);
  const invoke = <E, R>(handler: (e: E, c: never) => Promise<R>, event: E) => invokeLocally(handler as (e: E, c: unknown) => Promise<R>, event, { remainingMs: 10_000 });

  /** One match per player: points in increments of up to 25, sent all at once, then finished. */
  const round = async (n: number, scores: readonly number[]) =>
    Promise.all(
      players.map(async (playerId, i) => {
        const matchId = `m${n}-${playerId}`;
        await invoke(app.start, { gameId, matchId, playerId });
        const score = scores[i] ?? 0;
        const increments = Array.from({ length: Math.ceil(score / 250) }, (_, k) => Math.min(250, score - k * 250));
        await Promise.all(increments.map((points) => invoke(app.score, { matchId, playerId, points })));
        return invoke(app.finish, { matchId, playerId });
      }),
    );
  const first = await round(1, ROUND_1);
  log(`round 1: ${players.length} matches recorded, scores ${first.map((r) => r.points).join(', ')}`);
  const second = await round(2, ROUND_2);
  log(`round 2: new bests for ${second.flatMap((r, i) => (r.newBest ? [players[i]] : [])).join(', ')}`);

  const top = await invoke(app.top, { gameId, n: 5 });
  log(`top 5: ${top.map((r) => `${r.playerId} ${r.best}`).join(', ')}`);
  const who = players[7] as string;
  const around = await invoke(app.around, { gameId, playerId: who, k: 2 });
  log(`${who} is #${around.rank} with ${around.me.best}; above: ${around.above.map((r) => r.best).join(', ')}; below: ${around.below.map((r) => r.best).join(', ')}`);
  return { gameId, players, first, second, top, around };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = Database.create();
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
