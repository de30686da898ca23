import path from 'node:path';
import { specDir } from './spec-files';
import { OpenApiContract, type SpecFile } from './openapi';

/** The FINOS descriptions beside the project (../shared/specs/symphony, see its SOURCE.md; spec-files.ts). */
export const SYMPHONY_SPEC_DIR = specDir('symphony');

const file = (name: string) => path.join(SYMPHONY_SPEC_DIR, name);

/**
 * What the Symphony emulator serves, by description and mount point: the pod API under /pod, the
 * agent API under /agent, RSA login under /login (pod) and /relay (key manager), as FACTS.md
 * says. Only the operations the archiver calls: certificate login (authenticator-api-public.yaml)
 * and the pod's attachment list are not among them (see docs/capture.md).
 */
export const SYMPHONY_SPECS: readonly SpecFile[] = [
  { file: file('login-api-public.yaml'), mount: '/login', paths: ['/pubkey/authenticate'] },
  { file: file('login-api-public.yaml'), mount: '/relay', paths: ['/pubkey/authenticate'] },
  { file: file('pod-api-public.yaml'), mount: '/pod', paths: ['/v2/sessioninfo', '/v2/admin/streams/list', '/v1/admin/stream/{id}/membership/list', '/v3/users'] },
  { file: file('agent-api-public.yaml'), mount: '/agent', paths: ['/v4/stream/{sid}/message', '/v1/stream/{sid}/attachment', '/v5/events/read'] },
];

export function symphonyContract(): Promise<OpenApiContract> {
  return OpenApiContract.load(SYMPHONY_SPECS);
}
