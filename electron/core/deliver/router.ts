import type { Destination, DestinationRouter, RouteName, Routed } from '../model/destination';
import type { ConvertedEmail } from '../model/email';

/**
 * The import method of a connector: `graph-mime` sends what importMime takes and the rest by JSON
 * create; `graph-json` sends everything by JSON create.
 */
export function createRouter(destinations: { json: Destination; mime?: Destination }, preferred: 'graph-json' | 'graph-mime'): DestinationRouter {
  const all = new Map<RouteName, Destination>([[destinations.json.route, destinations.json]]);
  if (destinations.mime) all.set(destinations.mime.route, destinations.mime);
  return {
    async route(email: ConvertedEmail): Promise<Routed> {
      if (preferred === 'graph-mime' && destinations.mime) {
        const prepared = await destinations.mime.prepare(email);
        if (prepared) return { destination: destinations.mime, email: prepared };
      }
      const prepared = await destinations.json.prepare(email);
      if (!prepared) throw new Error(`${email.archiveKey}: the JSON path declined the e-mail`);
      return { destination: destinations.json, email: prepared };
    },
    byRoute: (route) => all.get(route),
  };
}
