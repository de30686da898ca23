import fs from 'node:fs';
import { protocol } from 'electron';
import { RENDERER_CSP } from '../host/csp';
import { appProtocolAnswer } from '../host/static-files';

/** The renderer is served from app://archiver/ (like VS Code's vscode-file://), never from file://. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://archiver`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves the built renderer with the CSP header; nothing outside the renderer folder is reachable
 * (the checks are host/static-files.ts's, shared with the browser host). Never throws.
 */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    try {
      const answer = await appProtocolAnswer(rendererDir, request.url, 'archiver', RENDERER_CSP);
      if (answer.status !== 200 || !answer.file) return new Response('Not found', { status: answer.status });
      return new Response(await fs.promises.readFile(answer.file), { headers: answer.headers });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
