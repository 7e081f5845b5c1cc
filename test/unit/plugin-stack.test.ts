/**
 * Named middleware (src/plugins/plugin.ts with `db.use()` and `derive()`, which replaced the former
 * PluginStack class) and the ambient scope (src/scope.ts). Nothing here needs DynamoDB: where a
 * request is sent, the innermost middleware answers it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  Deadline,
  DynamORM,
  attr,
  currentScope,
  derive,
  model,
  pluginNames,
  removePlugin,
  replacePlugin,
  withScope,
  type Middleware,
  type Plugin,
  type PluginEntries,
  type PluginHost,
} from '../../src/index.js';

const Thing = model('Thing', { table: 'things', attributes: { id: attr.string().partitionKey() } });

/** A middleware that only passes the request on (identity matters, not behaviour). */
const passThrough = (): Middleware => (request, next) => next(request);

/** Logs its name on the way in, then passes the request on. */
const tracer =
  (name: string, log: string[]): Middleware =>
  (request, next) => {
    log.push(name);
    return next(request);
  };

/** Innermost middleware standing in for DynamoDB: answers GetItem. */
const answer =
  (log: string[]): Middleware =>
  async (request) => {
    log.push('answer');
    return { Item: { id: (request.input.Key as Record<string, unknown>).id } };
  };

const databases: { destroy(): void }[] = [];
function database(options: Parameters<typeof DynamORM.create>[0] = {}) {
  const db = DynamORM.create({ region: 'us-east-1', ...options });
  databases.push(db);
  return db;
}
afterEach(() => {
  for (const db of databases.splice(0)) db.destroy();
});

/** The order the middleware run in, for one request. */
async function runOrder(db: ReturnType<typeof database>, log: string[]): Promise<string[]> {
  log.length = 0;
  await db.model(Thing).get({ id: 'x' });
  return [...log];
}

function configurationError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('use(): adding middleware', () => {
  test('named middleware are added innermost, in order', () => {
    const db = database();
    const [a, b, c] = [passThrough(), passThrough(), passThrough()];
    expect(db.use('a', a).use('b', b).use('c', c)).toBe(db);
    expect(pluginNames(db)).toEqual(['a', 'b', 'c']);
    expect(db.plugins).toEqual([
      ['a', a],
      ['b', b],
      ['c', c],
    ]);
  });

  test('middleware without a name get a generated middleware#n name, unique in the process', () => {
    const db = database();
    db.use(passThrough()).use('named', passThrough()).use(passThrough());
    const names = pluginNames(db);
    expect(names[1]).toBe('named');
    const [first, second] = [names[0], names[2]] as [string, string];
    expect(first).toMatch(/^middleware#\d+$/);
    expect(second).toMatch(/^middleware#\d+$/);
    expect(Number(second.slice(11))).toBeGreaterThan(Number(first.slice(11)));

    const other = database();
    other.use(passThrough());
    expect(names).not.toContain(pluginNames(other)[0]);
  });

  test('config middleware come first, then config plugins', () => {
    const plugin: Plugin = {
      name: 'p',
      install(host) {
        host.use('p.one', passThrough());
        host.use('p.two', passThrough());
      },
    };
    const db = database({ middleware: [passThrough()], plugins: [plugin] });
    const names = pluginNames(db);
    expect(names).toHaveLength(3);
    expect(names[0]).toMatch(/^middleware#\d+$/);
    expect(names.slice(1)).toEqual(['p.one', 'p.two']);
  });

  test('a name is used once: a duplicate is a ConfigurationError and changes nothing', () => {
    const db = database();
    const first = passThrough();
    db.use('metrics', first);
    const error = configurationError(() => db.use('metrics', passThrough()));
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain('"metrics"');
    expect(db.plugins).toEqual([['metrics', first]]);
  });

  test('a plugin installs several named middleware, in order', () => {
    const db = database();
    const log: string[] = [];
    const tracing: Plugin = {
      name: 'tracing',
      install(host) {
        host.use('tracing.outer', tracer('outer', log));
        host.use('tracing.inner', tracer('inner', log));
      },
    };
    db.use('first', passThrough()).use(tracing).use('last', passThrough());
    expect(pluginNames(db)).toEqual(['first', 'tracing.outer', 'tracing.inner', 'last']);
    // Installing it twice would reuse its names.
    expect(() => db.use(tracing)).toThrow(ConfigurationError);
  });
});

describe('removePlugin, replacePlugin, pluginNames', () => {
  test('removePlugin removes by name and says whether there was one', () => {
    const db = database();
    db.use('a', passThrough()).use('b', passThrough()).use('c', passThrough());
    expect(removePlugin(db, 'b')).toBe(true);
    expect(pluginNames(db)).toEqual(['a', 'c']);
    expect(removePlugin(db, 'b')).toBe(false);
    expect(removePlugin(db, 'nothing')).toBe(false);
    expect(pluginNames(db)).toEqual(['a', 'c']);
    // The name is free again.
    db.use('b', passThrough());
    expect(pluginNames(db)).toEqual(['a', 'c', 'b']);
  });

  test('replacePlugin keeps the position', () => {
    const db = database();
    const replacement = passThrough();
    db.use('a', passThrough()).use('b', passThrough()).use('c', passThrough());
    replacePlugin(db, 'b', replacement);
    expect(pluginNames(db)).toEqual(['a', 'b', 'c']);
    expect(db.plugins[1]).toEqual(['b', replacement]);
  });

  test('replacePlugin of an unknown name is a ConfigurationError and changes nothing', () => {
    const db = database();
    db.use('a', passThrough());
    const before = [...db.plugins];
    expect(configurationError(() => replacePlugin(db, 'missing', passThrough())).message).toContain('"missing"');
    expect(db.plugins).toEqual(before);
  });

  test('requests run through the middleware in their order, and follow removals and replacements', async () => {
    const log: string[] = [];
    const db = database();
    db.use('a', tracer('a', log)).use('b', tracer('b', log)).use('c', tracer('c', log)).use('answer', answer(log));
    expect(await runOrder(db, log)).toEqual(['a', 'b', 'c', 'answer']);
    removePlugin(db, 'a');
    replacePlugin(db, 'b', tracer('B', log));
    expect(await runOrder(db, log)).toEqual(['B', 'c', 'answer']);
  });

  test('the functions work on any plugin host', () => {
    const host: PluginHost & { plugins: PluginEntries } = {
      plugins: [],
      use(name, middleware) {
        this.plugins.push([name, middleware]);
        return this;
      },
    };
    host.use('x', passThrough());
    host.use('y', passThrough());
    expect(pluginNames(host)).toEqual(['x', 'y']);
    expect(removePlugin(host, 'x')).toBe(true);
    expect(pluginNames(host)).toEqual(['y']);
  });

  // Regression: a request reads db.plugins live, by index, while it runs. Removing an outer middleware while a
  // request is inside it shifts the array, and the request then skips the next middleware (here 'b').
  // The former PluginStack gave each request a snapshot of the chain.
  test('a request in flight keeps the chain it started with', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Middleware = async (request, next) => {
      log.push('a');
      await gate;
      return next(request);
    };
    const db = database();
    db.use('a', slow).use('b', tracer('b', log)).use('answer', answer(log));
    const inFlight = db.model(Thing).get({ id: 'x' });
    while (!log.includes('a')) await new Promise((resolve) => setTimeout(resolve, 1));
    removePlugin(db, 'a');
    release();
    await inFlight;
    expect(log).toEqual(['a', 'b', 'answer']);
  });
});

describe('derive(): a copy of the plugins', () => {
  test('changes to the original do not reach the derived database, nor the other way round', async () => {
    const log: string[] = [];
    const db = database();
    db.use('a', tracer('a', log)).use('b', tracer('b', log));
    const derived = derive(db, { tablePrefix: 'partner-', partner: 'acme' });
    databases.push(derived);
    expect(pluginNames(derived)).toEqual(['a', 'b']);
    expect(derived.plugins).not.toBe(db.plugins);

    db.use('answer', answer(log));
    removePlugin(derived, 'a');
    derived.use('answer', answer(log));
    replacePlugin(derived, 'b', tracer('B', log));

    expect(pluginNames(db)).toEqual(['a', 'b', 'answer']);
    expect(pluginNames(derived)).toEqual(['b', 'answer']);
    expect(await runOrder(db, log)).toEqual(['a', 'b', 'answer']);
    expect(await runOrder(derived, log)).toEqual(['B', 'answer']);
  });
});

describe('withScope / currentScope', () => {
  test('no scope outside withScope', () => {
    expect(currentScope()).toBeUndefined();
  });

  test('the callback sees the scope, and its result is returned', () => {
    const result = withScope({ tenant: 't1', actor: 'u1' }, () => {
      expect(currentScope()).toEqual({ tenant: 't1', actor: 'u1' });
      return 42;
    });
    expect(result).toBe(42);
  });

  test('nested scopes merge; the inner value wins', () => {
    withScope({ tenant: 't1', actor: 'u1' }, () => {
      withScope({ partner: 'acme', actor: 'u2' }, () => {
        expect(currentScope()).toEqual({ tenant: 't1', actor: 'u2', partner: 'acme' });
      });
      expect(currentScope()).toEqual({ tenant: 't1', actor: 'u1' });
    });
  });

  test('an undefined value does not clear an outer one', () => {
    withScope({ tenant: 't1', partner: 'acme' }, () => {
      withScope({ tenant: undefined, partner: undefined, actor: 'u1' }, () => {
        expect(currentScope()).toEqual({ tenant: 't1', partner: 'acme', actor: 'u1' });
      });
      withScope({ tenant: undefined }, () => {
        expect(currentScope()).toEqual({ tenant: 't1', partner: 'acme' });
      });
    });
    withScope({ tenant: undefined }, () => {
      expect(currentScope()).toEqual({});
    });
  });

  test('the outer scope object is never changed by an inner one', () => {
    withScope({ tenant: 't1' }, () => {
      const outer = currentScope();
      withScope({ tenant: 't2', actor: 'u' }, () => {
        expect(currentScope()).not.toBe(outer);
      });
      expect(outer).toEqual({ tenant: 't1' });
      expect(currentScope()).toBe(outer);
    });
  });

  test('values do not leak outside the callback, even when it throws', () => {
    withScope({ tenant: 't1' }, () => undefined);
    expect(currentScope()).toBeUndefined();
    expect(() =>
      withScope({ tenant: 't1' }, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(currentScope()).toBeUndefined();
  });

  test('the deadline is carried like the other fields', () => {
    const deadline = new Deadline(Date.now() + 60_000);
    withScope({ deadline }, () => {
      withScope({ tenant: 't1' }, () => {
        expect(currentScope()?.deadline).toBe(deadline);
      });
    });
  });

  test('async continuations keep the scope', async () => {
    const seen = await withScope({ tenant: 't1' }, async () => {
      const before = currentScope()?.tenant;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const afterTimer = currentScope()?.tenant;
      await Promise.resolve();
      const inMicrotask = await new Promise<string | undefined>((resolve) => queueMicrotask(() => resolve(currentScope()?.tenant)));
      const inner = await withScope({ actor: 'u1' }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return currentScope();
      });
      return { before, afterTimer, inMicrotask, inner, afterInner: currentScope() };
    });
    expect(seen).toEqual({
      before: 't1',
      afterTimer: 't1',
      inMicrotask: 't1',
      inner: { tenant: 't1', actor: 'u1' },
      afterInner: { tenant: 't1' },
    });
    expect(currentScope()).toBeUndefined();
  });

  test('concurrent scopes do not see each other', async () => {
    const run = (tenant: string, delays: number[]) =>
      withScope({ tenant }, async () => {
        const seen: (string | undefined)[] = [];
        for (const ms of delays) {
          await new Promise((resolve) => setTimeout(resolve, ms));
          seen.push(currentScope()?.tenant);
        }
        return seen;
      });
    const [a, b] = await Promise.all([run('a', [3, 1, 4, 1]), run('b', [1, 5, 1, 2])]);
    expect(a).toEqual(['a', 'a', 'a', 'a']);
    expect(b).toEqual(['b', 'b', 'b', 'b']);
    expect(currentScope()).toBeUndefined();
  });
});
