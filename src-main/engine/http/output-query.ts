// The live-output routes' query (shared/live-output.ts), or a 400 naming the bad parameter.

import { parseOutputQuery, type OutputQuery } from '../../shared/live-output';
import { HttpError } from './server';

export function outputQuery(params: URLSearchParams): OutputQuery {
  try {
    return parseOutputQuery(params);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}
