/**
 * examples/blog on DynamoDB Local: the story of main() checked against what the table holds, then
 * the races a blog meets (editors saving the same version, authors claiming the same slug) and the
 * edges of its listings (a draft never listed as published, a forged cursor refused).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, expect, test } from 'vitest';
import { InvalidCursorError, VersionConflictError } from '../../src/index.js';
import { UniqueConstraintError } from '../../src/unique/index.js';
import { rawItem, testDb } from '../../test/support/db.js';
import { blog } from './app.js';
import { main } from './index.js';
import { Post } from './models.js';

// A longer request time-out: the races below queue on one item under a loaded machine.
const db = testDb({ cursorSecret: 'test-secret-for-the-blog-example-00000', requestTimeoutMs: 10_000 });
const app = blog(db);
afterAll(() => db.destroy());

test('examples/blog: single table, unique slugs, optimistic locking, cursors', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const r = await main(db, (line) => lines.push(line));
  expect(r.slugTaken).toBe('slug');
  expect(r.staleRefused).toBe(true);
  // Ada's edit (v2) survived, Grace's re-applied edit is on top of it (v3): nothing was lost.
  expect(r.edited).toMatchObject({ version: 3, body: "Second draft, by Ada. With Grace's notes.", slug: expect.stringMatching(/^analytical-engines-/) });
  expect(r.oldSlug).toBeUndefined();
  expect(r.newSlug?.postId).toBe(r.draft.postId);
  expect(r.reuse.slug).toBe(r.draft.slug); // the old slug was freed by the move
  // One query: the post and its seven comments, oldest first.
  expect(r.thread?.post.postId).toBe(r.published[5]);
  expect(r.thread?.comments.map((c) => c.text)).toEqual(['Comment 0', 'Comment 1', 'Comment 2', 'Comment 3', 'Comment 4', 'Comment 5', 'Comment 6']);
  expect(r.commentPages.map((p) => p.map((c) => c.text))).toEqual([
    ['Comment 0', 'Comment 1', 'Comment 2'],
    ['Comment 3', 'Comment 4', 'Comment 5'],
    ['Comment 6'],
  ]);
  // The front page: the six published posts, newest first, in pages of 4 and 2; no draft.
  expect(r.frontPages.map((p) => p.map((x) => x.postId))).toEqual([r.published.slice(2).reverse(), r.published.slice(0, 2).reverse()]);
  expect(r.adasPosts.map((p) => p.status).sort()).toEqual(['draft', 'published', 'published', 'published', 'published']);
  expect(lines).toHaveLength(8);

  // What is stored: the post in its own partition, with the version of its last save.
  const stored = await rawItem(db, Post, { pk: { S: `POST#${r.draft.postId}` }, sk: { S: 'POST' } });
  expect(stored).toMatchObject({ version: { N: '3' }, status: { S: 'draft' }, slug: { S: r.edited.slug }, _type: { S: 'Post' } });
  expect(stored?.publishedAt).toBeUndefined(); // a draft is absent from the status index
  // Guards hold a hash, never the slug.
  const items = (await db.client.send(new ScanCommand({ TableName: db.tableName(Post), ConsistentRead: true }))).Items ?? [];
  const guards = items.filter((i) => i._type?.S === '_unique');
  expect(guards).toHaveLength(8); // 6 published + the moved draft + the reused slug
  expect(JSON.stringify(guards)).not.toContain('engines');
});

test('ten editors saving version 1 of a post at once: exactly one save wins', { timeout: 60_000 }, async () => {
  await app.createTables();
  await app.addAuthor('racer', 'Racer');
  const post = await app.draft('racer', { slug: `race-${Date.now().toString(36)}`, title: 'Race', body: 'v1' });
  const saves = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => app.edit(post, { body: `editor ${i}` })));
  const won = saves.filter((s) => s.status === 'fulfilled');
  expect(won).toHaveLength(1);
  for (const s of saves) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(VersionConflictError);
  const stored = await rawItem(db, Post, { pk: { S: `POST#${post.postId}` }, sk: { S: 'POST' } });
  expect(stored?.version).toEqual({ N: '2' });
  expect(stored?.body).toEqual({ S: won[0]?.status === 'fulfilled' ? won[0].value.body : 'none' });
});

test('eight authors claiming one slug at once: one post holds it, the others wrote nothing', { timeout: 60_000 }, async () => {
  await app.createTables();
  const slug = `hello-world-${Date.now().toString(36)}`;
  const drafts = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => app.draft(`author-${i}`, { slug, title: `Hello ${i}`, body: '.' })));
  const won = drafts.filter((d) => d.status === 'fulfilled');
  expect(won).toHaveLength(1);
  for (const d of drafts) if (d.status === 'rejected') expect(d.reason).toBeInstanceOf(UniqueConstraintError);
  const found = await app.bySlug(slug);
  expect(found?.postId).toBe(won[0]?.status === 'fulfilled' ? won[0].value.postId : undefined);
  const losers = (await db.client.send(new ScanCommand({ TableName: db.tableName(Post), ConsistentRead: true }))).Items?.filter((i) => i.slug?.S === slug) ?? [];
  expect(losers).toHaveLength(1);
});

test('a cursor of the published listing, altered, is refused before anything is sent', async () => {
  const page = await app.published(1);
  expect(page.cursor).toEqual(expect.any(String));
  const cursor = page.cursor as string;
  const altered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}${cursor.slice(-1)}`;
  await expect(app.published(1, altered)).rejects.toBeInstanceOf(InvalidCursorError);
  // A cursor of the comments listing does not page the front page either.
  await expect(app.comments('any', 1, cursor)).rejects.toBeInstanceOf(InvalidCursorError);
});
