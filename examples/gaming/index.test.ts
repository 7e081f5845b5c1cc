/**
 * examples/gaming on DynamoDB Local: the leaderboard of main() against expectations computed from the
 * scores, the raw items (scores stored as numbers), and the races a game server meets: many
 * increments of one match at once, many matches of one player finishing at once (the best is the
 * highest, never lowered), a finished match refusing points.
 */
import { afterAll, expect, test } from 'vitest';
import { ConditionalCheckFailedError } from '../../src/index.js';
import { invokeLocally } from '../../src/lambda/index.js';
import { rawItem, testCoreDb } from '../../test/support/db.js';
import { leaderboard } from './app.js';
import { main, ROUND_1, ROUND_2 } from './index.js';
import { MatchScore, Standing } from './models.js';

const db = testCoreDb({ requestTimeoutMs: 10_000 });
const app = leaderboard(db);
afterAll(() => db.destroy());

test('examples/gaming: top N by a numeric index, rank and neighbours, bests kept', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const r = await main(db, (line) => lines.push(line));
  expect(r.first.map((m) => m.points)).toEqual(ROUND_1);
  expect(r.second.map((m) => m.newBest)).toEqual(ROUND_2.map((s, i) => s > (ROUND_1[i] ?? 0)));
  const bests = r.players.map((playerId, i) => ({ playerId, best: Math.max(ROUND_1[i] ?? 0, ROUND_2[i] ?? 0) }));
  const ranked = [...bests].sort((a, b) => b.best - a.best);
  expect(r.top).toEqual(ranked.slice(0, 5)); // 2000, 1000, 950, 700, 550: as numbers, not as text
  const at = ranked.findIndex((x) => x.playerId === r.players[7]);
  expect(r.around).toEqual({ rank: at + 1, me: ranked[at], above: ranked.slice(at - 2, at), below: ranked.slice(at + 1, at + 3) });
  // Stored as numbers; total and matches added up over both rounds.
  const p0 = await rawItem(db, Standing, { pk: { S: `GAME#${r.gameId}` }, sk: { S: `PLAYER#${r.players[0]}` } });
  expect(p0).toMatchObject({ best: { N: '2000' }, total: { N: '2009' }, matches: { N: '2' } });
  expect(lines).toHaveLength(4);
});

test('forty increments of one match at once: none is lost; a finished match takes no more', { timeout: 60_000 }, async () => {
  await app.createTables();
  const key = { matchId: `race-${Date.now().toString(36)}`, playerId: 'solo' };
  await invokeLocally(app.start, { gameId: 'g', ...key });
  await Promise.all(Array.from({ length: 40 }, (_, i) => invokeLocally(app.score, { ...key, points: i + 1 })));
  const finished = await invokeLocally(app.finish, key);
  expect(finished.points).toBe((40 * 41) / 2);
  await expect(invokeLocally(app.score, { ...key, points: 5 })).rejects.toBeInstanceOf(ConditionalCheckFailedError);
  await expect(invokeLocally(app.finish, key)).rejects.toBeInstanceOf(ConditionalCheckFailedError);
  expect((await rawItem(db, MatchScore, { pk: { S: `MATCH#${key.matchId}` }, sk: { S: 'PLAYER#solo' } }))?.points).toEqual({ N: '820' });
});

test("twelve matches of one player finishing at once: best is the highest, total the sum", { timeout: 60_000 }, async () => {
  await app.createTables();
  const gameId = `g-${Date.now().toString(36)}`;
  const scores = [40, 7, 300, 12, 299, 1, 150, 300, 2, 88, 5, 120];
  await Promise.all(scores.map((points, i) => (async () => {
    const key = { matchId: `m${i}`, playerId: 'ace' };
    await invokeLocally(app.start, { gameId, ...key });
    await invokeLocally(app.score, { ...key, points });
  })()));
  const results = await Promise.all(scores.map((_, i) => invokeLocally(app.finish, { matchId: `m${i}`, playerId: 'ace' })));
  const stored = await rawItem(db, Standing, { pk: { S: `GAME#${gameId}` }, sk: { S: 'PLAYER#ace' } });
  expect(stored).toMatchObject({ best: { N: '300' }, total: { N: String(scores.reduce((a, b) => a + b, 0)) }, matches: { N: '12' } });
  expect(results.filter((x) => x.newBest).length).toBeGreaterThanOrEqual(1);
  expect(Math.max(...results.map((x) => x.best))).toBe(300);
});
