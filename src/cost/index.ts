/**
 * `dynamorm/cost`: what DynamoDB capacity your requests consume and what it costs, observed
 * (`costPlugin`, `costs(db)`), projected (`estimateMonthlyCost(db)`, `setCostAlert(db, limit, fn)`)
 * and estimated before sending (`estimateWrite`, `estimateRead`), by DynamoDB's published unit rules.
 *
 * ```ts
 * import { costPlugin, costs, setCostAlert } from 'dynamorm/cost';
 * const db = DynamORM.create({ plugins: [costPlugin({ region: 'us-east-1' })] });
 * setCostAlert(db, 500, (e) => console.warn(`DynamoDB projected at $${e.dollars.toFixed(0)} a month`));
 * costs(db).lines; // by operation, model, table, index: units and dollars
 * ```
 * @packageDocumentation
 */
export { costPlugin, costs, estimateMonthlyCost, setCostAlert } from './plugin.js';
export type { CostAlertCallback, CostOptions, CostPlugin, CostReport, MonthlyEstimate } from './plugin.js';
export type { CostLine } from './ledger.js';
export { dollarsOf, HOURS_PER_MONTH, priceFor, PRICES, SECONDS_PER_MONTH } from './prices.js';
export type { BillingMode, Price } from './prices.js';
export { estimateRead, estimateWrite } from './estimate.js';
export type { Image, ReadImages, WriteImages } from './estimate.js';
export { estimateReadSizes, estimateWriteSizes, indexWriteUnits, LSI_ENTRY_OVERHEAD_BYTES, readUnits, READ_UNIT_BYTES, sumEstimates, TRANSACTIONAL_FACTOR, writeUnits, WRITE_UNIT_BYTES } from './units.js';
export type { CapacityEstimate, IndexEntryChange, ReadMode, UnitsAt, WriteSizes } from './units.js';
export { estimateWorkload, lineUnits, parseWorkload, WORKLOAD_OPERATIONS } from './workload.js';
export type { Workload, WorkloadEstimate, WorkloadLine, WorkloadLineEstimate, WorkloadOperation } from './workload.js';
export { CostInputError } from './errors.js';
