/**
 * `dynamorm/audit`: an immutable, hash-chained audit trail of chosen fields, written in the same
 * transaction as each change; chain verification, signed Merkle checkpoints and streamed queries.
 *
 * ```ts
 * import { audit, tracked, withActor } from 'dynamorm/audit';
 * const log = audit({ table: 'audit', models: [tracked(Payment, { fields: ['amount', 'status'] })] });
 * ```
 * @packageDocumentation
 */
export { audit, tracked } from './extension.js';
export type { AuditLog, AuditOptions, TrackedModel, TrackOptions } from './extension.js';
export { AuditActorRequiredError, AuditConfigError, AuditConflictError, AuditUnsupportedUpdateError } from './errors.js';
export { auditScopeFromEvent, withActor, withAuditScope } from './scope.js';
export type { AuditScope } from './scope.js';
export { auditTrail } from './trail.js';
export type { AuditTrail, TimeRange } from './trail.js';
export type { AuditRecord } from './read.js';
export type { AuditOperation } from './record.js';
export { verifyAuditChain } from './verify.js';
export type { AuditChainReport, AuditProblem, AuditProblemKind } from './verify.js';
export { checkpointProof, createAuditCheckpoint, verifyAuditCheckpoint, verifyCheckpointProof } from './checkpoint.js';
export type { AuditCheckpoint, CheckpointLeaf, CheckpointProblem, CheckpointProblemKind, CheckpointReport } from './checkpoint.js';
export { ed25519Signer, hmacSigner } from './signer.js';
export type { AuditSigner, KeyInput } from './signer.js';
export type { AuditTableModel } from './table.js';
