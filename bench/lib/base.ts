/**
 * `BENCH_BASE_REF=<git ref>`: DynamORM at an earlier commit, measured in the same run beside the
 * working tree as the variant `base` (bench/lib/variants.ts), to show a change does not regress.
 * The commit is checked out in a git worktree in .bench-base/<short hash>/ (git-ignored) with this
 * repository's node_modules linked in; its own bench/handlers/dynamorm.ts and src/ are what is
 * measured, by every stage, like the working tree's. The dependencies are the working tree's, so
 * only DynamORM differs. Worktrees are kept for the next run; remove them with
 * `git worktree remove --force .bench-base/<short hash>` (or delete .bench-base/ and `git worktree prune`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the worktrees go, relative to the repository root (the working directory of every stage). */
export const BASE_FOLDER = '.bench-base';
/** The handler measured, relative to the worktree. */
const HANDLER = 'bench/handlers/dynamorm.ts';

export interface Base {
  /** BENCH_BASE_REF as given. */
  readonly ref: string;
  /** Full commit hash the ref resolved to. */
  readonly commit: string;
  /** Abbreviated hash: the worktree's folder name and the variant's name. */
  readonly short: string;
  /** Absolute path of the worktree. */
  readonly dir: string;
  /** Absolute path of the worktree's DynamORM handler (the variant's entry). */
  readonly entry: string;
}

const git = (args: string[], cwd?: string): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * Internal: the resolved ref, set by the first process that resolves it and inherited by every child
 * (seeding, warm workers), so all of a run measure one commit even if the ref moves meanwhile.
 */
const PINNED = 'BENCH_BASE_RESOLVED';

let cached: Base | null | undefined;

/** The base commit asked for with BENCH_BASE_REF, or undefined when the knob is not set. No side effects on disk. */
export function baseRef(): Base | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const ref = process.env.BENCH_BASE_REF?.trim();
  if (!ref) {
    cached = null;
    return undefined;
  }
  let pinned: { ref: string; commit: string; short: string } | undefined;
  try {
    pinned = JSON.parse(process.env[PINNED] ?? 'null') ?? undefined;
  } catch {
    pinned = undefined;
  }
  if (pinned?.ref !== ref) {
    let commit: string;
    try {
      commit = git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`]);
    } catch {
      throw new Error(`BENCH_BASE_REF=${ref} does not name a commit of this repository`);
    }
    pinned = { ref, commit, short: git(['rev-parse', '--short', commit]) };
    process.env[PINNED] = JSON.stringify(pinned);
  }
  const dir = resolve(BASE_FOLDER, pinned.short);
  cached = { ...pinned, dir, entry: join(dir, HANDLER) };
  return cached;
}

/** True when `dir` is a worktree of this repository (not merely a folder). */
function isWorktree(dir: string): boolean {
  if (!existsSync(join(dir, '.git'))) return false;
  try {
    const common = (cwd?: string) => realpathSync(git(['rev-parse', '--path-format=absolute', '--git-common-dir'], cwd));
    return realpathSync(git(['rev-parse', '--show-toplevel'], dir)) === realpathSync(dir) && common(dir) === common();
  } catch {
    return false;
  }
}

/**
 * Creates the base worktree, or brings an existing one back to the commit with no local changes, and
 * links node_modules into it. Returns undefined when BENCH_BASE_REF is not set.
 */
export function prepareBase(log: (line: string) => void): Base | undefined {
  const base = baseRef();
  if (!base) return undefined;
  if (isWorktree(base.dir)) {
    git(['checkout', '--quiet', '--force', '--detach', base.commit], base.dir);
    git(['clean', '--quiet', '-fd'], base.dir); // untracked files only; ignored ones (its bench/results) stay
    log(`base: refreshed the worktree ${BASE_FOLDER}/${base.short} at ${base.commit} (BENCH_BASE_REF=${base.ref})`);
  } else {
    rmSync(base.dir, { recursive: true, force: true }); // a leftover folder that is no worktree
    // --force: also when git still lists a worktree there whose folder was deleted.
    git(['worktree', 'add', '--quiet', '--force', '--detach', base.dir, base.commit]);
    log(`base: created the worktree ${BASE_FOLDER}/${base.short} at ${base.commit} (BENCH_BASE_REF=${base.ref})`);
  }
  const modules = resolve('node_modules');
  const link = join(base.dir, 'node_modules');
  const linked = (() => {
    try {
      return lstatSync(link).isSymbolicLink() && resolve(base.dir, readlinkSync(link)) === modules;
    } catch {
      return false;
    }
  })();
  if (!linked) {
    rmSync(link, { recursive: true, force: true });
    symlinkSync(modules, link, 'dir');
  }
  if (!existsSync(base.entry)) {
    throw new Error(`BENCH_BASE_REF=${base.ref}: commit ${base.short} has no ${HANDLER}, so it cannot be measured beside the working tree`);
  }
  return base;
}
