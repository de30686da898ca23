import { FilterError, parseFilter, type FilterAccessors, type Predicate } from './filter';
import { GraphError } from './graph-error';

/** `$filter` as Graph reads it; an expression the emulator does not know is Graph's 400 BadRequest. */
export function filterOf<T>(query: URLSearchParams, accessors: FilterAccessors<T>): Predicate<T> | undefined {
  const filter = query.get('$filter');
  if (!filter) return undefined;
  try {
    return parseFilter<T>(filter, accessors);
  } catch (error) {
    if (error instanceof FilterError) throw new GraphError(400, 'BadRequest', error.message);
    throw error;
  }
}
