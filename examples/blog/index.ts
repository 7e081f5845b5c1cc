/**
 * The blog example, end to end: two authors, posts drafted and published, a slug that is taken, two
 * editors racing on one post, a slug moved, comments, and the listings a blog front page needs, a
 * page at a time. `main(db)` runs it on the demo's database (it needs a `cursorSecret`).
 * Run it alone with `npx tsx scripts/with-local-dynamodb.ts tsx examples/blog/index.ts`.
 */
import { pathToFileURL } from 'node:url';
import { DynamORM, VersionConflictError } from '../../src/index.js';
import { UniqueConstraintError } from '../../src/unique/index.js';
import { blog, type Listing } from './app.js';

/** Reads every page of a listing; returns the pages' items. */
async function allPages<T>(read: (cursor?: string) => Promise<Listing<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

/** Runs the story, printing each step; returns what the test checks. */
export async function main(db: DynamORM, log: (line: string) => void = console.log) {
  const app = blog(db);
  await app.createTables();
  const run = Date.now().toString(36);
  const ada = `ada-${run}`;
  const grace = `grace-${run}`;
  await app.addAuthor(ada, 'Ada');
  await app.addAuthor(grace, 'Grace');

  // Six posts published an hour apart (Ada four, Grace two), one draft left unpublished.
  const base = Date.UTC(2026, 2, 1, 9);
  const published: string[] = [];
  for (let i = 0; i < 6; i++) {
    const draft = await app.draft(i < 4 ? ada : grace, { slug: `note-${i}-${run}`, title: `Note ${i}`, body: `Body of note ${i}` });
    await app.publish(draft, new Date(base + i * 3_600_000));
    published.push(draft.postId);
  }
  const draft = await app.draft(ada, { slug: `engines-${run}`, title: 'Engines', body: 'First draft.' });
  log(`7 posts by ${ada} and ${grace}: 6 published, 1 draft`);

  let slugTaken: string | undefined;
  try {
    await app.draft(grace, { slug: `engines-${run}`, title: 'Also engines', body: '...' });
  } catch (error) {
    if (!(error instanceof UniqueConstraintError)) throw error;
    slugTaken = error.field;
    log(`a second post with slug engines-${run}: ${error.name} on ${error.field}, nothing written`);
  }

  // Two editors opened version 1 of the draft; the second one's save is refused, not lost.
  const opened = await app.bySlug(`engines-${run}`);
  if (!opened) throw new Error('the draft is not found by its slug');
  const first = await app.edit(opened, { body: 'Second draft, by Ada.' });
  let staleRefused = false;
  try {
    await app.edit(opened, { body: 'A rewrite by Grace, on version 1.' });
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    staleRefused = true;
    log(`stale edit on version ${error.expectedVersion} refused: the post is at version ${error.actualVersion}`);
  }
  // Grace reads it again and re-applies her change on the current version; the slug moves with it.
  const current = await app.bySlug(`engines-${run}`);
  const edited = await app.edit(current ?? first, { body: `${current?.body ?? ''} With Grace's notes.`, slug: `analytical-engines-${run}` });
  const oldSlug = await app.bySlug(`engines-${run}`);
  const newSlug = await app.bySlug(`analytical-engines-${run}`);
  log(`edited to version ${edited.version}; found by its new slug: ${newSlug?.postId === draft.postId}, by the old one: ${oldSlug !== undefined}`);
  // The old slug is free again.
  const reuse = await app.draft(grace, { slug: `engines-${run}`, title: 'Steam engines', body: '...' });

  // Seven comments on the newest post, read back with the post in one query, then three at a time.
  const newest = published[5] as string;
  for (let i = 0; i < 7; i++) await app.comment(newest, i % 2 ? 'Grace' : 'Lin', `Comment ${i}`);
  const thread = await app.withComments(newest);
  log(`post ${newest} read with its ${thread?.comments.length} comments in one query`);
  const commentPages = await allPages((cursor) => app.comments(newest, 3, cursor));
  log(`comments in pages of 3: ${commentPages.map((p) => p.length).join(' + ')}`);

  // The front page: published posts, newest first, four a page.
  const frontPages = await allPages((cursor) => app.published(4, cursor));
  log(`published posts in pages of 4: ${frontPages.map((p) => p.map((x) => x.title).join(', ')).join(' | ')}`);
  const adasPosts = await app.byAuthor(ada);
  log(`${ada} has ${adasPosts.length} posts (${adasPosts.filter((p) => p.status === 'draft').length} draft)`);

  return { ada, published, draft, slugTaken, staleRefused, edited, oldSlug, newSlug, reuse, thread, commentPages, frontPages, adasPosts };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = DynamORM.create({ cursorSecret: process.env.DYNAMORM_CURSOR_SECRET ?? 'example-only-secret-change-me-0123456789' });
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
