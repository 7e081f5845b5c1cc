/** The errors of `dynamorm/cost`. */
import { DynamORMError } from '../errors.js';

/**
 * An estimate or a workload description that cannot be computed (no item given, an unknown index or
 * model, a rate that is not a number). Thrown before anything is sent or counted: nothing changed.
 */
export class CostInputError extends DynamORMError {
  static override readonly errorName: string = 'CostInputError';
  constructor(message: string) {
    super('COST_INPUT', message);
  }
}
