/** A forecast request that cannot be answered as asked: a bad horizon, season or value. */
export class ForecastInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForecastInputError';
  }
}
