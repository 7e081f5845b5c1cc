/** The fault proxy is part of the package (`dynamorm/testing`); the tests import it from here. */
export * from '../../src/testing/fault-proxy.js';
