/**
 * The blog service: authors write posts (drafts, then published), readers comment. What it shows:
 * - a post and its comments read with one query (a collection of two models sharing a partition);
 * - pages with cursors: published posts newest first, a post's comments oldest first;
 * - optimistic locking: an edit names the version it was made on, a stale edit is refused;
 * - a unique slug (`dynamorm/unique`): a taken slug is refused, and a post is found by its slug.
 */
import { randomBytes } from 'node:crypto';
import type { DynamORM } from '../../src/index.js';
import { findByUnique } from '../../src/unique/index.js';
import { Author, Comment, Post } from './models.js';

/** Ids that sort by creation time (strictly, within this process), then random. */
let lastMs = 0;
export function timeOrderedId(prefix: string): string {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return `${prefix}_${lastMs.toString(36).padStart(9, '0')}${randomBytes(4).toString('hex')}`;
}

/** One page of a listing: the items and the cursor of the next page (absent on the last). */
export interface Listing<T> {
  readonly items: T[];
  readonly cursor?: string;
}

/** The blog's operations on `db` (a DynamORM with a `cursorSecret`). */
export function blog(db: DynamORM) {
  const authors = db.model(Author);
  const posts = db.model(Post);
  const comments = db.model(Comment);
  return {
    /** Creates the table and its indexes (once, as a deployment would). */
    createTables: () => db.tables.create([Author, Post, Comment], { ifNotExists: true }),

    addAuthor: (authorId: string, name: string) => authors.create({ authorId, name }),

    /** A new draft. A taken slug raises UniqueConstraintError (field `slug`), and nothing is written. */
    draft: (authorId: string, input: { slug: string; title: string; body: string }) =>
      posts.create({ postId: timeOrderedId('post'), authorId, ...input, status: 'draft' }),

    /**
     * An edit made on `post` as it was read: refused with VersionConflictError if anyone changed it
     * since (nothing changes; read it again and re-apply). A new slug moves its guard with it.
     */
    edit: (post: Pick<Post, 'postId' | 'version'>, patch: { title?: string; body?: string; slug?: string }) => posts.update(post, patch),

    /** Publishes a draft (only a draft: publishing twice keeps the first date). */
    publish: (post: Pick<Post, 'postId' | 'version'>, at: Date = db.config.clock()) =>
      posts.update(post, { status: 'published', publishedAt: at }, { condition: (c) => c.where('status', '=', 'draft') }),

    comment: (postId: string, authorName: string, text: string) => comments.create({ postId, commentId: timeOrderedId('c'), authorName, text }),

    /** The post at an address, read strongly consistently through its slug's guard. */
    bySlug: (slug: string) => findByUnique(db, Post, 'slug', slug),

    /** A post with its first comments, from one query of the post's partition. */
    async withComments(postId: string) {
      const { Post: [post], Comment: firstComments } = await db.collection([Post, Comment]).limit(51).grouped({ postId });
      return post ? { post, comments: firstComments } : undefined;
    },

    /** Published posts, newest first, `size` a page (the `gsi-status` index). */
    async published(size: number, cursor?: string): Promise<Listing<Pick<Post, 'postId' | 'slug' | 'title' | 'publishedAt'>>> {
      const page = await posts.where('status', '=', 'published').order('desc').select('postId', 'slug', 'title', 'publishedAt').limit(size).page(cursor);
      return { items: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },

    /** A post's comments, oldest first, `size` a page. */
    async comments(postId: string, size: number, cursor?: string): Promise<Listing<Comment>> {
      const page = await comments.where('postId', '=', postId).limit(size).page(cursor);
      return { items: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },

    /** An author's posts (drafts included), newest first (the `gsi-author` index). */
    byAuthor: (authorId: string) => posts.where('authorId', '=', authorId).order('desc').all(),
  };
}
export type Blog = ReturnType<typeof blog>;
