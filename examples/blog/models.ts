/**
 * The blog's models, all in one table (single-table design):
 *
 *   pk               sk               item
 *   AUTHOR#{id}      PROFILE          an author
 *   POST#{postId}    POST             a post (its slug unique across the blog)
 *   POST#{postId}    COMMENT#{id}     a comment, in its post's partition: one query reads both
 *
 * Posts are listed through two global indexes: by status and publication date (`gsi-status`: drafts
 * have no `publishedAt` and stay out of it, a sparse index) and by author and creation date.
 */
import * as attr from '../../src/attr.js';
import { model, type Item } from '../../src/index.js';
import { uniqueValues } from '../../src/unique/index.js';

export const Author = model('Author', {
  table: 'blog',
  attributes: {
    pk: attr.template('AUTHOR#{authorId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    authorId: attr.string().loggable(),
    name: attr.string().validate((s) => s.trim().length > 0 || 'must not be blank'),
    createdAt: attr.createdAt(),
  },
});
export type Author = Item<typeof Author>;

export const Post = model('Post', {
  table: 'blog',
  attributes: {
    pk: attr.template('POST#{postId}').partitionKey(),
    sk: attr.template('POST').sortKey(),
    postId: attr.string().loggable(),
    authorId: attr.string(),
    /** The post's address: one post per slug, enforced by a guard item (`dynamorm/unique`). */
    slug: attr.string().validate((s) => /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s) || 'lower-case words joined by hyphens', 'slug').unique(),
    title: attr.string().validate((s) => s.length > 0 && s.length <= 200 || 'from 1 to 200 characters'),
    body: attr.string(),
    status: attr.enum(['draft', 'published']),
    /** Set when published: drafts are absent from the status index. */
    publishedAt: attr.date().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    /** Every edit names the version it was made on: two editors never overwrite each other. */
    version: attr.version(),
  },
  indexes: {
    byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'publishedAt' },
    byAuthor: { name: 'gsi-author', partitionKey: 'authorId', sortKey: 'createdAt' },
  },
  // The model brings the extension its unique field needs: any database can use it.
  extensions: [uniqueValues()],
});
export type Post = Item<typeof Post>;

export const Comment = model('Comment', {
  table: 'blog',
  attributes: {
    pk: attr.template('POST#{postId}').partitionKey(),
    sk: attr.template('COMMENT#{commentId}').sortKey(),
    postId: attr.string().loggable(),
    /** Time-ordered ids: a post's comments come back oldest first. */
    commentId: attr.string().loggable(),
    authorName: attr.string(),
    text: attr.string().validate((s) => s.length > 0 && s.length <= 2000 || 'from 1 to 2000 characters'),
    createdAt: attr.createdAt(),
  },
});
export type Comment = Item<typeof Comment>;
